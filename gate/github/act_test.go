package github

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// actVersion is the act CI installs; the workflow and flags below are
// known to work with it.
const actVersion = "v0.2.89"

// TestActionUnderAct runs action.yml end to end with nektos/act: the
// workflow testdata/action/.github/workflows/perfgate.yml, on the
// pull_request event of testdata/events, with the steps executed on this
// host (-P ubuntu-latest=-self-hosted) and no network:
//
//   - actions/checkout is skipped by act for the local repository;
//   - actions/setup-go, which act reads even when `if:` skips it, is served
//     from testdata/action/setup-go-stub (--local-repository);
//   - the Go module and build caches are the host's, so building
//     ./cmd/perfgate downloads nothing;
//   - perfgate.yml says comment: never and act gives no token, so GitHub's
//     API is never called.
//
// It asserts that the job succeeded, that the action's outputs reached the
// next step, and that act received the step summary. Without act it skips,
// except under CI=true, where it fails: CI installs act with
// `go install github.com/nektos/act@v0.2.89`.
func TestActionUnderAct(t *testing.T) {
	t.Parallel()
	act := findAct()
	if act == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("act is not installed; CI must run `go install github.com/nektos/act@%s`", actVersion)
		}
		t.Skipf("act is not installed (go install github.com/nektos/act@%s)", actVersion)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("act runs the action with the host's Go, and there is none on PATH")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cache := goEnv(t, goBin, "GOMODCACHE", "GOCACHE", "GOPATH")

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, act, "pull_request",
		"-P", "ubuntu-latest=-self-hosted",
		"--action-offline-mode",
		"--action-cache-path", filepath.Join(home, "act-cache"),
		"--local-repository", "actions/setup-go@v5="+filepath.Join(root, "testdata", "action", "setup-go-stub"),
		"-e", filepath.Join("testdata", "events", "pull_request.json"),
		"-W", filepath.Join("testdata", "action", ".github", "workflows", "perfgate.yml"),
	)
	// act copies the working tree (committed or not) and runs there.
	cmd.Dir = root
	cmd.Env = actEnv(home, cache)
	out, err := cmd.CombinedOutput()
	log := string(out)
	if err != nil {
		t.Fatalf("act: %v\n%s", err, tail(log, 120))
	}
	for _, want := range []string{
		"::set-output:: verdict=pass",
		"::set-output:: regressions=0",
		"perfgate outputs: verdict=pass regressions=0 report-path=/",
		"perfgate act check: ok",
		"Summary - <!-- perfgate:report -->",
		"Job succeeded",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("act output lacks %q", want)
		}
	}
	// "dial tcp" is how a network attempt (a clone, an API call) fails here.
	for _, bad := range []string{"report not fully published", "dial tcp", "setup-go stub"} {
		if strings.Contains(log, bad) {
			t.Errorf("act output has %q", bad)
		}
	}
	if t.Failed() {
		t.Logf("act output:\n%s", tail(log, 120))
	}
}

// findAct returns act's path: on PATH, or where `go install` puts it.
func findAct() string {
	if p, err := exec.LookPath("act"); err == nil {
		return p
	}
	dirs := []string{os.Getenv("GOBIN")}
	if gopath := os.Getenv("GOPATH"); gopath != "" {
		dirs = append(dirs, filepath.Join(filepath.SplitList(gopath)[0], "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if p := filepath.Join(d, "act"); isExecutable(p) {
			return p
		}
	}
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// goEnv returns the named `go env` values.
func goEnv(t *testing.T, goBin string, names ...string) map[string]string {
	t.Helper()
	out, err := exec.Command(goBin, append([]string{"env"}, names...)...).Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	vals := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	m := map[string]string{}
	for i, n := range names {
		if i < len(vals) {
			m[n] = vals[i]
		}
	}
	return m
}

// actEnv is the host environment for act: HOME in a temp dir, the host's
// Go caches, and nothing of an enclosing Actions run (GITHUB_*, RUNNER_*,
// ACTIONS_*, tokens), which would leak into the workflow or make act reach
// for the network.
func actEnv(home string, goCache map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME", k == "XDG_CACHE_HOME", k == "GH_TOKEN", k == "CI",
			strings.HasPrefix(k, "GITHUB_"), strings.HasPrefix(k, "RUNNER_"), strings.HasPrefix(k, "ACTIONS_"),
			strings.HasPrefix(k, "INPUT_"):
			continue
		}
		env = append(env, kv)
	}
	// Later entries win: the host's caches, and no GOFLAGS (-race...) of
	// the enclosing go test.
	env = append(env, "HOME="+home, "GOTOOLCHAIN=local", "GOFLAGS=")
	for k, v := range goCache {
		env = append(env, k+"="+v)
	}
	return env
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
