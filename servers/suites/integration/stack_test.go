package integration_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/servers/suites/internal/suitetest"
)

// stack is one scenario's world: a codebase-mcp and a workflow-mcp that
// asks it, a directory of repositories under codebase-mcp's root, a client
// of each server, and a workflow project.
type stack struct {
	t          *testing.T
	root       string
	cb, wf     *suitetest.Server
	code, work *suitetest.Client
	project    string // the workflow project calls go to
}

// newStack starts both servers for one scenario, each on a new database,
// and creates the workflow project "main".
func newStack(t *testing.T) *stack {
	t.Helper()
	root := t.TempDir()
	cb := suitetest.StartCodebase(t, suitetest.CodebaseConfig{Roots: []string{root}})
	wf := suitetest.StartWorkflow(t, suitetest.WorkflowConfig{CodebaseURL: cb.URL})
	s := &stack{t: t, root: root, cb: cb, wf: wf, code: suitetest.Connect(t, cb.URL), work: suitetest.Connect(t, wf.URL)}
	s.newProject("main")
	return s
}

// newProject creates a workflow project and makes the next calls use it.
func (s *stack) newProject(name string) {
	s.t.Helper()
	s.work.OK("create_project", map[string]any{"name": name})
	s.project = name
}

// repo writes files (relative path -> content) into a repository directory
// under the root and returns its path.
func (s *stack) repo(name string, files map[string]string) string {
	s.t.Helper()
	dir := filepath.Join(s.root, name)
	for p, content := range files {
		s.write(dir, p, content)
	}
	return dir
}

func (s *stack) write(dir, rel, content string) {
	s.t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *stack) read(dir, rel string) string {
	s.t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b)
}

// edit replaces old by new, once, in a file; old must be there.
func (s *stack) edit(dir, rel, old, new string) {
	s.t.Helper()
	content := s.read(dir, rel)
	if !strings.Contains(content, old) {
		s.t.Fatalf("%s does not contain %q", rel, old)
	}
	s.write(dir, rel, strings.Replace(content, old, new, 1))
}

// index indexes dir into codebase-mcp's default project (the one
// workflow-mcp's checks ask about) and returns the job's counts.
func (s *stack) index(dir string, extra map[string]any) map[string]any {
	s.t.Helper()
	return s.code.Index(dir, extra)["counts"].(map[string]any)
}

// hit searches the default project and returns the hit of path and symbol
// among the first 10; the test fails when it is not there.
func (s *stack) hit(query, path, symbol string) map[string]any {
	s.t.Helper()
	return s.hitIn("", query, path, symbol)
}

// hitIn is hit in a codebase-mcp project ("" for the default).
func (s *stack) hitIn(project, query, path, symbol string) map[string]any {
	s.t.Helper()
	hits := s.search(project, query)
	for _, h := range hits {
		if h["path"] == path && h["symbol"] == symbol {
			return h
		}
	}
	var got []string
	for _, h := range hits {
		got = append(got, h["path"].(string)+":"+str(h["symbol"]))
	}
	s.t.Fatalf("search_code %q: no hit of %s:%s among %v", query, path, symbol, got)
	return nil
}

func (s *stack) search(project, query string) []map[string]any {
	s.t.Helper()
	args := map[string]any{"query": query, "limit": 10}
	if project != "" {
		args["project"] = project
	}
	return suitetest.List(s.code.OK("search_code", args), "hits")
}

// task creates a task in the current workflow project and returns its id.
func (s *stack) task(title string) int64 {
	s.t.Helper()
	return suitetest.Num(s.work.OK("create_work_item", map[string]any{"project": s.project, "type": "task", "title": title}), "work_item", "id")
}

// link links a work item to a search hit, copying what the hit carries as
// link_code asks, and returns the reference's id.
func (s *stack) link(item int64, hit map[string]any) int64 {
	s.t.Helper()
	out := s.work.OK("link_code", map[string]any{"project": s.project, "work_item": item,
		"repository": hit["repository"], "path": hit["path"], "symbol": hit["symbol"],
		"start_line": hit["start_line"], "end_line": hit["end_line"], "content_hash": hit["content_hash"]})
	return suitetest.Num(out, "code_ref", "id")
}

// check is check_code_references of one work item (0: all of the
// project): the status of each reference by id, and the notice.
func (s *stack) check(item int64) (map[int64]string, string) {
	s.t.Helper()
	args := map[string]any{"project": s.project}
	if item != 0 {
		args["work_item"] = item
	}
	out := s.work.OK("check_code_references", args)
	statuses := map[int64]string{}
	for _, r := range suitetest.List(out, "code_refs") {
		statuses[suitetest.Num(r, "id")] = str(r["status"])
	}
	return statuses, str(out["notice"])
}

// expect asserts the exact statuses of a check: every reference listed,
// no other, no notice.
func (s *stack) expect(step string, item int64, want map[int64]string) {
	s.t.Helper()
	got, notice := s.check(item)
	if !sameStatuses(got, want) {
		s.t.Errorf("%s: check_code_references = %v, want %v", step, got, want)
	}
	if notice != "" {
		s.t.Errorf("%s: unexpected notice %q", step, notice)
	}
}

// refStatus asks codebase-mcp directly about a hit: its status and, when
// current, where the chunk is now.
func (s *stack) refStatus(hit map[string]any) (status string, start, end int64) {
	s.t.Helper()
	out := s.code.OK("get_code_reference_status", map[string]any{"repository": hit["repository"], "path": hit["path"],
		"content_hash": hit["content_hash"], "start_line": hit["start_line"], "end_line": hit["end_line"]})
	return str(out["status"]), suitetest.Num(out, "start_line"), suitetest.Num(out, "end_line")
}

func sameStatuses(got, want map[int64]string) bool {
	if len(got) != len(want) {
		return false
	}
	for id, st := range want {
		if got[id] != st {
			return false
		}
	}
	return true
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// paths lists the distinct paths of hits, sorted.
func paths(hits []map[string]any) []string {
	var out []string
	for _, h := range hits {
		if p := str(h["repository"]) + "/" + str(h["path"]); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
