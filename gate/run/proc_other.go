//go:build !unix

package run

import "os/exec"

// isolate is the portable fallback: only the shell itself is killed on
// cancellation.
func isolate(cmd *exec.Cmd) {}

func killGroup(cmd *exec.Cmd) error { return nil }

func signaled(state interface{ Sys() any }) (string, bool) { return "", false }
