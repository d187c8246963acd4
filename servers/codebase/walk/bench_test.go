package walk_test

import (
	"testing"
	"time"

	"github.com/perfgate/perfgate/servers/codebase/fixture"
	"github.com/perfgate/perfgate/servers/codebase/walk"
)

// BenchmarkWalk10k walks the 10,000-file fixture repository, as
// preview_repository does: every file listed, read, checked and hashed.
// The target is well under a second per walk.
func BenchmarkWalk10k(b *testing.B) {
	root := b.TempDir()
	if err := fixture.Generate(root, 10_000, 1); err != nil {
		b.Fatal(err)
	}
	var bytes int64
	start, rounds := time.Now(), 0
	for b.Loop() {
		rounds++
		res, err := walk.Walk(b.Context(), root, walk.Config{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Files) != 10_000 {
			b.Fatalf("%d files, want 10000", len(res.Files))
		}
		bytes = res.Summary().Bytes
	}
	b.SetBytes(bytes)
	b.ReportMetric(float64(10_000*rounds)/time.Since(start).Seconds(), "files/s")
}
