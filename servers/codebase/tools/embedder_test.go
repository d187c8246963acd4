package tools_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
)

// The embedding endpoint goes down: the re-index fails with the reason,
// and the index stays searchable and unchanged.
func TestEmbedderDown(t *testing.T) {
	t.Parallel()
	api := newOpenAIServer(t)
	e := start(t, cbserver.Options{Embedder: api.embedder(t)}, "")
	repo := filepath.Join(e.root, "repo")
	writeFiles(t, repo, map[string]string{
		"a.py": pyFile("water_plants", "Water the plants in the greenhouse."),
		"b.py": pyFile("feed_cat", "Feed the cat twice a day."),
	})
	s := e.session(t)
	s.index(repo, "", false, "succeeded")
	before := s.search(map[string]any{"query": "water the plants"})
	if len(before) == 0 || before[0]["path"] != "a.py" {
		t.Fatalf("search before: %v", before)
	}

	api.down.Store(true)
	writeFiles(t, repo, map[string]string{
		"a.py": pyFile("water_plants", "Water the orchids in the conservatory."),
		"c.py": pyFile("walk_dog", "Walk the dog in the park."),
	})
	j := s.index(repo, "", false, "failed")
	msg := j["error"].(string)
	for _, want := range []string{"503", api.URL, "model overloaded"} {
		if !strings.Contains(msg, want) {
			t.Errorf("job error %q does not say %q", msg, want)
		}
	}

	// Searching embeds the query: with the endpoint down the search says
	// so, and once it is back the old index answers unchanged.
	s.fail("search_code", map[string]any{"query": "water the plants"}, "embedding endpoint is unavailable", "retry")
	api.down.Store(false)
	after := s.search(map[string]any{"query": "water the plants"})
	if len(after) != len(before) || after[0]["content_hash"] != before[0]["content_hash"] {
		t.Errorf("index changed by a failed job:\nbefore %v\nafter  %v", before, after)
	}
	for _, h := range s.search(map[string]any{"query": "walk the dog in the park", "limit": 50}) {
		if h["path"] == "c.py" {
			t.Errorf("a file of the failed job is searchable: %v", h)
		}
	}
	list := s.ok("list_projects", nil)
	if p := list["projects"].([]any)[0].(map[string]any); p["files"].(float64) != 2 || p["embedder_model"] != "fake-embed" {
		t.Errorf("project after the failed job: %v", p)
	}
	// And the next run, with the endpoint up, indexes the change.
	j = s.index(repo, "", false, "succeeded")
	if count(j, "files_indexed") != 2 {
		t.Errorf("re-index once up: %v", j["counts"])
	}
}
