package github

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/sethvargo/go-githubactions"

	"github.com/perfgate/perfgate/gate"
)

// Output names, as action.yml maps them.
const (
	OutputVerdict     = "verdict"
	OutputRegressions = "regressions"
	OutputReportPath  = "report-path"
)

// GitHub shows at most 10 annotations of each level per step and drops the
// rest. The report gets fewer warning and notice slots than that so that
// Publish's own (a failed comment, a fork) still show.
const (
	maxErrors   = 10
	maxWarnings = 8
	maxNotices  = 8
)

// runtime is the Actions side of a run: workflow commands written to stdout
// and the environment files named by GITHUB_OUTPUT and GITHUB_STEP_SUMMARY.
type runtime struct {
	act    *githubactions.Action
	getenv func(string) string
}

func newRuntime(getenv func(string) string, stdout io.Writer) *runtime {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &runtime{act: newAction(getenv, stdout), getenv: getenv}
}

// inActions reports whether the process runs as a GitHub Actions step (or
// under act, which sets the same variable).
func (rt *runtime) inActions() bool { return rt.getenv("GITHUB_ACTIONS") == "true" }

// setOutputs writes the verdict, regressions and report-path outputs.
func (rt *runtime) setOutputs(r *gate.Report, reportPath string) error {
	if rt.getenv("GITHUB_OUTPUT") == "" {
		return errors.New("set outputs: GITHUB_OUTPUT is not set")
	}
	return catch("set outputs", func() {
		rt.act.SetOutput(OutputVerdict, string(r.Verdict))
		rt.act.SetOutput(OutputRegressions, strconv.Itoa(len(r.Regressions())))
		rt.act.SetOutput(OutputReportPath, reportPath)
	})
}

// addSummary appends markdown to the job's step summary.
func (rt *runtime) addSummary(markdown string) error {
	if rt.getenv("GITHUB_STEP_SUMMARY") == "" {
		return errors.New("write step summary: GITHUB_STEP_SUMMARY is not set")
	}
	return catch("write step summary", func() { rt.act.AddStepSummary(markdown) })
}

// annotation is one error, warning or notice shown on the run and the PR.
type annotation struct {
	level string // "error", "warning" or "notice"
	title string
	msg   string
	file  string
	line  int
}

// emit writes annotations, at most limit of each level: past the limit, the
// last slot says how many more there are.
func (rt *runtime) emit(list []annotation) error {
	limits := map[string]int{"error": maxErrors, "warning": maxWarnings, "notice": maxNotices}
	total := map[string]int{}
	for _, a := range list {
		total[a.level]++
	}
	seen := map[string]int{}
	return catch("write annotations", func() {
		for _, a := range list {
			seen[a.level]++
			n, limit := seen[a.level], limits[a.level]
			switch {
			case total[a.level] <= limit || n < limit:
				rt.write(a)
			case n == limit:
				rt.write(annotation{level: a.level, title: "perfgate",
					msg: fmt.Sprintf("%d more %ss: see the step summary", total[a.level]-limit+1, a.level)})
			}
		}
	})
}

func (rt *runtime) write(a annotation) {
	props := map[string]string{}
	if a.title != "" {
		props["title"] = a.title
	}
	if a.file != "" {
		props["file"] = a.file
		if a.line > 0 {
			props["line"] = strconv.Itoa(a.line)
		}
	}
	act := rt.act.WithFieldsMap(props)
	switch a.level {
	case "error":
		act.Errorf("%s", a.msg)
	case "warning":
		act.Warningf("%s", a.msg)
	default:
		act.Noticef("%s", a.msg)
	}
}

// notice and warning write one annotation each, outside the report's budget.
func (rt *runtime) notice(title, msg string) error {
	return catch("write notice", func() { rt.write(annotation{level: "notice", title: title, msg: msg}) })
}

func (rt *runtime) warning(title, msg string) error {
	return catch("write warning", func() { rt.write(annotation{level: "warning", title: title, msg: msg}) })
}

// mask asks the runner to hide secret in every later log line.
func mask(act *githubactions.Action, secret string) error {
	return catch("mask token", func() { act.AddMask(secret) })
}

// catch runs f and returns the panic go-githubactions raises when it cannot
// write a command or an environment file as an error.
func catch(op string, f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %v", op, r)
		}
	}()
	f()
	return nil
}
