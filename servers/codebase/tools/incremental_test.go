package tools_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
)

// pyFile is a Python module with one documented function.
func pyFile(name, doc string) string {
	return fmt.Sprintf("def %s(value):\n    \"\"\"%s\"\"\"\n    result = value * 2\n    return result\n", name, doc)
}

func smallRepo(t testing.TB, dir string, n int) {
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("pkg%d/mod%d.py", i%3, i)] = pyFile(fmt.Sprintf("helper_%d", i), fmt.Sprintf("Helper number %d of the module.", i))
	}
	writeFiles(t, dir, files)
}

// A re-index after an edit, an addition, a deletion and a rename touches
// only those files, reuses the embeddings of unchanged chunks, and the
// search sees the new state only.
func TestIncrementalReindex(t *testing.T) {
	t.Parallel()
	e := start(t, cbserver.Options{}, "")
	repo := filepath.Join(e.root, "repo")
	smallRepo(t, repo, 12)
	s := e.session(t)
	j := s.index(repo, "", false, "succeeded")
	if got := count(j, "files_indexed"); got != 12 {
		t.Fatalf("first index: %d files indexed, want 12", got)
	}

	// Nothing changed: nothing to do.
	j = s.index(repo, "", false, "succeeded")
	for name, want := range map[string]int{"files_indexed": 0, "files_unchanged": 12, "files_deleted": 0, "embeddings_computed": 0, "chunks_written": 0} {
		if got := count(j, name); got != want {
			t.Errorf("unchanged re-index: %s = %d, want %d", name, got, want)
		}
	}

	writeFiles(t, repo, map[string]string{
		"pkg0/mod0.py":  pyFile("helper_0", "Compress the quarterly spreadsheet into an archive."), // edit
		"pkg2/added.py": pyFile("brand_new", "Reticulate the splines of the landscape."),           // add
	})
	if err := os.Remove(filepath.Join(repo, "pkg1/mod1.py")); err != nil { // delete
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(repo, "pkg2/mod2.py"), filepath.Join(repo, "pkg0/renamed.py")); err != nil { // rename
		t.Fatal(err)
	}
	j = s.index(repo, "", false, "succeeded")
	for name, want := range map[string]int{"files_total": 12, "files_indexed": 3, "files_unchanged": 9, "files_deleted": 2, "files_done": 12} {
		if got := count(j, name); got != want {
			t.Errorf("re-index after edit/add/delete/rename: %s = %d, want %d (counts %v)", name, got, want, j["counts"])
		}
	}
	// The renamed file's chunk was embedded before: reused, not computed.
	if got := count(j, "embeddings_reused"); got < 1 {
		t.Errorf("embeddings_reused = %d, want the renamed file's chunk reused", got)
	}
	if got := count(j, "embeddings_computed"); got != 2 {
		t.Errorf("embeddings_computed = %d, want 2 (the edited and the added function)", got)
	}

	paths := func(query string) string {
		var ps []string
		for _, h := range s.search(map[string]any{"query": query, "limit": 50}) {
			ps = append(ps, h["path"].(string))
		}
		return strings.Join(ps, " ")
	}
	all := paths("helper value result module")
	for _, gone := range []string{"pkg1/mod1.py", "pkg2/mod2.py"} {
		if strings.Contains(all, gone) {
			t.Errorf("search still finds %s: %s", gone, all)
		}
	}
	for _, q := range []struct{ query, path string }{
		{"compress quarterly spreadsheet archive", "pkg0/mod0.py"},
		{"reticulate splines landscape", "pkg2/added.py"},
		{"helper_2", "pkg0/renamed.py"},
	} {
		if got := paths(q.query); !strings.HasPrefix(got, q.path) {
			t.Errorf("search %q: %s, want %s first", q.query, got, q.path)
		}
	}
	list := s.ok("list_projects", nil)
	p := list["projects"].([]any)[0].(map[string]any)
	if p["files"].(float64) != 12 {
		t.Errorf("list_projects: %v files, want 12", p["files"])
	}
}
