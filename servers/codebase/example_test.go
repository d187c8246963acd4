package codebase_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/perfgate/perfgate/servers/codebase"
	"github.com/perfgate/perfgate/servers/codebase/chunk"
	"github.com/perfgate/perfgate/servers/codebase/embed"
	"github.com/perfgate/perfgate/servers/codebase/walk"
)

// Example walks a small repository, chunks its files, embeds the chunks and
// finds the one that answers a question: what the indexer and search_code
// do, minus the storage.
func Example() {
	ctx := context.Background()
	root, _ := os.MkdirTemp("", "codebase-example")
	defer os.RemoveAll(root)
	files := map[string]string{
		"billing/invoice.py": `class Invoice:
    """An invoice for a customer."""

    def total_with_tax(self, rate):
        """Return the invoice total including tax at the given rate."""
        return sum(line.amount for line in self.lines) * (1 + rate)
`,
		"net/retry.go": `package net

// Backoff returns how long to wait before retry attempt n.
func Backoff(n int) time.Duration {
	return time.Duration(1<<n) * 100 * time.Millisecond
}
`,
		"README.md": "# Example\n\nBilling and networking helpers.\n",
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}

	res, err := walk.Walk(ctx, root, walk.Config{})
	if err != nil {
		panic(err)
	}
	ck, err := chunk.New(chunk.Config{})
	if err != nil {
		panic(err)
	}
	defer ck.Close()
	var emb codebase.Embedder = embed.NewBuiltin(embed.BuiltinConfig{})

	var chunks []codebase.Chunk
	for _, f := range res.Files {
		content, err := os.ReadFile(filepath.Join(root, f.Path))
		if err != nil {
			continue // vanished since the walk
		}
		cs, err := ck.Chunk(f.Path, f.Language, content)
		if err != nil {
			panic(err)
		}
		chunks = append(chunks, cs...)
	}
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = c.Content
	}
	vectors, err := emb.Embed(ctx, texts)
	if err != nil {
		panic(err)
	}

	q, _ := emb.Embed(ctx, []string{"how long to wait between retries"})
	scores := make([]float32, len(chunks))
	for i, v := range vectors {
		for j := range v {
			scores[i] += v[j] * q[0][j]
		}
	}
	best := slices.Index(scores, slices.Max(scores))
	c := chunks[best]
	fmt.Printf("%d chunks; best: %s %s %s lines %d-%d\n", len(chunks), c.Path, c.Kind, c.Symbol, c.StartLine, c.EndLine)
	// Output:
	// 5 chunks; best: net/retry.go function Backoff lines 3-6
}
