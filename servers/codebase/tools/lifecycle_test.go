package tools_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/servers/codebase/index"
	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
)

// Cancelling a running job leaves the index as it was.
func TestCancelIndexing(t *testing.T) {
	t.Parallel()
	gate := newGateEmbedder()
	e := start(t, cbserver.Options{Embedder: gate}, "")
	repo := filepath.Join(e.root, "repo")
	smallRepo(t, repo, 4)
	s := e.session(t)
	gate.release()
	s.index(repo, "", false, "succeeded")
	gate2 := newGateEmbedder()
	e2 := start(t, cbserver.Options{Roots: []string{e.root}, Embedder: gate2}, e.srv.DB().Config().URL)
	e.stop()
	s = e2.session(t)
	writeFiles(t, repo, map[string]string{"pkg0/mod0.py": pyFile("helper_0", "Rewritten while being cancelled.")})
	id := s.ok("index_repository", map[string]any{"path": repo})["job_id"].(string)
	<-gate2.entered
	j := s.ok("cancel_indexing", map[string]any{"job_id": id})
	if j["state"] != "cancelled" || !strings.Contains(j["error"].(string), "cancel") {
		t.Fatalf("cancel_indexing: %v", j)
	}
	gate2.release()
	for _, h := range s.search(map[string]any{"query": "rewritten while being cancelled", "limit": 50}) {
		if strings.Contains(h["snippet"].(string), "Rewritten") {
			t.Errorf("the cancelled job's write is visible: %v", h)
		}
	}
	// Cancelling again is harmless.
	if j := s.ok("cancel_indexing", map[string]any{"job_id": id}); j["state"] != "cancelled" {
		t.Errorf("second cancel: %v", j)
	}
	if j := s.ok("get_indexing_status", map[string]any{"job_id": id}); j["state"] != "cancelled" || j["finished_at"] == nil {
		t.Errorf("status after cancel: %v", j)
	}
}

// A job running when its server stops is failed with that reason, its
// writes undone; one left running by a server that died is failed by the
// next server at start-up.
func TestServerStopsDuringIndexing(t *testing.T) {
	t.Parallel()
	gate := newGateEmbedder()
	e := start(t, cbserver.Options{Embedder: gate}, "")
	url := e.srv.DB().Config().URL
	repo := filepath.Join(e.root, "repo")
	smallRepo(t, repo, 4)
	s := e.session(t)
	id := s.ok("index_repository", map[string]any{"path": repo})["job_id"].(string)
	<-gate.entered
	e.stop() // SIGTERM: the engine stops its job before the database closes

	// A job left running by a server that died without a word (its
	// heartbeat stops).
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var crashed string
	if err := pool.QueryRow(ctx, `INSERT INTO codebase.jobs (project, repository, state, started_at, heartbeat_at)
		VALUES ('default', $1, 'running', now() - interval '1 minute', now() - interval '1 minute') RETURNING id::text`, repo).Scan(&crashed); err != nil {
		t.Fatal(err)
	}

	e2 := start(t, cbserver.Options{Roots: []string{e.root}}, url)
	s2 := e2.session(t)
	j := s2.ok("get_indexing_status", map[string]any{"job_id": id})
	if j["state"] != "failed" || j["error"] != index.ReasonServerStopped {
		t.Errorf("job stopped with its server: %v", j)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		j = s2.ok("get_indexing_status", map[string]any{"job_id": crashed})
		if j["state"] == "failed" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if j["state"] != "failed" || j["error"] != index.ReasonServerStopped {
		t.Errorf("job of a dead server after restart: %v", j)
	}
	// Nothing of the stopped job's first index remains; a new job works.
	s2.fail("search_code", map[string]any{"query": "helper"}, `project "default" is not indexed`)
	s2.index(repo, "", false, "succeeded")
	if hits := s2.search(map[string]any{"query": "helper number"}); len(hits) == 0 {
		t.Error("no hits after re-indexing")
	}
}

// get_code_reference_status tells current, changed and missing code.
func TestCodeReferenceStatus(t *testing.T) {
	t.Parallel()
	e := start(t, cbserver.Options{}, "")
	repo := filepath.Join(e.root, "repo")
	writeFiles(t, repo, map[string]string{
		"keep.py":   pyFile("stable_thing", "Stays as it is."),
		"edit.py":   pyFile("moving_thing", "Will be edited."),
		"delete.py": pyFile("doomed_thing", "Will be deleted."),
	})
	s := e.session(t)
	s.index(repo, "", false, "succeeded")
	refs := map[string]map[string]any{}
	for _, q := range []string{"stable_thing", "moving_thing", "doomed_thing"} {
		h := s.search(map[string]any{"query": q, "limit": 1})[0]
		refs[h["path"].(string)] = h
	}
	writeFiles(t, repo, map[string]string{"edit.py": pyFile("moving_thing", "Was edited.")})
	if err := removeFile(filepath.Join(repo, "delete.py")); err != nil {
		t.Fatal(err)
	}
	s.index(repo, "", false, "succeeded")
	for path, want := range map[string]string{"keep.py": "current", "edit.py": "changed", "delete.py": "missing"} {
		h := refs[path]
		out := s.ok("get_code_reference_status", map[string]any{"repository": h["repository"], "path": h["path"],
			"content_hash": h["content_hash"], "start_line": h["start_line"], "end_line": h["end_line"], "symbol": h["symbol"]})
		if out["status"] != want {
			t.Errorf("%s: status %v, want %s", path, out["status"], want)
		}
	}
	out := s.ok("get_code_reference_status", map[string]any{"repository": "gone", "path": "keep.py", "content_hash": "x"})
	if out["status"] != "missing" {
		t.Errorf("unknown repository: %v", out)
	}
}
