//go:build unix

package run

import (
	"errors"
	"os/exec"
	"syscall"
)

// isolate starts cmd in a process group of its own and makes cancelling it
// kill the whole group, so that no child of the suite's shell survives a
// timeout or an interrupt.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd) }
}

// killGroup kills every process left in cmd's process group. It is also
// called after a normal exit, for background processes the command left
// behind.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// signaled returns the signal that ended the process, if one did.
func signaled(state interface{ Sys() any }) (string, bool) {
	ws, ok := state.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return "", false
	}
	return ws.Signal().String(), true
}
