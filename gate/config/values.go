package config

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"golang.org/x/perf/benchunit"
)

func isNull(n ast.Node) bool {
	if n == nil {
		return true
	}
	_, ok := n.(*ast.NullNode)
	return ok
}

// nsFactor is benchunit.Tidy's factor for a unit with one "ns" in its
// numerator, such as ns/op or p95-ns/op, which it tidies to seconds.
const nsFactor = 1e-9

// limit decodes the value of a target's max or min into the tidied unit of
// metric (benchunit.Tidy), and returns it with its text as written.
//
// A plain number is in metric as written: max: 1000 on p95-ns/op is
// 1000ns, a Limit of 1e-6 sec. A duration such as 500ms is accepted only
// for units measured in nanoseconds, whose tidied unit is seconds.
func (d *decoder) limit(f field, metric string) (float64, string, bool) {
	v := d.resolve(f.value)
	s, number, ok := d.scalar(v)
	if !ok {
		d.errorf(nodeOr(v, f.keyAt), "%s: expected a number in %s%s, got %s", f.path, metric, durationHint(metric), describe(v))
		return 0, "", false
	}
	text := strings.TrimSpace(s)
	if x, err := strconv.ParseFloat(text, 64); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
		tidied, _ := benchunit.Tidy(x, metric)
		return tidied, text, true
	}
	if !number {
		if dur, err := time.ParseDuration(text); err == nil {
			if _, factor := tidyFactor(metric); factor != nsFactor {
				d.errorf(v, "%s: %s is a duration, but %s is not measured in nanoseconds; write a plain number in %s", f.path, text, metric, metric)
				return 0, "", false
			}
			return dur.Seconds(), text, true
		}
	}
	d.errorf(v, "%s: %q is not a number; write a number in %s%s", f.path, s, metric, durationHint(metric))
	return 0, "", false
}

func durationHint(metric string) string {
	if _, factor := tidyFactor(metric); factor == nsFactor {
		return " or a duration such as 500ms"
	}
	return ""
}

// tidyFactor returns the tidied unit of unit and the factor converting a
// value in unit to it.
func tidyFactor(unit string) (string, float64) {
	factor, tidied := benchunit.Tidy(1, unit)
	return tidied, factor
}
