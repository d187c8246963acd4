package compare_test

import (
	"fmt"
	"strings"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/compare"
)

func Example() {
	old, nw := compare.NewSet(), compare.NewSet()
	// Go benchmark format, as `go test -bench . -count 6` prints it.
	_ = old.Read(strings.NewReader(`
Unit errors/op assume=exact
BenchmarkSearch 100 101 ns/op 0 errors/op
BenchmarkSearch 100 103 ns/op 0 errors/op
BenchmarkSearch 100 100 ns/op 0 errors/op
BenchmarkSearch 100 102 ns/op 0 errors/op
BenchmarkSearch 100 104 ns/op 0 errors/op
BenchmarkSearch 100 99 ns/op 0 errors/op
`), "old.txt")
	_ = nw.Read(strings.NewReader(`
BenchmarkSearch 100 131 ns/op 1 errors/op
BenchmarkSearch 100 133 ns/op 1 errors/op
BenchmarkSearch 100 130 ns/op 1 errors/op
BenchmarkSearch 100 132 ns/op 1 errors/op
BenchmarkSearch 100 134 ns/op 1 errors/op
BenchmarkSearch 100 129 ns/op 1 errors/op
`), "new.txt")

	res, err := compare.Run([]compare.Pair{{Suite: "api", Old: old, New: nw}}, compare.Options{})
	if err != nil {
		panic(err)
	}
	for _, c := range res.Comparisons {
		fmt.Printf("%s %s %s: %+.1f%%, p=%.3f (BH %.3f): %s\n", c.Suite, c.Benchmark, c.Unit, 100*c.Delta, c.P, c.PAdjusted, c.Status)
	}
	r := gate.Report{Comparisons: res.Comparisons}
	r.Decide(gate.DefaultFailOn())
	fmt.Println(r.Verdict, r.Reasons)
	// Output:
	// api Search sec/op: +29.6%, p=0.002 (BH 0.002): regression
	// api Search errors/op: +Inf%, p=0.000 (BH 0.000): regression
	// fail [2 regressions]
}
