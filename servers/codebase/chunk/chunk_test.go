package chunk_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase"
	"github.com/perfgate/perfgate/servers/codebase/chunk"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenConfig is small so that the inputs exercise splitting.
var goldenConfig = chunk.Config{MaxLines: 20, MaxBytes: 1200, WindowLines: 8, WindowOverlap: 2}

var goldenCases = []struct {
	dir  string
	file string
	lang codebase.Language
}{
	{"go", "input.go", codebase.LanguageGo},
	{"python", "input.py", codebase.LanguagePython},
	{"javascript", "input.js", codebase.LanguageJavaScript},
	{"typescript", "input.ts", codebase.LanguageTypeScript},
	{"tsx", "input.tsx", codebase.LanguageTypeScript},
	{"rust", "input.rs", codebase.LanguageRust},
	{"java", "input.java", codebase.LanguageJava},
	{"text", "input.md", "markdown"},
}

func newChunker(t testing.TB, cfg chunk.Config) *chunk.Chunker {
	t.Helper()
	c, err := chunk.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// render writes chunks in the golden format: a header line per chunk, then
// its content.
func render(chunks []codebase.Chunk) string {
	var b strings.Builder
	for _, c := range chunks {
		fmt.Fprintf(&b, "=== %s %q lines %d-%d %s\n%s\n", c.Kind, c.Symbol, c.StartLine, c.EndLine, c.Hash[:12], c.Content)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	c := newChunker(t, goldenConfig)
	for _, tc := range goldenCases {
		t.Run(tc.dir, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(filepath.Join("testdata", tc.dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			chunks, err := c.Chunk(tc.dir+"/"+tc.file, tc.lang, src)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, goldenConfig, src, chunks, tc.lang != "markdown")
			got := render(chunks)
			golden := filepath.Join("testdata", tc.dir, "input.golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("chunks differ from %s (go test -update rewrites it):\n%s", golden, diff(string(want), got))
			}
		})
	}
}

// diff shows the first differing line of two texts.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, a, b)
		}
	}
	return "(no line differs)"
}

// checkInvariants checks what holds for every file: hashes match contents,
// chunks fit the budget, start after each other (by syntax) and cover every
// line that is not blank or closing punctuation.
func checkInvariants(t *testing.T, cfg chunk.Config, src []byte, chunks []codebase.Chunk, bySyntax bool) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(src), "\n"), "\n")
	covered := make([]bool, len(lines)+1)
	prevEnd := 0
	for i, c := range chunks {
		sum := sha256.Sum256([]byte(c.Content))
		if c.Hash != hex.EncodeToString(sum[:]) {
			t.Errorf("chunk %d: hash %s does not match its content", i, c.Hash)
		}
		if c.StartLine < 1 || c.EndLine < c.StartLine || c.EndLine > len(lines) {
			t.Fatalf("chunk %d: lines %d-%d outside 1-%d", i, c.StartLine, c.EndLine, len(lines))
		}
		if n := strings.Count(c.Content, "\n") + 1; n > cfg.MaxLines {
			t.Errorf("chunk %d (%s %s): %d lines, budget %d", i, c.Kind, c.Symbol, n, cfg.MaxLines)
		}
		if len(c.Content)+1 > cfg.MaxBytes {
			t.Errorf("chunk %d (%s %s): %d bytes, budget %d", i, c.Kind, c.Symbol, len(c.Content)+1, cfg.MaxBytes)
		}
		if bySyntax && c.StartLine <= prevEnd && !(c.StartLine == c.EndLine && c.StartLine == prevEnd) {
			t.Errorf("chunk %d (%s %s) starts at line %d, inside the previous chunk ending at %d", i, c.Kind, c.Symbol, c.StartLine, prevEnd)
		}
		if !strings.HasSuffix(c.Content, strings.Join(lines[c.StartLine-1:c.EndLine], "\n")) && c.StartLine != c.EndLine {
			t.Errorf("chunk %d (%s %s): content does not end with lines %d-%d", i, c.Kind, c.Symbol, c.StartLine, c.EndLine)
		}
		prevEnd = c.EndLine
		for l := c.StartLine; l <= c.EndLine; l++ {
			covered[l] = true
		}
	}
	for i, l := range lines {
		if !covered[i+1] && strings.Trim(l, " \t\r});],") != "" {
			t.Errorf("line %d not in any chunk: %q", i+1, l)
		}
	}
}

