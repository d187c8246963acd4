package compare_test

import (
	"math"
	"regexp"
	"testing"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/compare"
)

func TestCheckTargets(t *testing.T) {
	t.Parallel()
	nw := set(t, "new.txt", "Unit req/s better=higher\n"+
		lines("Search/q=a", 10, 100, 1, "ns/op")+
		lines("Serve", 10, 1000, 10, "req/s")+
		lines("Few", 3, 100, 1, "ns/op"))
	pairs := []compare.Pair{{Suite: "api", New: nw}}
	re := regexp.MustCompile
	targets := []gate.Target{
		{Benchmark: re(`^Search`), Metric: "ns/op", Op: gate.AtMost, Limit: 200e-9, Text: "Search ns/op <= 200ns"},
		{Benchmark: re(`^Search`), Metric: "sec/op", Op: gate.AtMost, Limit: 50e-9},
		{Benchmark: re(`^Search`), Metric: "ns/op", Op: gate.AtMost, Limit: 104.5e-9},
		{Benchmark: re(`^Serve$`), Metric: "req/s", Op: gate.AtLeast, Limit: 500},
		{Benchmark: re(`^Serve$`), Metric: "req/s", Op: gate.AtLeast, Limit: 2000},
		{Benchmark: re(`^Few$`), Metric: "ns/op", Op: gate.AtMost, Limit: 1e-6},
		{Benchmark: re(`^Few$`), Metric: "ns/op", Op: gate.AtMost, Limit: 50e-9},
		{Benchmark: re(`^Few$`), Metric: "ns/op", Op: gate.AtMost, Limit: 101e-9},
		{Benchmark: re(`^Nothing`), Metric: "ns/op", Op: gate.AtMost, Limit: 1},
		{Metric: "allocs/op", Op: gate.AtMost, Limit: 1},
	}
	got, err := compare.CheckTargets(pairs, targets, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		bench  string
		status gate.TargetStatus
	}{
		{"Search/q=a", gate.TargetPass},
		{"Search/q=a", gate.TargetFail},
		{"Search/q=a", gate.TargetWarn},
		{"Serve", gate.TargetPass},
		{"Serve", gate.TargetFail},
		// Three samples, too few for a 95% interval: their range (100 to
		// 102ns) is the interval.
		{"Few", gate.TargetPass},
		{"Few", gate.TargetFail},
		{"Few", gate.TargetWarn},
		{"", gate.TargetMissing},
		{"", gate.TargetMissing},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Benchmark != w.bench || g.Status != w.status {
			t.Errorf("target %d (%s): %s %s, want %s %s", i, g.Target, g.Benchmark, g.Status, w.bench, w.status)
		}
	}

	pass := got[0]
	if pass.Suite != "api" || pass.Unit != "sec/op" || pass.Target != "Search ns/op <= 200ns" || pass.Op != gate.AtMost {
		t.Errorf("pass result = %+v", pass)
	}
	if math.Abs(pass.Value-104.5e-9) > 1e-18 || pass.Bound != pass.Lo || !(pass.Lo < pass.Value && pass.Value < pass.Hi) {
		t.Errorf("value %v bound %v CI [%v, %v]", pass.Value, pass.Bound, pass.Lo, pass.Hi)
	}
	if want := (200e-9 - pass.Hi) / 200e-9; math.Abs(pass.Margin-want) > 1e-12 || pass.Margin <= 0 {
		t.Errorf("margin %v, want %v", pass.Margin, want)
	}
	if fail := got[1]; fail.Margin >= 0 {
		t.Errorf("breached target has margin %v", fail.Margin)
	}
	serve := got[3]
	if serve.Bound != serve.Hi || serve.Op != gate.AtLeast {
		t.Errorf("lower limit: bound %v, CI [%v, %v]", serve.Bound, serve.Lo, serve.Hi)
	}
	if want := (serve.Lo - 500) / 500; math.Abs(serve.Margin-want) > 1e-12 {
		t.Errorf("lower limit margin %v, want %v", serve.Margin, want)
	}
	if m := got[8]; m.Target == "" || m.Unit != "ns/op" || !math.IsNaN(m.Value) {
		t.Errorf("missing target result = %+v", m)
	}
}

func TestRunChecksConfigTargets(t *testing.T) {
	t.Parallel()
	cfg := gate.Config{Targets: []gate.Target{
		{Benchmark: regexp.MustCompile(`.`), Metric: "ns/op", Op: gate.AtMost, Limit: 1e-9},
	}}.WithDefaults()
	old := set(t, "old.txt", lines("X", 10, 100, 1, "ns/op"))
	res, err := compare.Run([]compare.Pair{{Old: old, New: old}}, compare.Options{Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Targets) != 1 || res.Targets[0].Status != gate.TargetFail {
		t.Errorf("targets = %+v", res.Targets)
	}
}
