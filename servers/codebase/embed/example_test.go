package embed_test

import (
	"context"
	"fmt"

	"github.com/perfgate/perfgate/servers/codebase/embed"
)

func Example() {
	e := embed.NewBuiltin(embed.BuiltinConfig{})
	docs := []string{
		"// ParseDuration parses a duration string such as \"300ms\".\nfunc ParseDuration(s string) (Duration, error)",
		"// WriteFile writes data to the named file, creating it if necessary.\nfunc WriteFile(name string, data []byte, perm FileMode) error",
	}
	vecs, err := e.Embed(context.Background(), append(docs, "write bytes to a file"))
	if err != nil {
		panic(err)
	}
	query := vecs[len(docs)]
	for i := range docs {
		var score float32
		for j := range query {
			score += query[j] * vecs[i][j]
		}
		fmt.Printf("doc %d: %.2f\n", i, score)
	}
	fmt.Println(e.Model(), e.Dimension())
	// Output:
	// doc 0: 0.01
	// doc 1: 0.54
	// builtin-code-v1 384
}
