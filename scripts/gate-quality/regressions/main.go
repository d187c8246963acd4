// Command regressions prints the regressions of a perfgate report.json, one
// per line: suite, benchmark, unit and change. scripts/gate-quality.sh
// tallies them.
package main

import (
	"fmt"
	"os"

	"github.com/perfgate/perfgate/gate/report"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: regressions report.json")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "regressions:", err)
		os.Exit(1)
	}
	defer f.Close()
	r, err := report.ReadJSON(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "regressions:", err)
		os.Exit(1)
	}
	for _, c := range r.Regressions() {
		fmt.Printf("%s %s %s %+.1f%%\n", c.Suite, c.Benchmark, c.Unit, 100*c.Delta)
	}
}
