package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLocal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		noFsync   bool
		wantFsync string
	}{
		{"durable", false, "on"},
		{"no fsync", true, "off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv, tmp := testEnv(t, map[string]string{"PATH": os.Getenv("PATH")})
			inst, err := Start(t.Context(), Options{Provider: ProviderLocal, Getenv: getenv, NoFsync: tt.noFsync})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = inst.Stop(context.Background()) })
			st := inst.State()
			if inst.Provider != ProviderLocal || st.PID <= 0 || filepath.Dir(st.DataDir) != tmp {
				t.Fatalf("state = %+v, want a local server in %s", st, tmp)
			}

			if v := queryString(t, inst.URL, extversionSQL); v == "" {
				t.Error("vector extension has no version")
			}
			if got := queryString(t, inst.URL, "SHOW fsync"); got != tt.wantFsync {
				t.Errorf("fsync = %s, want %s", got, tt.wantFsync)
			}
			if got := queryString(t, inst.URL, "SHOW unix_socket_directories"); got != st.DataDir {
				t.Errorf("unix_socket_directories = %s, want the data dir %s", got, st.DataDir)
			}
			if !inst.Running(t.Context()) {
				t.Error("Running = false for a live server")
			}

			if err := inst.Stop(t.Context()); err != nil {
				t.Fatal(err)
			}
			assertGone(t, st)
			assertEmpty(t, tmp)
			if inst.Running(t.Context()) {
				t.Error("Running = true after Stop")
			}
			if err := inst.Stop(t.Context()); err != nil {
				t.Errorf("second Stop: %v", err)
			}
			live.mu.Lock()
			_, tracked := live.insts[inst]
			live.mu.Unlock()
			if tracked {
				t.Error("a stopped instance is still tracked by the signal handler")
			}
		})
	}
}

