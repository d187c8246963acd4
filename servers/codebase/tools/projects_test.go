package tools_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase/embed"
	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
)

// Two projects never see each other's chunks, even for the same words.
func TestProjectsIsolated(t *testing.T) {
	t.Parallel()
	e := start(t, cbserver.Options{}, "")
	alpha, beta := filepath.Join(e.root, "alpha"), filepath.Join(e.root, "beta")
	writeFiles(t, alpha, map[string]string{"alpha.py": pyFile("shared_name", "Launch the rocket from the alpha pad.")})
	writeFiles(t, beta, map[string]string{"beta.py": pyFile("shared_name", "Launch the rocket from the beta pad.")})
	s := e.session(t)
	s.index(alpha, "Alpha.One", false, "succeeded")
	s.index(beta, "alpha_one", false, "succeeded") // differs only by case and punctuation
	for project, want := range map[string]string{"Alpha.One": "alpha.py", "alpha_one": "beta.py"} {
		for _, q := range []string{"launch the rocket", "shared_name", "alpha pad", "beta pad"} {
			for _, h := range s.search(map[string]any{"query": q, "project": project, "limit": 50}) {
				if h["path"] != want {
					t.Errorf("project %s, query %q: hit %v from another project", project, q, h["path"])
				}
			}
		}
	}
	list := s.ok("list_projects", nil)
	var names []string
	for _, p := range list["projects"].([]any) {
		p := p.(map[string]any)
		names = append(names, p["name"].(string))
		repos := p["repositories"].([]any)
		if len(repos) != 1 || p["files"].(float64) != 1 {
			t.Errorf("project %v: %v", p["name"], p)
		}
	}
	if got := strings.Join(names, ","); got != "Alpha.One,alpha_one" {
		t.Errorf("projects %s", got)
	}
	// A repository filter names a repository of the project only.
	s.fail("search_code", map[string]any{"query": "rocket", "project": "alpha_one", "repository": "alpha"}, `repository "alpha"`, `"beta"`)
	if hits := s.search(map[string]any{"query": "rocket", "project": "alpha_one", "repository": beta}); len(hits) != 1 {
		t.Errorf("filter by root path: %v", hits)
	}
}

// A project built with one embedder refuses another, saying to re-index
// with force; force rebuilds it with the new one.
func TestEmbedderMismatch(t *testing.T) {
	t.Parallel()
	e1 := start(t, cbserver.Options{}, "")
	repo := filepath.Join(e1.root, "repo")
	writeFiles(t, repo, map[string]string{"a.py": pyFile("tidy_desk", "Tidy the desk before leaving.")})
	e1.session(t).index(repo, "", false, "succeeded")
	url := e1.srv.DB().Config().URL
	e1.stop()

	e2 := start(t, cbserver.Options{Roots: []string{e1.root}, Embedder: embed.NewBuiltin(embed.BuiltinConfig{Dimension: 128})}, url)
	s := e2.session(t)
	s.fail("index_repository", map[string]any{"path": repo}, "dimension 384", "dimension 128", "force=true")
	s.fail("search_code", map[string]any{"query": "tidy the desk"}, "re-index with force=true")
	j := s.index(repo, "", true, "succeeded")
	if count(j, "files_indexed") != 1 {
		t.Errorf("force: %v", j["counts"])
	}
	hits := s.search(map[string]any{"query": "tidy the desk"})
	if len(hits) != 1 || hits[0]["path"] != "a.py" {
		t.Errorf("search after the rebuild: %v", hits)
	}
	p := s.ok("list_projects", nil)["projects"].([]any)[0].(map[string]any)
	if p["dimension"].(float64) != 128 {
		t.Errorf("project after the rebuild: %v", p)
	}
}

// force on a project of several repositories rebuilds the one given and
// keeps the others, with the same embedder.
func TestForceKeepsOtherRepositories(t *testing.T) {
	t.Parallel()
	e := start(t, cbserver.Options{}, "")
	one, two := filepath.Join(e.root, "one"), filepath.Join(e.root, "two")
	writeFiles(t, one, map[string]string{"one.py": pyFile("first_thing", "Polish the silver spoons.")})
	writeFiles(t, two, map[string]string{"two.py": pyFile("second_thing", "Sharpen the kitchen knives.")})
	s := e.session(t)
	s.index(one, "", false, "succeeded")
	s.index(two, "", false, "succeeded")
	j := s.index(one, "", true, "succeeded")
	if count(j, "embeddings_reused") != 1 || count(j, "embeddings_computed") != 0 {
		t.Errorf("force with the same embedder should reuse the vectors: %v", j["counts"])
	}
	for q, want := range map[string]string{"polish silver spoons": "one.py", "sharpen kitchen knives": "two.py"} {
		if hits := s.search(map[string]any{"query": q}); len(hits) == 0 || hits[0]["path"] != want {
			t.Errorf("%q after force: %v", q, hits)
		}
	}
}
