package progtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const hello = "./internal/progtest/testdata/hello"

// reset forgets the builds of earlier tests, as Run does after the tests.
func reset(t *testing.T) {
	t.Helper()
	removeTemp()
}

func runs(t *testing.T, prog string) {
	t.Helper()
	out, err := exec.Command(prog).Output()
	if err != nil || strings.TrimSpace(string(out)) != "hello from a built program" {
		t.Fatalf("%s: %q, %v", prog, out, err)
	}
}

// With $BIN_DIR, relative to the module root, the program is built there,
// once per process, and kept; a new process finds it up to date.
func TestBuildInBinDir(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvBinDir, rel)
	reset(t)
	t.Cleanup(func() { reset(t) })

	prog := Build(t, hello)
	if prog != filepath.Join(dir, "hello") {
		t.Fatalf("built %s, want it in $BIN_DIR %s", prog, dir)
	}
	runs(t, prog)
	before, err := os.Stat(prog)
	if err != nil {
		t.Fatal(err)
	}
	if again := Build(t, hello); again != prog {
		t.Fatalf("second Build: %s, want %s", again, prog)
	}

	// As a later test process: go build finds it up to date and keeps it.
	reset(t)
	if again := Build(t, hello); again != prog {
		t.Fatalf("Build in a new process: %s, want %s", again, prog)
	}
	after, err := os.Stat(prog)
	if err != nil {
		t.Fatal(err)
	}
	// A relinked program is renamed into place: a new file. (go build
	// touches an up-to-date one, so its time is no sign.)
	if !os.SameFile(before, after) {
		t.Fatal("the up-to-date program was relinked")
	}
	state.mu.Lock()
	temp := state.temp
	state.mu.Unlock()
	if temp {
		t.Fatal("$BIN_DIR was taken for a temporary directory, to be removed")
	}
}

// Without $BIN_DIR, the program goes to a temporary directory that Run's
// cleanup removes.
func TestBuildTemporary(t *testing.T) {
	t.Setenv(EnvBinDir, "")
	reset(t)
	prog := Build(t, hello)
	runs(t, prog)
	reset(t) // Run's cleanup
	if _, err := os.Stat(filepath.Dir(prog)); !os.IsNotExist(err) {
		t.Fatalf("the temporary directory %s is still there: %v", filepath.Dir(prog), err)
	}
}

// A package that does not build fails the test with go build's output.
func TestBuildFailure(t *testing.T) {
	t.Setenv(EnvBinDir, "")
	reset(t)
	t.Cleanup(func() { reset(t) })
	b, err := lookup("./internal/progtest/testdata/nosuch")
	if err != nil {
		t.Fatal(err)
	}
	ft := &fatalT{TB: t}
	func() {
		defer func() { recover() }()
		Build(ft, "./internal/progtest/testdata/nosuch")
	}()
	if b.err == nil || !strings.Contains(ft.msg, "go build") || !strings.Contains(ft.msg, "nosuch") {
		t.Fatalf("Build of a missing package: fatal %q, err %v", ft.msg, b.err)
	}
}

// fatalT records Fatalf instead of ending the test.
type fatalT struct {
	testing.TB
	msg string
}

func (f *fatalT) Helper() {}

func (f *fatalT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}