func TestAutoPicksLocal(t *testing.T) {
	t.Parallel()
	// No DATABASE_URL and no Docker daemon: auto must fall through to local.
	getenv, tmp := testEnv(t, map[string]string{"PATH": os.Getenv("PATH")})
	inst, err := Start(t.Context(), Options{Getenv: getenv, NoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer assertEmpty(t, tmp)
	defer func() {
		if err := inst.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	if inst.Provider != ProviderLocal {
		t.Errorf("auto picked %s, want local", inst.Provider)
	}
	if v := queryString(t, inst.URL, extversionSQL); v == "" {
		t.Error("vector extension has no version")
	}
}

func TestNoBinaries(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	tests := []struct {
		name          string
		opts          Options
		env           map[string]string
		wantProviders []string
	}{
		{"PATH without pg_config", Options{Provider: ProviderLocal}, map[string]string{"PATH": empty}, []string{ProviderLocal}},
		{"PG_BIN without binaries", Options{Provider: ProviderLocal}, map[string]string{"PATH": os.Getenv("PATH"), "PG_BIN": empty}, []string{ProviderLocal}},
		{"PGBin without binaries", Options{Provider: ProviderLocal, PGBin: empty}, map[string]string{"PATH": os.Getenv("PATH")}, []string{ProviderLocal}},
		{"auto with nothing", Options{}, map[string]string{"PATH": empty}, []string{ProviderURL, ProviderDocker, ProviderLocal}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv, tmp := testEnv(t, tt.env)
			tt.opts.Getenv = getenv
			inst, err := Start(t.Context(), tt.opts)
			if err == nil {
				inst.Stop(context.Background())
				t.Fatalf("Start succeeded with %s", inst.Provider)
			}
			var ue *UnavailableError
			if !errors.As(err, &ue) {
				t.Fatalf("error %T is not an *UnavailableError: %v", err, err)
			}
			var got []string
			for _, r := range ue.Reasons {
				got = append(got, r.Provider)
			}
			if strings.Join(got, ",") != strings.Join(tt.wantProviders, ",") {
				t.Errorf("reasons for %v, want %v", got, tt.wantProviders)
			}
			for _, fix := range []string{"scripts/setup.sh", "start Docker", "set DATABASE_URL"} {
				if !strings.Contains(err.Error(), fix) {
					t.Errorf("error does not name the fix %q:\n%v", fix, err)
				}
			}
			assertEmpty(t, tmp)
		})
	}
}

func TestLocalWithoutPgvector(t *testing.T) {
	t.Parallel()
	bin := installWithoutPgvector(t)
	getenv, tmp := testEnv(t, nil)
	inst, err := Start(t.Context(), Options{Provider: ProviderLocal, PGBin: bin, Getenv: getenv, NoFsync: true})
	if err == nil {
		inst.Stop(context.Background())
		t.Fatal("Start succeeded without pgvector")
	}
	var ue *UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("error %T is not an *UnavailableError: %v", err, err)
	}
	for _, want := range []string{"create extension vector", "lacks pgvector", "scripts/setup.sh"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	// What Start started is gone again.
	assertEmpty(t, tmp)
}

// installWithoutPgvector mirrors the machine's PostgreSQL installation into
// a temporary tree without the vector extension and returns its bin dir.
// The binaries are copied, since postgres finds its share and lib
// directories relative to its resolved location; everything else is
// symlinked.
func installWithoutPgvector(t *testing.T) string {
	t.Helper()
	pgConfig, err := exec.LookPath("pg_config")
	if err != nil {
		t.Skip("pg_config is not on PATH")
	}
	dirs := map[string]string{}
	for _, k := range []string{"bindir", "sharedir", "pkglibdir"} {
		out, err := exec.Command(pgConfig, "--"+k).Output()
		if err != nil {
			t.Fatalf("pg_config --%s: %v", k, err)
		}
		dirs[k] = strings.TrimSpace(string(out))
	}
	root := reachableTempDir(t)
	mirror := func(p string) string { return filepath.Join(root, p) }

	for _, name := range []string{"initdb", "postgres"} {
		b, err := os.ReadFile(filepath.Join(dirs["bindir"], name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(mirror(dirs["bindir"]), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mirror(dirs["bindir"]), name), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Link a tree entry by entry, leaving out pgvector's files.
	var link func(src, dst string)
	link = func(src, dst string) {
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			switch {
			case strings.HasPrefix(e.Name(), "vector"):
			case e.Name() == "extension" && e.IsDir():
				link(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()))
			default:
				if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	link(dirs["sharedir"], mirror(dirs["sharedir"]))
	link(dirs["pkglibdir"], mirror(dirs["pkglibdir"]))
	return mirror(dirs["bindir"])
}

func TestSignalStopsServer(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			cmd, st, stderr := startHelper(t, "wait")
			if !processAlive(st.PID) {
				t.Fatalf("postmaster %d is not running before the signal", st.PID)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := waitCmd(t, cmd, time.Minute)
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !ok || !(ws.Signaled() && ws.Signal() == sig || ws.ExitStatus() == 128+int(sig)) {
				t.Errorf("helper ended with %v, want death by %v; stderr:\n%s", err, sig, stderr)
			}
			assertGone(t, st)
		})
	}
}

func TestStateResume(t *testing.T) {
	t.Parallel()
	cmd, st, stderr := startHelper(t, "detach")
	if err := waitCmd(t, cmd, time.Minute); err != nil {
		t.Fatalf("helper: %v; stderr:\n%s", err, stderr)
	}
	// The round trip through JSON keeps every field.
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var again State
	if err := json.Unmarshal(b, &again); err != nil || again != st {
		t.Fatalf("JSON round trip: %+v, %v; want %+v", again, err, st)
	}

	inst, err := Resume(again)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Stop(context.Background()) })
	// The detached server outlived the process that started it.
	if !inst.Running(t.Context()) {
		t.Fatalf("the detached server is not running after its starter exited; stderr:\n%s", stderr)
	}
	if v := queryString(t, inst.URL, extversionSQL); v == "" {
		t.Error("vector extension has no version")
	}
	if err := inst.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	assertGone(t, st)
	if inst.Running(t.Context()) {
		t.Error("Running = true after Stop")
	}
	if err := inst.Stop(t.Context()); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestResumeRejectsBadState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		st   State
	}{
		{"unknown provider", State{Provider: "podman"}},
		{"local dir not ours", State{Provider: ProviderLocal, DataDir: "/etc", PID: 1}},
		{"local relative dir", State{Provider: ProviderLocal, DataDir: dataDirPrefix + "1", PID: 1}},
		{"local without pid", State{Provider: ProviderLocal, DataDir: "/tmp/" + dataDirPrefix + "1"}},
		{"docker without container", State{Provider: ProviderDocker, DockerEndpoint: "unix:///x"}},
	}
	for _, tt := range tests {
		if _, err := Resume(tt.st); err == nil {
			t.Errorf("%s: Resume accepted %+v", tt.name, tt.st)
		}
	}
}

func TestResumeStale(t *testing.T) {
	t.Parallel()
	// A record whose server is gone: Running is false and Stop only removes
	// the leftover directory, signalling nobody.
	dir := filepath.Join(t.TempDir(), dataDirPrefix+"stale")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// Our own pid is alive, but it is not the postmaster of dir.
	inst, err := Resume(State{Provider: ProviderLocal, URL: "postgres://127.0.0.1:1/x", DataDir: dir, PID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	if inst.Running(t.Context()) {
		t.Error("Running = true for a record whose postmaster is gone")
	}
	if err := inst.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("stale data dir still exists (stat: %v)", err)
	}
}

func TestUnknownProvider(t *testing.T) {
	t.Parallel()
	_, err := Start(t.Context(), Options{Provider: "podman"})
	if !errors.Is(err, ErrUnknownProvider) {
		t.Errorf("err = %v, want ErrUnknownProvider", err)
	}
}
