package eval_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"

	"github.com/perfgate/perfgate/servers/codebase/eval"
	"github.com/perfgate/perfgate/servers/codebase/index"
)

const src = `package shapes

// Area returns the area of the circle, pi times the radius squared.
func Area(r float64) float64 { return 3.14 * r * r }

// Scale multiplies every side of the rectangle by the given factor in place.
func (r *Rect[T]) Scale(f T) {}

// Short doc.
func Tiny() {}

func Undocumented() {}
`

func TestGoCases(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for p, c := range map[string]string{"shapes/shapes.go": src, "shapes/shapes_test.go": src, "testdata/x.go": src, "shapes/note.txt": "x"} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := eval.GoFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(files, ",") != "shapes/shapes.go" {
		t.Fatalf("files %v", files)
	}
	cases, err := eval.GoCases(root, files, eval.CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []eval.Case{
		{Query: "returns the area of the circle, pi times the radius squared.", Path: "shapes/shapes.go", Symbol: "Area"},
		{Query: "multiplies every side of the rectangle by the given factor in place.", Path: "shapes/shapes.go", Symbol: "Rect.Scale"},
	}
	if len(cases) != len(want) {
		t.Fatalf("cases %+v", cases)
	}
	for i := range want {
		if cases[i] != want[i] {
			t.Errorf("case %d = %+v, want %+v", i, cases[i], want[i])
		}
	}
	if got := eval.Spread([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 3); len(got) != 3 || got[0] != 0 || got[1] != 3 || got[2] != 6 {
		t.Errorf("Spread = %v", got)
	}
}

// fakeSearcher answers each mode with a fixed list of hits.
type fakeSearcher map[index.Mode][]index.Hit

func (f fakeSearcher) Search(_ context.Context, q index.Query) ([]index.Hit, error) {
	return f[q.Mode], nil
}

func TestRunAndWrite(t *testing.T) {
	t.Parallel()
	c := eval.Case{Query: "q", Path: "a.go", Symbol: "F"}
	hit := index.Hit{Path: "a.go", Symbol: "F"}
	other := index.Hit{Path: "b.go", Symbol: "F"}
	s := fakeSearcher{
		index.ModeLexical: {other, hit}, // rank 2
		index.ModeVector:  {other},      // absent
		index.ModeHybrid:  {hit, other}, // rank 1
	}
	rs, err := eval.Run(context.Background(), s, "p", []eval.Case{c, c}, 10, eval.Modes)
	if err != nil {
		t.Fatal(err)
	}
	want := map[index.Mode][2]float64{index.ModeLexical: {0.5, 1}, index.ModeVector: {0, 0}, index.ModeHybrid: {1, 1}}
	for _, r := range rs {
		if w := want[r.Mode]; r.MRR != w[0] || r.Recall != w[1] || r.Queries != 2 {
			t.Errorf("%s: %+v, want MRR %v recall %v", r.Mode, r, w[0], w[1])
		}
	}
	var text, bench bytes.Buffer
	eval.Write(&text, rs)
	eval.WriteBench(&bench, rs)
	golden(t, "write.golden", text.Bytes())
	golden(t, "write_bench.golden", bench.Bytes())

	// The benchmark format reads back with benchfmt: three results, both
	// units higher-is-better and exact.
	r := benchfmt.NewReader(bytes.NewReader(bench.Bytes()), "eval")
	got := map[string]float64{}
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.Result:
			for _, v := range rec.Values {
				got[string(rec.Name)+" "+v.Unit] = v.Value
			}
		case *benchfmt.SyntaxError:
			t.Errorf("benchmark format: %v", rec)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 || got["Eval/ranking=lexical mrr@10"] != 0.5 || got["Eval/ranking=hybrid recall@10"] != 1 {
		t.Errorf("read back %v", got)
	}
	units := r.Units()
	for _, u := range []string{"mrr@10", "recall@10"} {
		if units.GetBetter(u) != 1 || units.GetAssumption(u) != benchmath.AssumeExact {
			t.Errorf("unit %s: better %d, assumption %v; want higher and exact", u, units.GetBetter(u), units.GetAssumption(u))
		}
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n%s\nwant\n%s", path, got, want)
	}
}
