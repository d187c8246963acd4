package resilience_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/pgtest"
)

// codebaseTimeout is workflow-mcp's --codebase-timeout here.
const codebaseTimeout = 2 * time.Second

const calc = `package calc

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

// pair is a codebase-mcp that has indexed a small repository and a
// workflow-mcp asking it, on one database, with a work item linked to the
// search hit for Add.
type pair struct {
	dbURL, root string
	code, work  *server
	hit         map[string]any
	item        int64
}

func newPair(t *testing.T) *pair {
	t.Helper()
	p := &pair{dbURL: pgtest.URL(t), root: t.TempDir()}
	repo := filepath.Join(p.root, "calc")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "calc.go"), []byte(calc), 0o644); err != nil {
		t.Fatal(err)
	}
	p.code = p.startCodebase(t, "")
	c := connect(t, p.code.url())
	job := c.ok("index_repository", map[string]any{"path": repo})
	st := c.ok("get_indexing_status", map[string]any{"job_id": get(job, "job_id"), "wait_seconds": 50})
	if get(st, "state") != "succeeded" {
		t.Fatalf("indexing: %v", st)
	}
	p.hit = p.searchAdd(t)

	p.work = p.startWorkflow(t, "")
	w := connect(t, p.work.url())
	w.ok("create_project", map[string]any{"name": "calc", "activate": true})
	p.item = id(w.ok("create_work_item", map[string]any{"type": "task", "title": "make Add overflow-safe"}), "work_item", "id")
	w.ok("link_code", map[string]any{"work_item": p.item, "repository": p.hit["repository"], "path": p.hit["path"],
		"symbol": p.hit["symbol"], "start_line": p.hit["start_line"], "end_line": p.hit["end_line"], "content_hash": p.hit["content_hash"]})
	if st, notice := p.check(t, w); st != "current" || notice != "" {
		t.Fatalf("with both servers up: status %s, notice %q; want current", st, notice)
	}
	return p
}

func (p *pair) startCodebase(t *testing.T, addr string) *server {
	t.Helper()
	s := startServer(t, "codebase-mcp", addr, p.dbURL, "--root", p.root)
	s.waitHealthy(t)
	return s
}

func (p *pair) startWorkflow(t *testing.T, addr string) *server {
	t.Helper()
	s := startServer(t, "workflow-mcp", addr, p.dbURL, "--codebase-url", p.code.url(), "--codebase-timeout", codebaseTimeout.String())
	s.waitHealthy(t)
	return s
}

// searchAdd searches codebase-mcp for Add and returns the hit.
func (p *pair) searchAdd(t *testing.T) map[string]any {
	t.Helper()
	c := connect(t, p.code.url())
	hits, _ := get(c.ok("search_code", map[string]any{"query": "sum of two integers", "limit": 5}), "hits").([]any)
	for _, h := range hits {
		if get(h, "symbol") == "Add" {
			return h.(map[string]any)
		}
	}
	t.Fatalf("search_code did not find Add: %v", hits)
	return nil
}

// check asks workflow-mcp about the item's reference and returns its status
// and the notice.
func (p *pair) check(t *testing.T, w *session) (status, notice string) {
	t.Helper()
	out := w.ok("check_code_references", map[string]any{"work_item": p.item})
	refs, _ := get(out, "code_refs").([]any)
	if len(refs) != 1 {
		t.Fatalf("check_code_references: %v, want one reference", out)
	}
	status, _ = get(refs[0], "status").(string)
	notice, _ = get(out, "notice").(string)
	return status, notice
}

// codebase-mcp is killed: workflow-mcp keeps serving, reports the code
// reference as unknown with a notice, within its codebase timeout; once
// codebase-mcp is back on its address, the reference is current again.
func TestCodebaseDown(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	p.code.kill(t)

	w := connect(t, p.work.url())
	start := time.Now()
	st, notice := p.check(t, w)
	if took := time.Since(start); took > codebaseTimeout+slack {
		t.Errorf("check_code_references took %s with codebase-mcp down, want within its timeout %s", took, codebaseTimeout)
	}
	if st != "unknown" {
		t.Errorf("with codebase-mcp down: status %s, want unknown", st)
	}
	if !strings.Contains(notice, "unknown") || !strings.Contains(notice, "codebase-mcp") {
		t.Errorf("with codebase-mcp down: notice %q, want one saying codebase-mcp could not be asked and the status is unknown", notice)
	}
	// Everything else works as before.
	sub := id(w.ok("create_work_item", map[string]any{"type": "subtask", "title": "add a test", "parent": p.item}), "work_item", "id")
	item := w.ok("get_work_item", map[string]any{"id": p.item})
	if children, _ := get(item, "children").([]any); len(children) != 1 || id(children[0], "id") != sub {
		t.Errorf("get_work_item with codebase-mcp down: children %v, want the new subtask %d", get(item, "children"), sub)
	}
	if code, h, err := p.work.health(); err != nil || code != 200 || h.Status != "healthy" {
		t.Errorf("workflow-mcp /healthz with codebase-mcp down: HTTP %d %+v %v, want healthy", code, h, err)
	}

	p.code = p.startCodebase(t, p.code.addr)
	if st, notice := p.check(t, w); st != "current" || notice != "" {
		t.Errorf("with codebase-mcp back: status %s, notice %q; want current", st, notice)
	}
}

// workflow-mcp is killed: codebase-mcp keeps serving search with the same
// hits and indexing; once workflow-mcp is back, its links are intact.
func TestWorkflowDown(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	p.work.kill(t)

	if hit := p.searchAdd(t); !reflect.DeepEqual(hit, p.hit) {
		t.Errorf("search_code with workflow-mcp down: %v, want the same hit as before, %v", hit, p.hit)
	}
	c := connect(t, p.code.url())
	job := c.ok("index_repository", map[string]any{"path": filepath.Join(p.root, "calc")})
	if st := c.ok("get_indexing_status", map[string]any{"job_id": get(job, "job_id"), "wait_seconds": 50}); get(st, "state") != "succeeded" {
		t.Errorf("re-indexing with workflow-mcp down: %v", st)
	}
	if code, h, err := p.code.health(); err != nil || code != 200 || h.Status != "healthy" {
		t.Errorf("codebase-mcp /healthz with workflow-mcp down: HTTP %d %+v %v, want healthy", code, h, err)
	}

	p.work = p.startWorkflow(t, p.work.addr)
	if st, notice := p.check(t, connect(t, p.work.url())); st != "current" || notice != "" {
		t.Errorf("with workflow-mcp back: status %s, notice %q; want current", st, notice)
	}
}