func TestEmptyAndBlank(t *testing.T) {
	t.Parallel()
	c := newChunker(t, chunk.Config{})
	for _, src := range []string{"", "\n\n  \n", "\t"} {
		for _, lang := range []codebase.Language{codebase.LanguageGo, codebase.LanguagePython, "markdown"} {
			chunks, err := c.Chunk("x", lang, []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if len(chunks) != 0 {
				t.Errorf("%s %q: %d chunks, want none: %+v", lang, src, len(chunks), chunks)
			}
		}
	}
}

func TestBrokenSyntaxIsStillCovered(t *testing.T) {
	t.Parallel()
	c := newChunker(t, chunk.Config{})
	src := []byte("def ok():\n    return 1\n\ndef broken(:\n    x = = 2\n  return\nclass\n")
	chunks, err := c.Chunk("b.py", codebase.LanguagePython, src)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, chunk.Config{MaxLines: chunk.DefaultMaxLines, MaxBytes: chunk.DefaultMaxBytes}, src, chunks, true)
	if len(chunks) == 0 || chunks[0].Symbol != "ok" || chunks[0].Kind != codebase.KindFunction {
		t.Errorf("first chunk = %+v, want function ok", chunks)
	}
}

func TestLongLineIsCut(t *testing.T) {
	t.Parallel()
	cfg := chunk.Config{MaxLines: 10, MaxBytes: 500}
	c := newChunker(t, cfg)
	// Minified JavaScript: one line of many functions, with multi-byte
	// characters so that cuts must respect character boundaries.
	var b bytes.Buffer
	for i := range 200 {
		fmt.Fprintf(&b, "function f%d(){return 'é%d'};", i, i)
	}
	b.WriteString("\n")
	for _, lang := range []codebase.Language{codebase.LanguageJavaScript, "text"} {
		chunks, err := c.Chunk("min.js", lang, b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		var joined strings.Builder
		for _, ch := range chunks {
			if len(ch.Content) > cfg.MaxBytes {
				t.Errorf("%s: chunk of %d bytes, budget %d", lang, len(ch.Content), cfg.MaxBytes)
			}
			if !strings.ContainsRune(ch.Content, 'é') && strings.Contains(ch.Content, "\xc3") {
				t.Errorf("%s: chunk cut inside a character", lang)
			}
			if ch.StartLine != 1 || ch.EndLine != 1 {
				t.Errorf("%s: chunk lines %d-%d, want 1-1", lang, ch.StartLine, ch.EndLine)
			}
			joined.WriteString(ch.Content)
		}
		if joined.String() != strings.TrimSuffix(b.String(), "\n") {
			t.Errorf("%s: the parts do not add up to the line", lang)
		}
	}
}

func TestWindowsOverlap(t *testing.T) {
	t.Parallel()
	c := newChunker(t, chunk.Config{WindowLines: 10, WindowOverlap: 3})
	var b strings.Builder
	for i := 1; i <= 25; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	chunks, err := c.Chunk("notes.txt", codebase.LanguageText, []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range chunks {
		if ch.Kind != codebase.KindWindow || ch.Symbol != "" {
			t.Errorf("chunk %+v, want an unnamed window", ch)
		}
		got = append(got, fmt.Sprintf("%d-%d", ch.StartLine, ch.EndLine))
	}
	if want := "1-10 8-17 15-24 22-25"; strings.Join(got, " ") != want {
		t.Errorf("windows %v, want %s", got, want)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c := newChunker(t, chunk.Config{IdleParsers: 2})
	var want []string
	for _, tc := range goldenCases {
		src, err := os.ReadFile(filepath.Join("testdata", tc.dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		chunks, err := c.Chunk(tc.file, tc.lang, src)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, render(chunks))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				tc := goldenCases[(g+i)%len(goldenCases)]
				src, _ := os.ReadFile(filepath.Join("testdata", tc.dir, tc.file))
				chunks, err := c.Chunk(tc.file, tc.lang, src)
				if err != nil {
					t.Error(err)
					return
				}
				if render(chunks) != want[(g+i)%len(goldenCases)] {
					t.Errorf("%s: concurrent result differs", tc.file)
				}
			}
		})
	}
	wg.Wait()
}

func TestClosed(t *testing.T) {
	t.Parallel()
	c, err := chunk.New(chunk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chunk("a.go", codebase.LanguageGo, []byte("package a\n")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close() // twice is fine
	if _, err := c.Chunk("a.go", codebase.LanguageGo, []byte("package a\n")); !errors.Is(err, chunk.ErrClosed) {
		t.Errorf("Chunk after Close: %v, want ErrClosed", err)
	}
}
