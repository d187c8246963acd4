package run_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/run"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	args = append([]string{"-c", "user.name=perfgate", "-c", "user.email=perfgate@example.com", "-c", "commit.gpgsign=false"}, args...)
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// benchRepo makes a repository whose main branch has a script printing
// 100 ns/op and whose checked-out feature branch prints 200 ns/op. The
// script lives in a subdirectory, the suite's directory, and logs the side
// of each run to log.
func benchRepo(t *testing.T, log string) (repo, base string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo = t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	sub := filepath.Join(repo, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(ns string) {
		script := "echo \"$PERFGATE_SIDE $GOFLAGS\" >> '" + log + "'\necho 'BenchmarkWork 1 " + ns + " ns/op'\n"
		if err := os.WriteFile(filepath.Join(sub, "bench.sh"), []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("100")
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "base")
	base = git(t, repo, "rev-parse", "HEAD")
	git(t, repo, "checkout", "-q", "-b", "feature")
	write("200")
	git(t, repo, "commit", "-q", "-am", "slower")
	return repo, base
}

func TestRunBaseRef(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "sides.log")
	repo, base := benchRepo(t, log)
	r, progress := newRunner(t)
	r.Dir = filepath.Join(repo, "sub")
	r.Env = append(r.Env, "GOFLAGS=-mod=mod")
	out := t.TempDir()
	r.OutDir = out
	s := suite("work", "sh bench.sh")
	s.Count = 2

	br, err := r.RunBaseRef(t.Context(), "main", []gate.Suite{s})
	if err != nil {
		t.Fatal(err)
	}
	if br.BaseCommit != base || br.HeadCommit != git(t, repo, "rev-parse", "HEAD") || br.Ref != "main" {
		t.Errorf("commits = %+v, want base %s", br, base)
	}
	value := func(res *run.Result) []float64 {
		var vs []float64
		for _, rec := range res.Records {
			vs = append(vs, rec.Values[0].OrigValue)
		}
		return vs
	}
	if got := value(br.Base[0]); len(got) != 2 || got[0] != 100 || got[1] != 100 {
		t.Errorf("base values = %v, want the merge-base's 100 twice", got)
	}
	if got := value(br.Head[0]); len(got) != 2 || got[0] != 200 || got[1] != 200 {
		t.Errorf("head values = %v, want the working tree's 200 twice", got)
	}

	// Rounds interleave: base, head, base, head.
	sides, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	// Both sides build with -trimpath, added to the caller's GOFLAGS, so
	// that the same code builds to the same binary in either directory.
	if string(sides) != "base -mod=mod -trimpath\nhead -mod=mod -trimpath\nbase -mod=mod -trimpath\nhead -mod=mod -trimpath\n" {
		t.Errorf("order of runs and their GOFLAGS = %q", sides)
	}
	want := regexp.MustCompile(`^\[1/1\] work base 1/2 … \d+\.\ds\n\[1/1\] work head 1/2 … \d+\.\ds\n\[1/1\] work base 2/2 … \d+\.\ds\n\[1/1\] work head 2/2 … \d+\.\ds\n$`)
	if !want.MatchString(progress.String()) {
		t.Errorf("progress =\n%s", progress.String())
	}
	for _, f := range []string{"base-run-1.txt", "head-run-2.txt", "head-run-2.stderr.txt", "results.txt", "base-results.txt"} {
		if _, err := os.Stat(filepath.Join(out, "work", f)); err != nil {
			t.Errorf("missing output: %v", err)
		}
	}
	if back, err := run.ReadBaseResults(out, "work"); err != nil || len(back.Records) != 2 || back.Records[1].Run != 2 {
		t.Errorf("ReadBaseResults = %+v, %v", back, err)
	}

	// The worktree is gone.
	if list := git(t, repo, "worktree", "list", "--porcelain"); strings.Count(list, "worktree ") != 1 {
		t.Errorf("worktrees left behind:\n%s", list)
	}
}

// GOFLAGS set with `go env -w` (the file $GOENV names) are kept when
// -trimpath is added: the variable would otherwise replace them.
func TestRunBaseRefKeepsGoEnvFlags(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "sides.log")
	repo, _ := benchRepo(t, log)
	goenv := filepath.Join(t.TempDir(), "go.env")
	if err := os.WriteFile(goenv, []byte("GOFLAGS=-mod=mod\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, _ := newRunner(t)
	r.Dir = filepath.Join(repo, "sub")
	r.OutDir = t.TempDir()
	r.Env = slices.DeleteFunc(slices.Clone(r.Env), func(kv string) bool { return strings.HasPrefix(kv, "GOFLAGS=") })
	r.Env = append(r.Env, "GOENV="+goenv)
	if _, err := r.RunBaseRef(t.Context(), "main", []gate.Suite{suite("work", "sh bench.sh")}); err != nil {
		t.Fatal(err)
	}
	sides, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if string(sides) != "base -mod=mod -trimpath\nhead -mod=mod -trimpath\n" {
		t.Errorf("sides and their GOFLAGS = %q", sides)
	}
}

func TestRunBaseRefRemovesTheWorktreeOnError(t *testing.T) {
	t.Parallel()
	repo, _ := benchRepo(t, filepath.Join(t.TempDir(), "log"))
	r, _ := newRunner(t)
	r.Dir = repo
	r.OutDir = t.TempDir()
	_, err := r.RunBaseRef(t.Context(), "main", []gate.Suite{suite("broken", "exit 3")})
	if se, ok := err.(*run.SuiteError); !ok || se.Side != "head" || se.Reason != "exit status 3" {
		t.Fatalf("err = %v, want the head side's SuiteError", err)
	}
	if list := git(t, repo, "worktree", "list", "--porcelain"); strings.Count(list, "worktree ") != 1 {
		t.Errorf("worktrees left behind:\n%s", list)
	}
}

// A change that adds a suite's script: the base cannot run it, the head
// can, and the gate goes on with a warning.
func TestRunBaseRefSuiteNewInHead(t *testing.T) {
	t.Parallel()
	repo, _ := benchRepo(t, filepath.Join(t.TempDir(), "log"))
	if err := os.WriteFile(filepath.Join(repo, "new.sh"), []byte("echo 'BenchmarkNew 1 5 ns/op'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	git(t, repo, "add", "new.sh")
	git(t, repo, "commit", "-q", "-m", "add a suite")
	r, _ := newRunner(t)
	r.Dir = repo
	r.OutDir = t.TempDir()
	s := suite("new", "./new.sh")
	s.Count = 2
	br, err := r.RunBaseRef(t.Context(), "main", []gate.Suite{s})
	if err != nil {
		t.Fatal(err)
	}
	if len(br.BaseFailures) != 1 || br.BaseFailures[0].Reason != "command not found (exit status 127)" {
		t.Errorf("BaseFailures = %v", br.BaseFailures)
	}
	if len(br.Base[0].Records) != 0 || len(br.Head[0].Records) != 2 {
		t.Errorf("base %d records, head %d; want 0 and 2", len(br.Base[0].Records), len(br.Head[0].Records))
	}
	if w := br.Head[0].Summary.Warnings; len(w) != 1 || !strings.Contains(w[0], "suite new failed on the merge-base") {
		t.Errorf("head warnings = %q", w)
	}
	if _, err := os.Stat(filepath.Join(r.OutDir, "new", "base-run-2.txt")); err == nil {
		t.Error("the base side ran again after failing")
	}
}

func TestRunBaseRefUnknownRef(t *testing.T) {
	t.Parallel()
	repo, _ := benchRepo(t, filepath.Join(t.TempDir(), "log"))
	r, _ := newRunner(t)
	r.Dir = repo
	_, err := r.RunBaseRef(t.Context(), "origin/nope", []gate.Suite{suite("s", "true")})
	if err == nil || !strings.Contains(err.Error(), "find the merge-base of origin/nope and HEAD") || !strings.Contains(err.Error(), "fetch it first") {
		t.Errorf("err = %v", err)
	}
}
