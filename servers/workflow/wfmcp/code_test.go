package wfmcp_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/servers/workflow/codeclient/fakecodebase"
	"github.com/perfgate/perfgate/servers/workflow/wfserver"
)

func statuses(out map[string]any) map[string]string {
	m := map[string]string{}
	for _, r := range get(out, "code_refs").([]any) {
		m[get(r, "path").(string)] = get(r, "status").(string)
	}
	return m
}

// Code references are checked against codebase-mcp; when it is down, the
// check still succeeds, with status unknown and a notice.
func TestCodeReferences(t *testing.T) {
	t.Parallel()
	fake := fakecodebase.New(t)
	s := start(t, wfserver.Options{CodebaseURL: fake.URL, CodebaseTimeout: 2 * time.Second}).session(t)
	s.newProject("code")
	task := s.item("task", "fix the parser", 0)
	other := s.item("task", "other", 0)

	fake.Set("perfgate", "gate/compare.go", "h1")
	fake.Set("perfgate", "gate/report.go", "h2")
	fake.Set("perfgate", "gate/gone.go", "h3")
	for _, ref := range []struct {
		item int64
		path string
		hash string
	}{{task, "gate/compare.go", "h1"}, {task, "gate/report.go", "h2"}, {task, "gate/gone.go", "h3"}, {other, "gate/compare.go", "h1"}} {
		r := s.ok("link_code", map[string]any{"work_item": ref.item, "repository": "perfgate", "path": ref.path,
			"symbol": "Compare", "start_line": 10, "end_line": 42, "content_hash": ref.hash})
		if num(r, "code_ref", "work_item") != ref.item {
			t.Errorf("link_code = %v", r)
		}
	}
	s.fail("link_code", map[string]any{"work_item": 999999, "repository": "r", "path": "p", "start_line": 1, "end_line": 1, "content_hash": "h"},
		"work item 999999 does not exist")
	s.fail("link_code", map[string]any{"work_item": task, "repository": "r", "path": "p", "start_line": 5, "end_line": 1, "content_hash": "h"},
		"end_line")

	all := s.ok("check_code_references", map[string]any{"work_item": task})
	want := map[string]string{"gate/compare.go": "current", "gate/report.go": "current", "gate/gone.go": "current"}
	if got := statuses(all); fmt.Sprint(got) != fmt.Sprint(want) || get(all, "notice") != nil {
		t.Errorf("check before edits: %v, notice %v; want %v", got, get(all, "notice"), want)
	}

	// The file is edited and re-indexed; another is deleted.
	fake.Set("perfgate", "gate/report.go", "h2-edited")
	fake.Remove("perfgate", "gate/gone.go")
	want = map[string]string{"gate/compare.go": "current", "gate/report.go": "changed", "gate/gone.go": "missing"}
	if got := statuses(s.ok("check_code_references", map[string]any{"work_item": task})); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("check after edits: %v, want %v", got, want)
	}
	if n := len(get(s.ok("check_code_references", nil), "code_refs").([]any)); n != 4 {
		t.Errorf("every reference of the project: %d, want 4", n)
	}

	// codebase-mcp stops: unknown with a notice, never an error.
	fake.Close()
	start := time.Now()
	down := s.ok("check_code_references", map[string]any{"work_item": task})
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("check with codebase-mcp down took %s", took)
	}
	for path, st := range statuses(down) {
		if st != "unknown" {
			t.Errorf("%s: status %s with codebase-mcp down, want unknown", path, st)
		}
	}
	notice, _ := get(down, "notice").(string)
	if !strings.Contains(notice, "could not be asked") || !strings.Contains(notice, "unknown") {
		t.Errorf("notice %q does not say codebase-mcp is unreachable", notice)
	}
}

// Without --codebase-url the check says so.
func TestCodeReferencesNotConfigured(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)
	s.newProject("nocode")
	task := s.item("task", "t", 0)
	s.ok("link_code", map[string]any{"work_item": task, "repository": "r", "path": "p.go", "start_line": 1, "end_line": 2, "content_hash": "h"})
	out := s.ok("check_code_references", nil)
	if got := statuses(out); got["p.go"] != "unknown" {
		t.Errorf("status %v, want unknown", got)
	}
	if notice, _ := get(out, "notice").(string); !strings.Contains(notice, "--codebase-url") {
		t.Errorf("notice %q does not name --codebase-url", notice)
	}
}

// A link keeps the codebase-mcp project it came from and is checked there;
// a link without one is checked in codebase-mcp's default project.
func TestCodeReferenceProject(t *testing.T) {
	t.Parallel()
	fake := fakecodebase.New(t)
	fake.SetIn("team", "perfgate", "gate/compare.go", "h1")
	s := start(t, wfserver.Options{CodebaseURL: fake.URL, CodebaseTimeout: 2 * time.Second}).session(t)
	s.newProject("code")
	task := s.item("task", "fix the parser", 0)
	other := s.item("task", "same link, no project", 0)

	linked := s.ok("link_code", map[string]any{"work_item": task, "code_project": " team ", "repository": "perfgate",
		"path": "gate/compare.go", "start_line": 1, "end_line": 9, "content_hash": "h1"})
	if got := get(linked, "code_ref").(map[string]any)["code_project"]; got != "team" {
		t.Errorf("link_code stored code_project %v, want team: %v", got, linked)
	}
	s.ok("link_code", map[string]any{"work_item": other, "repository": "perfgate",
		"path": "gate/compare.go", "start_line": 1, "end_line": 9, "content_hash": "h1"})

	for _, tc := range []struct {
		item    int64
		project any // the code_project listed; nil when omitted
		status  string
	}{{task, "team", "current"}, {other, nil, "missing"}} {
		out := s.ok("check_code_references", map[string]any{"work_item": tc.item})
		refs := get(out, "code_refs").([]any)
		if len(refs) != 1 {
			t.Fatalf("check_code_references: %v, want one reference", out)
		}
		ref := refs[0].(map[string]any)
		if ref["code_project"] != tc.project || ref["status"] != tc.status {
			t.Errorf("work item %d: code_project %v, status %v; want %v, %s", tc.item, ref["code_project"], ref["status"], tc.project, tc.status)
		}
	}
}
