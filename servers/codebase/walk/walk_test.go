package walk_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase"
	"github.com/perfgate/perfgate/servers/codebase/walk"
)

// tree writes files under dir: a path ending in "/" is a directory, content
// "-> target" makes a symbolic link.
func tree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, name := range keys {
		content := files[name]
		p := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "-> "); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func paths(files []codebase.File) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}

func skipped(res *walk.Result) map[string]codebase.SkipReason {
	out := make(map[string]codebase.SkipReason)
	for _, s := range res.Skipped {
		out[s.Path] = s.Reason
	}
	return out
}

func TestWalkRules(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	outside := t.TempDir()
	tree(t, outside, map[string]string{"secret.go": "package secret\n"})
	tree(t, root, map[string]string{
		".git/HEAD":                "ref: refs/heads/main\n",
		".git/info/exclude":        "# local\nlocal.txt\n",
		".gitignore":               "*.log\n!keep.log\nbuild/\n!third_party/\n",
		"a.go":                     "package a\n",
		"README.md":                "# hi\n",
		"debug.log":                "x\n",
		"keep.log":                 "kept\n",
		"local.txt":                "mine\n",
		"build/out.go":             "package out\n",
		"node_modules/x/i.js":      "module.exports = 1;\n",
		"vendor/v/v.go":            "package v\n",
		"third_party/lib.go":       "package lib\n",
		"sub/.gitignore":           "secret.txt\n/only-here.txt\n",
		"sub/secret.txt":           "s\n",
		"sub/only-here.txt":        "o\n",
		"sub/deeper/only-here.txt": "not anchored here\n",
		"sub/x.py":                 "print(1)\n",
		"other/secret.txt":         "not ignored here\n",
		"bin.dat":                  "abc\x00def",
		"latin1.txt":               "caf\xe9\n",
		"empty.txt":                "",
		"link_in.go":               "-> a.go",
		"link_out.go":              "-> " + filepath.Join(outside, "secret.go"),
		"link_dir":                 "-> sub",
		"sub/up":                   "-> ..",
		"loop1":                    "-> loop2",
		"loop2":                    "-> loop1",
		"dangling":                 "-> nowhere",
		"big.txt":                  strings.Repeat("x", 2<<20),
	})
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}

	res, err := walk.Walk(t.Context(), root, walk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{
		".gitignore", "README.md", "a.go", "empty.txt", "keep.log", "link_in.go",
		"other/secret.txt", "sub/.gitignore", "sub/deeper/only-here.txt", "sub/x.py", "third_party/lib.go",
	}
	if got := paths(res.Files); !slices.Equal(got, wantFiles) {
		t.Errorf("files\n got %q\nwant %q", got, wantFiles)
	}
	wantSkipped := map[string]codebase.SkipReason{
		".git":              codebase.SkipIgnored,
		"debug.log":         codebase.SkipIgnored,
		"local.txt":         codebase.SkipIgnored,
		"build":             codebase.SkipIgnored,
		"node_modules":      codebase.SkipIgnored,
		"vendor":            codebase.SkipIgnored,
		"sub/secret.txt":    codebase.SkipIgnored,
		"sub/only-here.txt": codebase.SkipIgnored,
		"bin.dat":           codebase.SkipBinary,
		"latin1.txt":        codebase.SkipInvalidUTF8,
		"link_out.go":       codebase.SkipSymlinkOutside,
		"link_dir":          codebase.SkipSymlinkDir,
		"sub/up":            codebase.SkipSymlinkDir,
		"loop1":             codebase.SkipUnreadable,
		"loop2":             codebase.SkipUnreadable,
		"dangling":          codebase.SkipUnreadable,
		"fifo":              codebase.SkipUnreadable,
		"big.txt":           codebase.SkipTooLarge,
	}
	got := skipped(res)
	for p, want := range wantSkipped {
		if got[p] != want {
			t.Errorf("%s: skipped as %q, want %q", p, got[p], want)
		}
	}
	for p, r := range got {
		if _, ok := wantSkipped[p]; !ok {
			t.Errorf("%s: unexpectedly skipped as %q", p, r)
		}
	}
	for _, s := range res.Skipped {
		if s.Detail == "" {
			t.Errorf("%s: no detail", s.Path)
		}
		if s.Dir != (s.Path == ".git" || s.Path == "build" || s.Path == "node_modules" || s.Path == "vendor" || s.Reason == codebase.SkipSymlinkDir) {
			t.Errorf("%s: Dir = %v", s.Path, s.Dir)
		}
	}
	for _, f := range res.Files {
		if f.Path == "link_in.go" {
			if f.Language != codebase.LanguageGo || f.Size != int64(len("package a\n")) {
				t.Errorf("link_in.go = %+v, want the content of a.go", f)
			}
		}
	}
}

