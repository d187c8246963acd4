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

// TestCodeReferencesRealCodebase links a work item to a hit of a real
// codebase-mcp (its own database), edits and re-indexes the file, and sees
// the reference become changed; with codebase-mcp stopped the check answers
// unknown with a notice.
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

	index := func() {
		t.Helper()
		job := code.ok("index_repository", map[string]any{"path": repo})
		st := code.ok("get_indexing_status", map[string]any{"job_id": get(job, "job_id"), "wait_seconds": 50})
		if get(st, "state") != "succeeded" {
			t.Fatalf("indexing: %v", st)
		}
	}
	index()
	hits := get(code.ok("search_code", map[string]any{"query": "sum of two integers", "limit": 5}), "hits").([]any)
	var hit map[string]any
	for _, h := range hits {
		if get(h, "symbol") == "Add" {
			hit = h.(map[string]any)
			break
		}
	}
	if hit == nil {
		t.Fatalf("search_code did not find Add: %v", hits)
	}

	// workflow-mcp on its own database, asking that codebase-mcp.
	s := start(t, wfserver.Options{CodebaseURL: cbURL, CodebaseTimeout: 3 * time.Second}).session(t)
	s.newProject("calc")
	task := s.item("task", "make Add overflow-safe", 0)
	s.ok("link_code", map[string]any{"work_item": task, "repository": hit["repository"], "path": hit["path"],
		"symbol": hit["symbol"], "start_line": hit["start_line"], "end_line": hit["end_line"], "content_hash": hit["content_hash"]})
	check := func() (string, any) {
		out := s.ok("check_code_references", map[string]any{"work_item": task})
		refs := get(out, "code_refs").([]any)
		if len(refs) != 1 {
			t.Fatalf("check_code_references: %v, want one reference", out)
		}
		return get(refs[0], "status").(string), get(out, "notice")
	}
	if st, notice := check(); st != "current" || notice != nil {
		t.Fatalf("before the edit: status %s, notice %v; want current", st, notice)
	}

	edited := strings.Replace(calcV1, "return a + b", "return b + a // commutative", 1)
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	index()
	if st, _ := check(); st != "changed" {
		t.Fatalf("after editing Add and re-indexing: status %s, want changed", st)
	}

	stop()
	st, notice := check()
	if st != "unknown" {
		t.Errorf("with codebase-mcp stopped: status %s, want unknown", st)
	}
	if n, _ := notice.(string); !strings.Contains(n, "unknown") {
		t.Errorf("with codebase-mcp stopped: notice %q, want one saying the status is unknown", n)
	}
}
