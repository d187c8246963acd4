// Package progtest builds the repository's programs for tests that run
// them as processes of their own, as their users do.
//
// Build builds a program once per test process. Where $BIN_DIR is set (a
// relative path is relative to the module root), it builds there and the
// programs stay: `go build` does not relink a program that is up to date,
// so the next test process, or a suite script that builds into the same
// directory (perfgate.yml's suites use bin/), starts at once instead of
// spending seconds linking. Otherwise the programs go to a temporary
// directory that Run removes.
//
//	func TestMain(m *testing.M) { os.Exit(progtest.Run(m)) }
//
//	func TestServe(t *testing.T) {
//		cmd := exec.Command(progtest.Build(t, "./cmd/workflow-mcp"), "--transport", "http")
//		// ...
//	}
package progtest

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// EnvBinDir names the variable that keeps the programs in a directory.
const EnvBinDir = "BIN_DIR"

var state struct {
	mu     sync.Mutex
	root   string // the module root; set on first use
	dir    string // where programs go; set on first use
	temp   bool   // dir is ours to remove
	err    error
	builds map[string]*build
}

type build struct {
	once sync.Once
	path string
	err  error
}

// Build returns the path of the program built from pkg: a directory
// relative to the module root such as "./cmd/workflow-mcp", or an import
// path. The first call in the process builds it; a failed build fails tb
// with go build's output.
func Build(tb testing.TB, pkg string) string {
	tb.Helper()
	b, err := lookup(pkg)
	if err != nil {
		tb.Fatalf("progtest: %v", err)
	}
	b.once.Do(func() {
		b.path = filepath.Join(state.dir, path.Base(pkg))
		cmd := exec.Command("go", "build", "-o", b.path, pkg)
		cmd.Dir = state.root
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build -o %s %s: %v\n%s", b.path, pkg, err, out)
		}
	})
	if b.err != nil {
		tb.Fatalf("progtest: %v", b.err)
	}
	return b.path
}

// lookup returns pkg's build, choosing the directory on first use.
func lookup(pkg string) (*build, error) {
	state.mu.Lock()
	defer state.mu.Unlock()
	if state.root == "" && state.err == nil {
		state.root, state.err = moduleRoot()
		if state.err == nil {
			state.dir, state.temp, state.err = binDir(state.root)
		}
	}
	if state.err != nil {
		return nil, state.err
	}
	if state.builds == nil {
		state.builds = map[string]*build{}
	}
	b := state.builds[pkg]
	if b == nil {
		b = &build{}
		state.builds[pkg] = b
	}
	return b, nil
}

// binDir is $BIN_DIR, made absolute and created, or a new temporary
// directory.
func binDir(root string) (dir string, temp bool, err error) {
	dir = os.Getenv(EnvBinDir)
	if dir == "" {
		dir, err = os.MkdirTemp("", "progtest-")
		return dir, true, err
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, fmt.Errorf("%s: %w", EnvBinDir, err)
	}
	return dir, false, nil
}

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module: go env GOMOD says %q", mod)
	}
	return filepath.Dir(mod), nil
}

// Run runs the tests, then removes the temporary directory of the
// programs, if one was made. Call it from TestMain and exit with its
// result.
func Run(m *testing.M) int {
	code := m.Run()
	removeTemp()
	return code
}

// removeTemp removes the programs' directory if it is a temporary one,
// and forgets every build.
func removeTemp() {
	state.mu.Lock()
	defer state.mu.Unlock()
	if state.temp && state.dir != "" {
		os.RemoveAll(state.dir)
	}
	state.root, state.dir, state.temp, state.err, state.builds = "", "", false, nil, nil
}
