package pgstore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase/chunk"
	"github.com/perfgate/perfgate/servers/codebase/walk"
)

func TestEachLexeme(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"parseHTTPRequest", "parsehttprequest pars http request"},
		{"max_retries maxRetries", "maxretries max retry maxretries max retry"},
		{"the a of it", ""},
		{"sha256Sum v2", "sha256sum sha sum v2"},
		{"Ünïcode naïve", "ünïcod naïv"},
		{"x y z", ""},
		{"returns error", "return error"},
	} {
		var got []string
		eachLexeme(c.in, func(b []byte) { got = append(got, string(b)) })
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("eachLexeme(%q) = %q, want %q", c.in, g, c.want)
		}
	}
}

func TestLexicalVector(t *testing.T) {
	t.Parallel()
	v := newLexer().vector("Cache.Get", "func (c *Cache) Get(key string) { get get get get get get get get get get }")
	byWord := map[string]int{}
	for _, l := range v.Lexemes {
		byWord[l.Word] = len(l.Positions)
		for i := 1; i < len(l.Positions); i++ {
			if l.Positions[i].Position <= l.Positions[i-1].Position {
				t.Errorf("%s: positions not increasing: %v", l.Word, l.Positions)
			}
		}
	}
	if byWord["get"] != maxPositions {
		t.Errorf("get has %d positions, want the cap %d", byWord["get"], maxPositions)
	}
	if byWord["cach"] != 2 {
		t.Errorf("cach has %d positions, want 2 (symbol, receiver type)", byWord["cach"])
	}
	if v.Lexemes[0].Positions[0].Weight != 'A' {
		t.Errorf("first lexeme %v: want weight A (symbol)", v.Lexemes[0])
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	st := &lexStats{rows: 100_000, freq: map[string]float64{"common": 0.2, "usual": 0.1, "rareish": 0.005}, minFreq: 0.002}
	// Rare lexemes (unlisted: rarer than 0.2%) are OR-ed while under the cap.
	p := st.plan([]string{"common", "unlisted", "other"}, 1000)
	if p.candidates != "'unlisted' | 'other'" {
		t.Errorf("candidates %q", p.candidates)
	}
	if !(p.weights[1] > p.weights[0]) {
		t.Errorf("weights %v: a rare lexeme must weigh more", p.weights)
	}
	// Only common lexemes: AND the rarest until the estimate fits.
	p = st.plan([]string{"common", "usual"}, 1000)
	if p.candidates != "'usual' & 'common'" {
		t.Errorf("candidates %q", p.candidates)
	}
	p = st.plan([]string{"rareish", "common"}, 1000)
	if p.candidates != "'rareish'" {
		t.Errorf("candidates %q", p.candidates)
	}
}

func BenchmarkLexicalVector(b *testing.B) {
	dir := os.Getenv("PERFGATE_LEX_REPO")
	if dir == "" {
		dir, _ = filepath.Abs("../walk")
	}
	res, err := walk.Walk(b.Context(), dir, walk.Config{})
	if err != nil {
		b.Fatal(err)
	}
	ck, err := chunk.New(chunk.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer ck.Close()
	var texts [][2]string
	for i, f := range res.Files {
		if i >= 500 {
			break
		}
		src, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil {
			b.Fatal(err)
		}
		cs, err := ck.Chunk(f.Path, f.Language, src)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range cs {
			texts = append(texts, [2]string{c.Symbol, c.Content})
		}
	}
	lx := newLexer()
	b.ResetTimer()
	for b.Loop() {
		for _, t := range texts {
			lx.vector(t[0], t[1])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(texts)), "ns/chunk")
}
