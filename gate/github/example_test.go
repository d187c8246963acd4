package github_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/github"
)

// Publish in an Actions step: the outputs land in the file GITHUB_OUTPUT
// names, the annotations on stdout. With comment mode never (or no token)
// nothing is sent to GitHub's API.
func ExamplePublish() {
	dir, _ := os.MkdirTemp("", "perfgate-example")
	defer os.RemoveAll(dir)
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
	}

	r := &gate.Report{Comparisons: []gate.Comparison{{
		Suite: "search", Benchmark: "Search", Unit: "sec/op", Threshold: 0.10,
		Old: &gate.Stat{Center: 0.0012}, New: &gate.Stat{Center: 0.0015}, Delta: 0.25, PAdjusted: 0.001,
		Status: gate.StatusRegression,
	}}}
	r.Decide(gate.DefaultFailOn())

	res, err := github.Publish(context.Background(), r, github.Marker+"\n## perfgate: fail\n", github.Options{
		Mode:       gate.CommentNever,
		ReportPath: "/home/runner/work/app/perfgate-out/report.json",
		Getenv:     func(k string) string { return env[k] },
		Stdout:     os.Stdout,
	})
	if err != nil {
		fmt.Println("warning:", err) // never changes the exit code
	}
	fmt.Println("comment:", res.Comment)
	out, _ := os.ReadFile(env["GITHUB_OUTPUT"])
	fmt.Println(strings.Count(string(out), "<<"), "outputs")
	// Output:
	// ::error title=perfgate%3A regression in Search::sec/op 1.200m → 1.500m (+25.00%25), p=0.001 after correction (threshold 10%25), suite search
	// comment: none
	// 3 outputs
}
