package index

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase"
)

// readFile checks again what the walk checked: the file may have changed
// since.
func TestReadFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	outside := t.TempDir()
	for name, content := range map[string]string{
		"ok.go":      "package ok\n",
		"binary.bin": "a\x00b",
		"latin1.txt": "caf\xe9",
		"big.txt":    "0123456789",
	} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("ok.go", filepath.Join(root, "alias.go")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		max  int64
		want codebase.SkipReason
	}{
		{"ok.go", 100, ""},
		{"alias.go", 100, ""},
		{"gone.go", 100, codebase.SkipVanished},
		{"binary.bin", 100, codebase.SkipBinary},
		{"latin1.txt", 100, codebase.SkipInvalidUTF8},
		{"big.txt", 5, codebase.SkipTooLarge},
		{"escape", 100, codebase.SkipSymlinkOutside},
	} {
		f, content, reason := readFile(root, codebase.File{Path: c.path, Hash: "stale"}, c.max)
		if reason != c.want {
			t.Errorf("%s: reason %q, want %q", c.path, reason, c.want)
			continue
		}
		if c.want == "" && (f.Hash == "stale" || f.Size != int64(len(content)) || len(content) == 0) {
			t.Errorf("%s: file %+v not refreshed from the content read", c.path, f)
		}
	}
}

func TestJobStateFinal(t *testing.T) {
	t.Parallel()
	for s, want := range map[JobState]bool{JobQueued: false, JobRunning: false, JobSucceeded: true, JobFailed: true, JobCancelled: true} {
		if s.Final() != want {
			t.Errorf("%s.Final() = %v", s, !want)
		}
	}
	if err := ValidateProjectName("ok.name-1_x"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"", "a b", "x/y", string(make([]byte, 65))} {
		if ValidateProjectName(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
