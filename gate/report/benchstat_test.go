package report_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/gate/report"
)

// bsCells are the cells of one benchstat row, as printed.
type bsCells struct {
	oldCenter, oldCI, newCenter, newCI, delta, test string
}

// parseBenchstat reads benchstat's text output (or ours, which adds a
// verdict column) into the cells of each row, keyed by unit and row label.
// The geomean row is keyed like the others, with empty CIs.
func parseBenchstat(t *testing.T, out string) map[string]bsCells {
	t.Helper()
	rows := make(map[string]bsCells)
	unit := ""
	header := 0
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.TrimSpace(line) == "":
			header = 0
			continue
		case strings.Contains(line, "│"):
			header++
			if header == 2 {
				unit = strings.TrimSpace(strings.Split(line, "│")[1])
			}
			continue
		case header < 2 || strings.HasPrefix(line, "perfgate:") || strings.HasPrefix(line, "note:"):
			continue
		}
		if r := []rune(line)[0]; strings.ContainsRune("⁰¹²³⁴⁵⁶⁷⁸⁹", r) {
			continue // a footnote
		}
		f := strings.Fields(stripSuperscripts(line))
		var c bsCells
		label := f[0]
		f = f[1:]
		if label == "geomean" {
			// geomean OLD NEW DELTA, each possibly absent (footnoted).
			if len(f) == 3 {
				c.oldCenter, c.newCenter, c.delta = f[0], f[1], f[2]
			} else if len(f) > 0 {
				c.delta = f[len(f)-1]
			}
			rows[unit+" "+label] = c
			continue
		}
		if len(f) < 8 || f[1] != "±" || f[4] != "±" {
			t.Fatalf("unexpected row %q", line)
		}
		c.oldCenter, c.oldCI, c.newCenter, c.newCI, c.delta = f[0], f[2], f[3], f[5], f[6]
		// "(p=0.000 n=10)" or "(n=10)".
		rest := strings.Join(f[7:], " ")
		end := strings.Index(rest, ")")
		if !strings.HasPrefix(rest, "(") || end < 0 {
			t.Fatalf("no test summary in %q", line)
		}
		c.test = rest[1:end]
		rows[unit+" "+label] = c
	}
	return rows
}

func stripSuperscripts(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("⁰¹²³⁴⁵⁶⁷⁸⁹", r) {
			return ' '
		}
		return r
	}, s)
}

// TestMatchesBenchstat is the acceptance test: for each pair of real
// outputs in testdata/bench, `perfgate compare` prints the centers,
// confidence intervals, deltas, p-values and geomeans that benchstat at
// the module's pinned x/perf version prints, string for string.
func TestMatchesBenchstat(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: cannot run benchstat")
	}
	for _, pair := range []string{"regression", "noise", "units"} {
		t.Run(pair, func(t *testing.T) {
			t.Parallel()
			oldPath, newPath := filepath.Join(benchDir, pair+"-old.txt"), filepath.Join(benchDir, pair+"-new.txt")
			// Without @version: the module's go.mod pins x/perf.
			cmd := exec.Command(goBin, "run", "golang.org/x/perf/cmd/benchstat", oldPath, newPath)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("benchstat: %v\n%s", err, stderr.Bytes())
			}
			want := parseBenchstat(t, string(out))

			var b bytes.Buffer
			if err := report.Benchstat(&b, fixtureReport(t, pair), report.TableOptions{}); err != nil {
				t.Fatal(err)
			}
			got := parseBenchstat(t, b.String())

			if len(want) < 5 {
				t.Fatalf("benchstat printed only %d rows:\n%s", len(want), out)
			}
			for k, w := range want {
				g, ok := got[k]
				if !ok {
					t.Errorf("%s: benchstat has it, perfgate does not", k)
					continue
				}
				if g != w {
					t.Errorf("%s:\nperfgate  %+v\nbenchstat %+v", k, g, w)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%s: perfgate has it, benchstat does not", k)
				}
			}
			if t.Failed() {
				t.Logf("benchstat:\n%s\nperfgate:\n%s", out, b.String())
			}
		})
	}
}
