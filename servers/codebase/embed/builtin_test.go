package embed

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestBuiltinVectors(t *testing.T) {
	t.Parallel()
	b := NewBuiltin(BuiltinConfig{})
	if b.Dimension() != 384 || b.Model() != BuiltinModel {
		t.Fatalf("dimension %d model %q", b.Dimension(), b.Model())
	}
	texts := []string{"func parseHTTPRequest(r io.Reader) (*Request, error)", "", "!!! ---", "x"}
	v1, err := b.Embed(t.Context(), texts)
	if err != nil {
		t.Fatal(err)
	}
	v2, _ := NewBuiltin(BuiltinConfig{}).Embed(t.Context(), texts)
	for i := range texts {
		if len(v1[i]) != 384 {
			t.Fatalf("text %d: %d dimensions", i, len(v1[i]))
		}
		if !slices.Equal(v1[i], v2[i]) {
			t.Errorf("text %d: vectors differ between calls", i)
		}
		if n := math.Sqrt(dot(v1[i], v1[i])); math.Abs(n-1) > 1e-5 {
			t.Errorf("text %d: norm %f, want 1", i, n)
		}
	}
	if small := NewBuiltin(BuiltinConfig{Dimension: 64}); small.Dimension() != 64 {
		t.Errorf("dimension %d, want 64", small.Dimension())
	}
}

// TestBuiltinRanks checks that the builtin embedder ranks code by what it is
// about, across naming conventions.
func TestBuiltinRanks(t *testing.T) {
	t.Parallel()
	b := NewBuiltin(BuiltinConfig{})
	docs := []string{
		"def parse_http_request(stream):\n    \"\"\"Read an HTTP request line and headers from a stream.\"\"\"\n    line = stream.readline()",
		"func RenderInvoiceTotal(w io.Writer, inv *Invoice) error {\n\t// Render the invoice total with taxes.\n\treturn tmpl.Execute(w, inv)\n}",
		"class RetryPolicy {\n  /** Compute the backoff delay before the next retry attempt. */\n  nextDelay(attempt) { return Math.min(2 ** attempt * 100, 5000); }\n}",
		"fn open_database(path: &Path) -> Result<Connection> {\n    // Open the SQLite database file, creating it if missing.\n    Connection::open(path)\n}",
	}
	queries := map[string]int{
		"parseHttpRequest":                0,
		"parse the headers of a request":  0,
		"invoice total rendering":         1,
		"backoff delay between retries":   2,
		"open a sqlite database":          3,
		"OpenDatabase connection":         3,
		"computes retry backoff attempts": 2,
	}
	dv, err := b.Embed(t.Context(), docs)
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range queries {
		qv, _ := b.Embed(t.Context(), []string{q})
		best, bestScore := -1, -2.0
		for i, d := range dv {
			if s := dot(qv[0], d); s > bestScore {
				best, bestScore = i, s
			}
		}
		if best != want {
			t.Errorf("%q: best match %d (%.3f), want %d", q, best, bestScore, want)
		}
	}
	a, _ := b.Embed(t.Context(), []string{"max_retry_count", "maxRetryCount", "MaxRetryCount"})
	if s := dot(a[0], a[1]); s < 0.99 {
		t.Errorf("snake and camel case: similarity %.3f, want ~1", s)
	}
	if s := dot(a[1], a[2]); s < 0.99 {
		t.Errorf("camel and Pascal case: similarity %.3f, want ~1", s)
	}
}

func TestBuiltinCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	texts := make([]string, 1000)
	for i := range texts {
		texts[i] = strings.Repeat("word ", i%20)
	}
	for _, n := range []int{1, 1000} {
		if _, err := NewBuiltin(BuiltinConfig{}).Embed(ctx, texts[:n]); !errors.Is(err, context.Canceled) {
			t.Errorf("%d texts: %v, want context.Canceled", n, err)
		}
	}
}
