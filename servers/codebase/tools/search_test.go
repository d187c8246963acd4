package tools_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
)

// A copy of a real package of this repository is indexed, and functions
// are found by a description of what they do, not by their names.
func TestIndexAndSearchRealPackage(t *testing.T) {
	t.Parallel()
	e := start(t, cbserver.Options{}, "")
	repo := filepath.Join(e.root, "walk")
	copyDir(t, "../walk", repo)
	s := e.session(t)
	j := s.index(repo, "", false, "succeeded")
	t.Logf("counts %v timings %v", j["counts"], j["timings"])
	for _, q := range []string{
		"split a path into its directory components",
		"decide whether content is binary by looking for NUL bytes",
		"language of a file from its extension",
		"read the gitignore patterns of a directory",
		"total files and bytes by language",
	} {
		hits := s.search(map[string]any{"query": q, "limit": 5})
		fmt.Printf("%q\n", q)
		for _, h := range hits {
			fmt.Printf("   %.3f %s %v %v-%v\n", h["score"], h["path"], h["symbol"], h["start_line"], h["end_line"])
		}
	}
}
