package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// dataDirPrefix starts the name of every data directory the local
	// provider creates; Resume refuses to delete any other directory.
	dataDirPrefix = "perfgate-postgres-"
	// logName is the server log, kept inside the data directory.
	logName = "perfgate-postgres.log"
	// maxSocketPath is the longest unix socket path Linux accepts.
	maxSocketPath = 107
	// readyTimeout bounds the wait for a new server to accept connections
	// when ctx has no earlier deadline.
	readyTimeout = 60 * time.Second
	// portAttempts is how often a start is retried when another process
	// took the free port first.
	portAttempts = 3
)

var errPortInUse = errors.New("port already in use")

func (i *Instance) startLocal(ctx context.Context, o Options) error {
	bin, err := findBinDir(ctx, o)
	if err != nil {
		return &unavailable{err: err}
	}
	cred, err := runAs()
	if err != nil {
		return &unavailable{err: err}
	}

	base := o.Getenv("TMPDIR")
	if base == "" {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, dataDirPrefix)
	if err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	i.mu.Lock()
	i.dataDir, i.bin = dir, bin
	i.mu.Unlock()
	if !o.Detach {
		track(i)
	}
	if len(filepath.Join(dir, ".s.PGSQL.65535")) > maxSocketPath {
		return fmt.Errorf("data dir %s is too long for a unix socket path: set TMPDIR to a shorter directory", dir)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("chown data dir to the postgres user: %w", err)
		}
	}

	if err := initdb(ctx, bin, dir, cred, o); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		err = i.launch(ctx, bin, dir, port, cred, o)
		if err == nil {
			i.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			break
		}
		if !errors.Is(err, errPortInUse) || attempt == portAttempts {
			return err
		}
		i.logger.Debug("port taken, retrying", "port", port)
	}
	return ensureVector(ctx, i.URL, fmt.Sprintf("the PostgreSQL in %s lacks pgvector: run scripts/setup.sh (it builds and installs pgvector), or point PG_BIN at a PostgreSQL that has it", bin))
}

// findBinDir finds the directory holding initdb and postgres: o.PGBin, else
// $PG_BIN, else `pg_config --bindir` with pg_config found on $PATH.
func findBinDir(ctx context.Context, o Options) (string, error) {
	bin, from := o.PGBin, "PGBin option"
	if bin == "" {
		bin, from = o.Getenv("PG_BIN"), "PG_BIN"
	}
	if bin == "" {
		pgConfig, err := lookPath("pg_config", o.Getenv("PATH"))
		if err != nil {
			return "", fmt.Errorf("no PostgreSQL binaries: PG_BIN is not set and %w", err)
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(cctx, pgConfig, "--bindir").Output()
		if err != nil {
			return "", fmt.Errorf("no PostgreSQL binaries: %s --bindir: %w", pgConfig, err)
		}
		bin, from = strings.TrimSpace(string(out)), pgConfig+" --bindir"
	}
	for _, name := range []string{"initdb", "postgres"} {
		if !isExecutable(filepath.Join(bin, name)) {
			return "", fmt.Errorf("no PostgreSQL binaries: %s not found in %s (from %s)", name, bin, from)
		}
	}
	return bin, nil
}

// lookPath is exec.LookPath over the given PATH value instead of the
// process's own.
func lookPath(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not on PATH", name)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// runAs returns the credential of the postgres user when running as root,
// because initdb and postgres refuse to run as root, and nil otherwise.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs a postgres user to run the server as (initdb refuses root): %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres user uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres user gid %q: %w", u.Gid, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func initdb(ctx context.Context, bin, dir string, cred *syscall.Credential, o Options) error {
	args := []string{"-D", dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"}
	if o.NoFsync {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), args...)
	cmd.Dir = dir
	cmd.Env = childEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	setPdeathsig(cmd.SysProcAttr, syscall.SIGKILL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("initdb: %w", context.Cause(ctx))
		}
		hint := ""
		if cred != nil && (errors.Is(err, os.ErrPermission) || bytes.Contains(out, []byte("Permission denied"))) {
			hint = fmt.Sprintf(" (the postgres user must be able to reach %s: set TMPDIR to a directory it can)", dir)
		}
		return fmt.Errorf("initdb%s: %w%s", hint, err, outputSuffix(out))
	}
	return nil
}

// launch starts the postmaster on port and waits until it accepts
// connections. It returns errPortInUse when another process holds the port.
func (i *Instance) launch(ctx context.Context, bin, dir string, port int, cred *syscall.Credential, o Options) error {
	logPath := filepath.Join(dir, logName)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open server log: %w", err)
	}
	defer logf.Close() // The child holds its own descriptor.
	var logStart int64
	if fi, err := logf.Stat(); err == nil {
		logStart = fi.Size()
	}

	args := []string{"-D", dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + dir,
		"-c", "max_connections=200",
	}
	if o.NoFsync {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	// The postmaster runs directly, without a shell, with its output in the
	// log file: a Detached server must not hold the caller's stdout open.
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Dir = dir
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if o.Detach {
		cmd.SysProcAttr.Setsid = true
	} else {
		// Its own process group keeps a terminal's ^C away from the server,
		// so that the signal handler decides the order of shutdown.
		cmd.SysProcAttr.Setpgid = true
		setPdeathsig(cmd.SysProcAttr, syscall.SIGINT)
	}

	exited := make(chan struct{})
	startErr := make(chan error, 1)
	go func() {
		// The parent-death signal is sent when the thread that forked the
		// child exits, not the process: keep this thread alive, and out of
		// other goroutines' hands, until the child is gone.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			startErr <- err
			return
		}
		startErr <- nil
		_ = cmd.Wait()
		close(exited)
	}()
	if err := <-startErr; err != nil {
		return fmt.Errorf("start postmaster: %w", err)
	}
	i.mu.Lock()
	i.pid, i.exited = cmd.Process.Pid, exited
	i.mu.Unlock()
	i.logger.Debug("postmaster started", "pid", cmd.Process.Pid, "port", port, "dir", dir)

	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	err = waitReady(ctx, url, exited)
	if err == nil {
		return nil
	}
	log := readFrom(logPath, logStart)
	select {
	case <-exited:
		if strings.Contains(log, "Address already in use") {
			return fmt.Errorf("postmaster on port %d: %w", port, errPortInUse)
		}
		return fmt.Errorf("postmaster exited before accepting connections: %s", tail([]byte(log), 2000))
	default:
		return fmt.Errorf("wait for postmaster: %w: %s", err, tail([]byte(log), 2000))
	}
}