func TestFileRecord(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	content := "print('hello')\n"
	tree(t, root, map[string]string{"x/main.py": content})
	res, err := walk.Walk(t.Context(), root, walk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	want := []codebase.File{{
		Path:     "x/main.py",
		Language: codebase.LanguagePython,
		Size:     int64(len(content)),
		Hash:     hex.EncodeToString(sum[:]),
	}}
	if !slices.Equal(res.Files, want) {
		t.Errorf("files = %+v, want %+v", res.Files, want)
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{
		"small.go":        "package s\n",
		"large.go":        "package l\n" + strings.Repeat("// pad\n", 100),
		"gen/x.pb.go":     "package gen\n",
		"vendor/v.go":     "package v\n",
		".git/config":     "[core]\n",
		"node_modules/a/": "",
	})
	res, err := walk.Walk(t.Context(), root, walk.Config{
		MaxFileSize:       100,
		Exclude:           []string{"*.pb.go"},
		NoDefaultExcludes: true,
		Concurrency:       1,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".git/config", "small.go", "vendor/v.go"}
	if got := paths(res.Files); !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	got := skipped(res)
	if got["large.go"] != codebase.SkipTooLarge || got["gen/x.pb.go"] != codebase.SkipIgnored {
		t.Errorf("skipped = %v", got)
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{"a.go": "package a\n", "b.go": "package b\n", "c.py": "x = 1\n", "d.log": "x", ".gitignore": "*.log\n"})
	res, err := walk.Walk(t.Context(), root, walk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary()
	if s.Files != 4 || s.Bytes != 10+10+6+6 {
		t.Errorf("summary %d files %d bytes, want 4 and 32", s.Files, s.Bytes)
	}
	if s.ByLanguage[codebase.LanguageGo] != (walk.Count{Files: 2, Bytes: 20}) || s.ByLanguage[codebase.LanguagePython].Files != 1 {
		t.Errorf("by language %v", s.ByLanguage)
	}
	if s.Skipped[codebase.SkipIgnored] != 1 {
		t.Errorf("skipped %v", s.Skipped)
	}
}

func TestRootErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := walk.Walk(t.Context(), filepath.Join(dir, "missing"), walk.Config{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing root: %v, want ErrNotExist", err)
	}
	if _, err := walk.Walk(t.Context(), file, walk.Config{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file root: %v, want not a directory", err)
	}
}

func TestVisitAndCancel(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	files := map[string]string{}
	for i := range 50 {
		files[fmt.Sprintf("d%d/f%d.go", i%5, i)] = fmt.Sprintf("package d\n// %d\n", i)
	}
	tree(t, root, files)

	contents := make(chan string, 100)
	res, err := walk.WalkFunc(t.Context(), root, walk.Config{}, func(f codebase.File, content []byte) error {
		contents <- f.Path + ":" + string(content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	close(contents)
	n := 0
	for c := range contents {
		path, content, _ := strings.Cut(c, ":")
		if files[path] != content {
			t.Errorf("%s: visited with %q", path, content)
		}
		n++
	}
	if n != 50 || len(res.Files) != 50 {
		t.Errorf("visited %d, listed %d, want 50", n, len(res.Files))
	}

	boom := errors.New("boom")
	_, err = walk.WalkFunc(t.Context(), root, walk.Config{}, func(codebase.File, []byte) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("visit error: got %v", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := walk.Walk(ctx, root, walk.Config{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

func TestUnreadableDirectory(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{"locked/a.go": "package a\n", "b.go": "package b\n"})
	locked := filepath.Join(root, "locked")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	res, err := walk.Walk(t.Context(), root, walk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// Permissions do not bind root (as in CI): the directory is read.
		if !slices.Contains(paths(res.Files), "locked/a.go") {
			t.Errorf("root could not read locked/a.go: %+v", res)
		}
		return
	}
	if r := skipped(res)["locked"]; r != codebase.SkipUnreadable {
		t.Errorf("locked: %q, want unreadable", r)
	}
}

func TestLanguageOf(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]codebase.Language{
		"a/b/main.go":    codebase.LanguageGo,
		"x.PY":           codebase.LanguagePython,
		"app.jsx":        codebase.LanguageJavaScript,
		"app.tsx":        codebase.LanguageTypeScript,
		"lib.rs":         codebase.LanguageRust,
		"A.java":         codebase.LanguageJava,
		"README.md":      "markdown",
		"Makefile":       "make",
		"sub/Dockerfile": "dockerfile",
		"LICENSE":        codebase.LanguageText,
		".gitignore":     codebase.LanguageText,
	} {
		if got := walk.LanguageOf(name); got != want {
			t.Errorf("LanguageOf(%q) = %q, want %q", name, got, want)
		}
	}
}
