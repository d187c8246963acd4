package config_test

import (
	"fmt"

	"github.com/perfgate/perfgate/gate/config"
)

func ExampleParse() {
	cfg, err := config.Parse("perfgate.yml", []byte(`
threshold: 10%
targets:
  - benchmark: ^SearchCode$
    metric: p95-ns/op
    max: 500ms
suites:
  - name: search
    run: go test -run '^$' -bench . -count 5 ./servers/codebase/...
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Targets[0].Limit, cfg.Suites[0].Count, cfg.Suites[0].Timeout)

	_, err = config.Parse("perfgate.yml", []byte(`
suites:
  - name: search
    run: go test -bench .
    coutn: 3
`))
	fmt.Println(err)
	// Output:
	// 0.5 1 10m0s
	// perfgate.yml:5:5: unknown key "coutn" in suites[0] (did you mean "count"?)
}
