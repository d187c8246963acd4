package github

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sethvargo/go-githubactions"
)

// Environment variables through which action.yml passes its inputs to
// `perfgate run`. They are spelled with underscores, not the hyphens of the
// input names, so that every shell passes them on unchanged; ReadInputs reads
// them with go-githubactions' GetInput.
const (
	EnvConfig           = "INPUT_CONFIG"
	EnvToken            = "INPUT_GITHUB_TOKEN"
	EnvBaseRef          = "INPUT_BASE_REF"
	EnvComment          = "INPUT_COMMENT"
	EnvFailOn           = "INPUT_FAIL_ON"
	EnvWorkingDirectory = "INPUT_WORKING_DIRECTORY"
	EnvProfile          = "INPUT_PROFILE"
	EnvSuites           = "INPUT_SUITES"
)

// Inputs are the action's inputs. An empty field means "not given": the CLI
// keeps its flag or perfgate.yml value. Comment and FailOn are passed on as
// written, for the CLI to parse with gate/config's ParseCommentMode and
// ParseFailOn, the parsers of the equivalent flags, so that an input and a
// flag accept exactly the same values.
type Inputs struct {
	// Config is the path of perfgate.yml, relative to WorkingDirectory.
	Config string
	// Token is the GitHub token used for the PR comment. ReadInputs masks
	// it before returning.
	Token string
	// BaseRef, when set, asks for a base-ref comparison (--base-ref).
	BaseRef string
	// Comment overrides the comment mode of perfgate.yml.
	Comment string
	// FailOn overrides what fails the job: "regression,target".
	FailOn string
	// Profile names the suites' profile to run (--profile).
	Profile string
	// Suites restricts the run to these suites, a comma list (--suite).
	Suites string
	// WorkingDirectory is where the action runs perfgate. action.yml
	// already starts perfgate there (the step's working-directory), so the
	// CLI must not change directory again; it is here for messages.
	WorkingDirectory string
}

// ReadInputs reads the action's inputs from getenv (os.Getenv when nil).
// Before anything else it masks the token by writing an add-mask command to
// stdout, so that the runner hides it in every later log line. A base-ref
// that could pass for a git option is an error the CLI reports as a usage
// error (exit code 2).
func ReadInputs(getenv func(string) string, stdout io.Writer) (Inputs, error) {
	act := newAction(getenv, stdout)
	in := Inputs{Token: act.GetInput(inputName(EnvToken))}
	if in.Token != "" {
		if err := mask(act, in.Token); err != nil {
			return Inputs{}, err
		}
	}
	in.Config = act.GetInput(inputName(EnvConfig))
	in.BaseRef = act.GetInput(inputName(EnvBaseRef))
	in.Comment = act.GetInput(inputName(EnvComment))
	in.FailOn = act.GetInput(inputName(EnvFailOn))
	in.WorkingDirectory = act.GetInput(inputName(EnvWorkingDirectory))
	in.Profile = act.GetInput(inputName(EnvProfile))
	in.Suites = act.GetInput(inputName(EnvSuites))
	if strings.HasPrefix(in.BaseRef, "-") {
		// The ref ends up as an argument of git; refuse option lookalikes.
		return Inputs{}, fmt.Errorf("input base-ref %q: a git ref cannot start with '-'", in.BaseRef)
	}
	return in, nil
}

// inputName turns INPUT_GITHUB_TOKEN into github_token, the name GetInput
// maps back to that variable.
func inputName(env string) string {
	return strings.ToLower(strings.TrimPrefix(env, "INPUT_"))
}

// newAction returns a go-githubactions Action writing workflow commands to
// stdout (os.Stdout when nil) and reading the environment with getenv
// (os.Getenv when nil).
func newAction(getenv func(string) string, stdout io.Writer) *githubactions.Action {
	if getenv == nil {
		getenv = os.Getenv
	}
	if stdout == nil {
		stdout = os.Stdout
	}
	return githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(stdout))
}