// waitReady polls url until a connection succeeds, the server exits, or ctx
// (or readyTimeout) ends.
func waitReady(ctx context.Context, url string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		err := ping(ctx, url)
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("postmaster exited")
		case <-ctx.Done():
			return fmt.Errorf("%w (last attempt: %v)", ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// stopLocal shuts the postmaster down and removes the data directory. The
// caller holds i.mu.
func (i *Instance) stopLocal(ctx context.Context) error {
	if i.pid > 0 && i.localRunning() {
		// A fast shutdown first; an immediate one and SIGKILL only if the
		// server does not go in time.
		steps := []struct {
			sig      syscall.Signal
			min, max time.Duration
		}{
			{syscall.SIGINT, 5 * time.Second, 30 * time.Second},
			{syscall.SIGQUIT, 5 * time.Second, 5 * time.Second},
			{syscall.SIGKILL, 5 * time.Second, 5 * time.Second},
		}
		gone := false
		for _, s := range steps {
			if err := syscall.Kill(i.pid, s.sig); err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("signal postmaster %d: %w", i.pid, err)
			}
			if gone = i.waitGone(ctx, s.min, s.max); gone {
				break
			}
			i.logger.Warn("postmaster did not stop in time, escalating", "pid", i.pid, "signal", s.sig)
		}
		if !gone {
			return fmt.Errorf("postmaster %d did not exit", i.pid)
		}
		if i.exited == nil {
			waitReaped(i.pid, 2*time.Second)
		}
	}
	if i.dataDir != "" {
		if err := os.RemoveAll(i.dataDir); err != nil {
			return fmt.Errorf("remove data dir: %w", err)
		}
		i.logger.Debug("data dir removed", "dir", i.dataDir)
	}
	return nil
}

// localRunning reports whether the postmaster is still running. For a
// resumed instance it also checks that the pid is the one recorded in the
// data directory, so that a reused pid is never signalled.
func (i *Instance) localRunning() bool {
	if i.pid <= 0 {
		return false
	}
	if i.exited != nil {
		select {
		case <-i.exited:
			return false
		default:
			return true
		}
	}
	return processAlive(i.pid) && postmasterPID(i.dataDir) == i.pid
}

// waitGone waits until the postmaster is gone, for at most max, and less
// when ctx ends, but for at least min.
func (i *Instance) waitGone(ctx context.Context, min, max time.Duration) bool {
	start := time.Now()
	for {
		if !i.processRunning() {
			return true
		}
		elapsed := time.Since(start)
		if elapsed >= max || (ctx.Err() != nil && elapsed >= min) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (i *Instance) processRunning() bool {
	if i.exited != nil {
		select {
		case <-i.exited:
			return false
		default:
			return true
		}
	}
	return processAlive(i.pid)
}

// processAlive reports whether pid names a live process (not a zombie).
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist) || runtime.GOOS != "linux"
	}
	// The state follows the parenthesised command name: "pid (comm) S ...".
	if j := bytes.LastIndexByte(stat, ')'); j >= 0 && j+2 < len(stat) {
		switch stat[j+2] {
		case 'Z', 'X':
			return false
		}
	}
	return true
}

// waitReaped gives init a moment to reap a zombie that is not our child, so
// that it no longer shows in the process table when Stop returns.
func waitReaped(pid int, max time.Duration) {
	for start := time.Now(); time.Since(start) < max; time.Sleep(20 * time.Millisecond) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
	}
}

// postmasterPID reads the pid from dir/postmaster.pid, or returns 0.
func postmasterPID(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

// checkDataDir guards Resume's Stop against deleting a directory that the
// local provider did not create.
func checkDataDir(dir string) error {
	if !filepath.IsAbs(dir) || !strings.HasPrefix(filepath.Base(dir), dataDirPrefix) {
		return fmt.Errorf("data dir %q is not one the local provider creates", dir)
	}
	return nil
}

// childEnv is the environment of initdb and postgres: ours without libpq
// and locale variables, in the C locale.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// readFrom returns the file's content from offset on, or "" on error.
func readFrom(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// outputSuffix formats a command's output for the end of an error message.
func outputSuffix(out []byte) string {
	if t := tail(out, 2000); t != "" {
		return ": " + t
	}
	return ""
}

// tail returns at most the last n bytes of b, trimmed.
func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}
