package compare_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/perfgate/perfgate/gate/compare"
)

// writeBenchFile writes benchmarks × samples results in `go test -bench
// -benchmem` format: ns/op, B/op and allocs/op per line. shift scales
// the ns/op of every tenth benchmark, as a regression would.
func writeBenchFile(tb testing.TB, path string, benchmarks, samples int, seed uint64, shift float64) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewPCG(seed, 1))
	fmt.Fprintf(w, "goos: linux\ngoarch: amd64\npkg: example.com/big\ncpu: Test CPU\n")
	for s := range samples {
		for i := range benchmarks {
			base := float64(1000 + 37*i)
			if i%10 == 0 {
				base *= shift
			}
			ns := base * (1 + 0.05*rng.NormFloat64())
			fmt.Fprintf(w, "BenchmarkOp%04d/size=%d-2 \t%d\t%.1f ns/op\t%d B/op\t%d allocs/op\n", i, 1<<(i%12), 100000+s, ns, 64*(i%8), i%5)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkReportFiles is `perfgate compare OLD NEW` on two files of
// 100 benchmarks × 10 samples (300 comparisons with B/op and
// allocs/op): reading, grouping, statistics, correction, decision.
func BenchmarkReportFiles(b *testing.B) {
	dir := b.TempDir()
	oldPath, newPath := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt")
	writeBenchFile(b, oldPath, 100, 10, 1, 1)
	writeBenchFile(b, newPath, 100, 10, 2, 1.3)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		r, err := compare.ReportFiles(oldPath, newPath, compare.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n = len(r.Regressions())
	}
	b.ReportMetric(float64(n), "regressions")
}
