package chunk_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase"
	"github.com/perfgate/perfgate/servers/codebase/chunk"
	"github.com/perfgate/perfgate/servers/codebase/fixture"
	"github.com/perfgate/perfgate/servers/codebase/walk"
)

type corpusFile struct {
	path string
	lang codebase.Language
	src  []byte
}

// goroot reads up to n .go files of the Go standard library, in path order.
func goroot(tb testing.TB, n int) []corpusFile {
	tb.Helper()
	root := filepath.Join(runtime.GOROOT(), "src")
	var files []corpusFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "vendor") {
			return filepath.SkipDir
		}
		if len(files) >= n || d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, corpusFile{path: p, lang: codebase.LanguageGo, src: src})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Fatalf("no Go files under %s", root)
	}
	return files
}

// fixtureCorpus generates n files with the fixture generator and reads them.
func fixtureCorpus(tb testing.TB, n int) []corpusFile {
	tb.Helper()
	dir := tb.TempDir()
	if err := fixture.Generate(dir, n, 7); err != nil {
		tb.Fatal(err)
	}
	var files []corpusFile
	res, err := walk.Walk(tb.Context(), dir, walk.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range res.Files {
		src, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, corpusFile{path: f.Path, lang: f.Language, src: src})
	}
	return files
}

// TestCorpusInvariants chunks real and generated code and checks, file by
// file, the invariants the golden files check.
func TestCorpusInvariants(t *testing.T) {
	t.Parallel()
	n := 250
	if testing.Short() {
		n = 50
	}
	cfg := chunk.Config{MaxLines: 60, MaxBytes: 3000}
	c := newChunker(t, cfg)
	files := append(goroot(t, n), fixtureCorpus(t, n)...)
	kinds := map[codebase.Kind]int{}
	for _, f := range files {
		chunks, err := c.Chunk(f.path, f.lang, f.src)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(f.path), func(t *testing.T) {
			checkInvariants(t, cfg, f.src, chunks, f.lang != codebase.LanguageText && f.lang != "markdown" && f.lang != "yaml")
		})
		for _, ch := range chunks {
			kinds[ch.Kind]++
		}
	}
	for _, k := range []codebase.Kind{codebase.KindFunction, codebase.KindMethod, codebase.KindType, codebase.KindClass, codebase.KindBlock, codebase.KindWindow} {
		if kinds[k] == 0 {
			t.Errorf("no %s chunk in the corpus: %v", k, kinds)
		}
	}
}
