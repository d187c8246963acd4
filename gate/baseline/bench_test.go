package baseline_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/gate/baseline"
)

// thousandByTen is 1,000 benchmarks x 10 samples in Go benchmark format.
func thousandByTen() string {
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\npkg: example.com/bench\ncpu: Test CPU\n")
	for c := range 10 {
		for i := range 1000 {
			fmt.Fprintf(&b, "BenchmarkOp%d-2 %d %.1f ns/op %d B/op %d allocs/op\n", i, 1000+i, 1234.5+float64(i*c%97), 64*(i%5), i%9)
		}
	}
	return b.String()
}

func BenchmarkWrite(b *testing.B) {
	recs := parse(b, thousandByTen())
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		if err := baseline.Write(dir, "bench", recs, env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	dir := b.TempDir()
	if err := baseline.Write(dir, "bench", parse(b, thousandByTen()), env); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		bl, err := baseline.Read(dir, "bench")
		if err != nil || len(bl.Results) != 10000 {
			b.Fatal(err)
		}
	}
}
