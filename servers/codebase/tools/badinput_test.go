package tools_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
)

// Every refusal is a tool error that says what to do.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := start(t, cbserver.Options{}, "")
	repo := filepath.Join(e.root, "repo")
	writeFiles(t, repo, map[string]string{"main.go": "package main\n\n// Greet says hello.\nfunc Greet() string { return \"hello\" }\n"})
	file := filepath.Join(repo, "main.go")
	outside := t.TempDir()
	s := e.session(t)
	s.index(repo, "known", false, "succeeded")

	for _, c := range []struct {
		name string
		tool string
		args map[string]any
		want []string
	}{
		{"relative path", "index_repository", map[string]any{"path": "repo"}, []string{"is relative", "absolute", e.root}},
		{"empty path", "index_repository", map[string]any{"path": ""}, []string{"path is empty", e.root}},
		{"missing path", "index_repository", map[string]any{"path": filepath.Join(e.root, "nope")}, []string{"does not exist", e.root}},
		{"file, not directory", "index_repository", map[string]any{"path": file}, []string{"is not a directory", e.root}},
		{"outside the roots", "index_repository", map[string]any{"path": outside}, []string{"outside the allowed roots", e.root, "--root"}},
		{"dot-dot escape", "index_repository", map[string]any{"path": filepath.Join(e.root, "..")}, []string{"outside the allowed roots"}},
		{"bad project name", "index_repository", map[string]any{"path": repo, "project": "a b"}, []string{"letters, digits"}},
		{"preview outside", "preview_repository", map[string]any{"path": outside}, []string{"outside the allowed roots"}},
		{"preview relative", "preview_repository", map[string]any{"path": "./repo"}, []string{"is relative"}},
		{"empty query", "search_code", map[string]any{"query": "  "}, []string{"query is empty", "describe"}},
		{"limit 0", "search_code", map[string]any{"query": "greet", "project": "known", "limit": 0}, []string{"limit is 0", "from 1 to 50"}},
		{"limit 51", "search_code", map[string]any{"query": "greet", "project": "known", "limit": 51}, []string{"limit is 51", "from 1 to 50"}},
		{"unknown project", "search_code", map[string]any{"query": "greet", "project": "nope"}, []string{`project "nope" is not indexed`, `"known"`, "index_repository"}},
		{"unknown repository", "search_code", map[string]any{"query": "greet", "project": "known", "repository": "other"}, []string{`repository "other"`, `"repo"`}},
		{"unknown job", "get_indexing_status", map[string]any{"job_id": "00000000-0000-0000-0000-000000000000"}, []string{"job not found", "index_repository"}},
		{"malformed job", "get_indexing_status", map[string]any{"job_id": "x"}, []string{"not a job id"}},
		{"empty job", "cancel_indexing", map[string]any{"job_id": ""}, []string{"job_id is empty"}},
		{"wait too long", "get_indexing_status", map[string]any{"job_id": "x", "wait_seconds": 3600}, []string{"wait_seconds is 3600"}},
		{"ref without hash", "get_code_reference_status", map[string]any{"repository": "repo", "path": "main.go", "content_hash": "", "project": "known"}, []string{"content_hash is empty"}},
		{"ref unknown project", "get_code_reference_status", map[string]any{"repository": "repo", "path": "main.go", "content_hash": "ab", "project": "nope"}, []string{`"known"`}},
		{"unknown argument", "search_code", map[string]any{"query": "greet", "colour": "red"}, []string{"colour"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.fail(c.tool, c.args, c.want...)
		})
	}
	if _, err := os.Stat(outside); err != nil {
		t.Fatal(err)
	}
}
