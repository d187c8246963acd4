package wfmcp_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/workflow/wfserver"
)

const calcV1 = `package calc

// Add returns the sum of two integers.
func Add(a, b int) int {
	return a + b
}

// Scale multiplies every element of a slice by a factor, in place.
func Scale(xs []float64, factor float64) {
	for i := range xs {
		xs[i] *= factor
	}
}
`

// TestCodeReferencesRealCodebase links a work item to hits of a real
// codebase-mcp (its own database) in two of its projects, the default one
// and another, edits the file and re-indexes it in the other project only,
// and sees that reference, and only it, become changed: each link asks its
// own project. With codebase-mcp stopped the check answers unknown with a
// notice.
func TestCodeReferencesRealCodebase(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	repo := filepath.Join(root, "calc")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(repo, "calc.go")
	if err := os.WriteFile(file, []byte(calcV1), 0o644); err != nil {
		t.Fatal(err)
	}

	// codebase-mcp over HTTP on a database of its own.
	cfg := cbserver.Config()
	cfg.Transport = mcpserver.TransportHTTP
	cfg.Addr = "127.0.0.1:0"
	cfg.DB.URL = pgtest.URL(t)
	cb, err := cbserver.New(cfg, mcpserver.Options{Logger: mcpserver.NewLogger(&syncBuffer{}, -4)}, cbserver.Options{Roots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := cb.Listen()
	if err != nil {
		t.Fatal(err)
	}
	cbCtx, stopCodebase := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- cb.Serve(cbCtx, ln) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			stopCodebase()
			if err := <-served; err != nil {
				t.Errorf("codebase-mcp Serve: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer wcancel()
	if err := cb.DB().WaitReady(wctx); err != nil {
		t.Fatalf("codebase-mcp database not ready: %v", err)
	}
	cbURL := "http://" + ln.Addr().String() + "/mcp"
	// The harness checks codebase-mcp's results against its output schemas too.
	code := (&env{url: cbURL}).session(t)

	const codeProject = "calc-team" // codebase-mcp's, not workflow-mcp's
	index := func(project string) {
		t.Helper()
		job := code.ok("index_repository", map[string]any{"path": repo, "project": project})
		st := code.ok("get_indexing_status", map[string]any{"job_id": get(job, "job_id"), "wait_seconds": 50})
		if get(st, "state") != "succeeded" {
			t.Fatalf("indexing into %s: %v", project, st)
		}
	}
	// findAdd returns the search_code answer's project and its hit on Add.
	findAdd := func(project string) (string, map[string]any) {
		t.Helper()
		out := code.ok("search_code", map[string]any{"query": "sum of two integers", "limit": 5, "project": project})
		for _, h := range get(out, "hits").([]any) {
			if get(h, "symbol") == "Add" {
				return get(out, "project").(string), h.(map[string]any)
			}
		}
		t.Fatalf("search_code in %s did not find Add: %v", project, out)
		return "", nil
	}
	index("default")
	index(codeProject)
	defaultProject, defaultHit := findAdd("default")
	answerProject, hit := findAdd(codeProject)
	if answerProject != codeProject {
		t.Fatalf("search_code in %s answered for project %q", codeProject, answerProject)
	}

	// workflow-mcp on its own database, asking that codebase-mcp.
	s := start(t, wfserver.Options{CodebaseURL: cbURL, CodebaseTimeout: 3 * time.Second}).session(t)
	s.newProject("calc")
	link := func(title, project string, hit map[string]any) int64 {
		t.Helper()
		task := s.item("task", title, 0)
		out := s.ok("link_code", map[string]any{"work_item": task, "code_project": project, "repository": hit["repository"],
			"path": hit["path"], "symbol": hit["symbol"], "start_line": hit["start_line"], "end_line": hit["end_line"],
			"content_hash": hit["content_hash"]})
		if got, _ := get(out, "code_ref").(map[string]any)["code_project"].(string); got != project {
			t.Fatalf("link_code stored code_project %q, want %q: %v", got, project, out)
		}
		return task
	}
	inProject := link("make Add overflow-safe", answerProject, hit)
	inDefault := link("document Add", defaultProject, defaultHit)
	check := func(task int64) (string, any) {
		t.Helper()
		out := s.ok("check_code_references", map[string]any{"work_item": task})
		refs := get(out, "code_refs").([]any)
		if len(refs) != 1 {
			t.Fatalf("check_code_references: %v, want one reference", out)
		}
		return get(refs[0], "status").(string), get(out, "notice")
	}
	for _, task := range []int64{inProject, inDefault} {
		if st, notice := check(task); st != "current" || notice != nil {
			t.Fatalf("work item %d before the edit: status %s, notice %v; want current", task, st, notice)
		}
	}

	// The edit is re-indexed in the other project only: its link changes,
	// the default project's does not.
	edited := strings.Replace(calcV1, "return a + b", "return b + a // commutative", 1)
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	index(codeProject)
	if st, _ := check(inProject); st != "changed" {
		t.Fatalf("after editing Add and re-indexing %s: status %s, want changed", codeProject, st)
	}
	if st, _ := check(inDefault); st != "current" {
		t.Fatalf("the default project was not re-indexed: status %s, want current", st)
	}

	stop()
	st, notice := check(inProject)
	if st != "unknown" {
		t.Errorf("with codebase-mcp stopped: status %s, want unknown", st)
	}
	if n, _ := notice.(string); !strings.Contains(n, "unknown") {
		t.Errorf("with codebase-mcp stopped: notice %q, want one saying the status is unknown", n)
	}
}
