// Package config reads perfgate.yml, the gate's configuration, into a
// gate.Config.
//
// Decoding is strict: an unknown key, a value of the wrong kind, a
// regular expression that does not compile or an out-of-range number is
// an error that names the file, the line and the column, and says what to
// do, for example
//
//	perfgate.yml:12:5: unknown key "treshold" in suites[1] (did you mean "threshold"?)
//
// Parse reports every mistake it finds in one ErrorList rather than the
// first one only. The keys, their defaults and a full example are in
// docs/configuration.md.
//
// A worked example:
//
//	cfg, err := config.Parse("perfgate.yml", []byte(`
//	threshold: 10%
//	targets:
//	  - benchmark: ^SearchCode$
//	    metric: p95-ns/op
//	    max: 500ms
//	suites:
//	  - name: search
//	    run: go test -run '^$' -bench . -count 5 ./servers/codebase/...
//	`))
//	if err != nil {
//		return err // perfgate exits 2 on a configuration error
//	}
//	fmt.Println(cfg.Targets[0].Limit, cfg.Suites[0].Count) // 0.5 1
//
// The limit of a target is in the tidied unit of its metric
// (golang.org/x/perf/benchunit.Tidy): 500ms on p95-ns/op is 0.5 on
// p95-sec/op.
package config
