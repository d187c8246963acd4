package tools_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase/index"
	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
)

// Files that cannot be indexed are skipped with their reason, and the rest
// is indexed: a binary file, a 20 MB file, invalid UTF-8, a symbolic link
// loop, a link out of the repository.
func TestSkippedFiles(t *testing.T) {
	t.Parallel()
	e := start(t, cbserver.Options{}, "")
	repo := filepath.Join(e.root, "repo")
	writeFiles(t, repo, map[string]string{
		"good.py":         pyFile("keep_me", "Count the pebbles on the beach."),
		"binary.dat":      "head\x00\x01\x02tail",
		"latin1.txt":      "caf\xe9 cr\xe8me",
		"ignored/x.py":    pyFile("hidden", "Never indexed."),
		".gitignore":      "ignored/\n",
		"notes/readme.md": "# Notes\n\nMeetings happen on Tuesdays.\n",
	})
	big := bytes.Repeat([]byte("x = 1\n"), 20<<20/6)
	if err := os.WriteFile(filepath.Join(repo, "huge.py"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop2", filepath.Join(repo, "loop1")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop1", filepath.Join(repo, "loop2")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), filepath.Join(repo, "outside")); err != nil {
		t.Fatal(err)
	}
	s := e.session(t)

	pv := s.ok("preview_repository", map[string]any{"path": repo})
	skipped := pv["skipped"].(map[string]any)
	for _, reason := range []string{"binary", "too_large", "invalid_utf8", "unreadable", "ignored", "symlink_outside"} {
		if skipped[reason] == nil {
			t.Errorf("preview: nothing skipped as %s: %v", reason, skipped)
		}
	}
	if pv["files"].(float64) != 3 { // good.py, readme.md, .gitignore
		t.Errorf("preview: %v files, want 3 (%v)", pv["files"], pv["languages"])
	}

	j := s.index(repo, "", false, "succeeded")
	if got := count(j, "files_indexed"); got != 3 {
		t.Errorf("%d files indexed, want 3: %v", got, j["counts"])
	}
	reasons := j["counts"].(map[string]any)["skipped_by_reason"].(map[string]any)
	for _, reason := range []string{"binary", "too_large", "invalid_utf8", "unreadable"} {
		if reasons[reason] == nil {
			t.Errorf("job: nothing skipped as %s: %v", reason, reasons)
		}
	}
	hits := s.search(map[string]any{"query": "count the pebbles"})
	if len(hits) == 0 || hits[0]["path"] != "good.py" {
		t.Errorf("search after skipping: %v", hits)
	}
}

// A file deleted between the walk and its reading is skipped as vanished,
// and the job succeeds with the others.
func TestFileDeletedDuringIndexing(t *testing.T) {
	t.Parallel()
	var repo string
	var once sync.Once
	o := cbserver.Options{Index: index.Config{ChunkWorkers: 1, OnRead: func(path string) {
		once.Do(func() {
			// The first file about to be read removes another one.
			if err := os.Remove(filepath.Join(repo, "b_vanishing.py")); err != nil {
				panic(err)
			}
		})
	}}}
	e := start(t, o, "")
	repo = filepath.Join(e.root, "repo")
	writeFiles(t, repo, map[string]string{
		"a_first.py":     pyFile("first", "Comes first."),
		"b_vanishing.py": pyFile("vanishing", "Deleted while the job runs."),
		"c_last.py":      pyFile("last", "Comes last."),
	})
	s := e.session(t)
	j := s.index(repo, "", false, "succeeded")
	reasons := j["counts"].(map[string]any)["skipped_by_reason"].(map[string]any)
	if reasons["vanished"] != float64(1) || count(j, "files_indexed") != 2 {
		t.Errorf("counts %v, want 2 indexed and 1 vanished", j["counts"])
	}
	var paths []string
	for _, h := range s.search(map[string]any{"query": "comes first last deleted while the job runs", "limit": 50}) {
		paths = append(paths, h["path"].(string))
	}
	if got := strings.Join(paths, " "); strings.Contains(got, "b_vanishing") || !strings.Contains(got, "a_first.py") {
		t.Errorf("search: %s", got)
	}
}
