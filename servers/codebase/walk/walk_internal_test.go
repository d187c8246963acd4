package walk

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase"
)

// TestVanishedAndSwapped removes one file and replaces another with a link
// between the listing of their directory and their opening.
func TestVanishedAndSwapped(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for _, name := range []string{"gone.go", "swapped.go", "stays.go"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte("package x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, err := newWalker(root, Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.beforeOpen = func(abs string) {
		switch filepath.Base(abs) {
		case "gone.go":
			os.Remove(abs)
		case "swapped.go":
			os.Remove(abs)
			os.Symlink("/etc/passwd", abs)
		}
	}
	res, err := w.run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0].Path != "stays.go" {
		t.Errorf("files = %+v, want stays.go only", res.Files)
	}
	want := map[string]codebase.SkipReason{"gone.go": codebase.SkipVanished, "swapped.go": codebase.SkipUnreadable}
	for _, s := range res.Skipped {
		if want[s.Path] != s.Reason {
			t.Errorf("%s: %q (%s), want %q", s.Path, s.Reason, s.Detail, want[s.Path])
		}
		delete(want, s.Path)
	}
	if len(want) > 0 {
		t.Errorf("not skipped: %v", want)
	}
}
