package github

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// actionFile is action.yml as far as these tests read it.
type actionFile struct {
	Inputs  map[string]struct{ Default string }
	Outputs map[string]struct{ Value string }
	Runs    struct {
		Using string
		Steps []actionStep
	}
}

type actionStep struct {
	ID               string
	If               string
	Uses             string
	Run              string
	Shell            string
	WorkingDirectory string `yaml:"working-directory"`
	Env              map[string]string
	With             map[string]string
}

func readAction(t *testing.T) actionFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a
}

// TestActionInputsReachPerfgateThroughEnv checks action.yml against what
// ReadInputs reads, and that no ${{ }} expression is spliced into a script,
// where an input such as a branch name could inject shell code.
func TestActionInputsReachPerfgateThroughEnv(t *testing.T) {
	t.Parallel()
	a := readAction(t)
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", a.Runs.Using)
	}
	wantInputs := map[string]string{
		"config": "perfgate.yml", "github-token": "${{ github.token }}", "base-ref": "",
		"comment": "", "fail-on": "", "working-directory": ".", "profile": "", "suites": "",
	}
	for name, def := range wantInputs {
		in, ok := a.Inputs[name]
		if !ok {
			t.Errorf("input %s missing", name)
		} else if in.Default != def {
			t.Errorf("input %s default %q, want %q", name, in.Default, def)
		}
	}
	if len(a.Inputs) != len(wantInputs) {
		t.Errorf("inputs %v, want exactly %v", keys(a.Inputs), keys(wantInputs))
	}
	for _, o := range []string{OutputVerdict, OutputRegressions, OutputReportPath} {
		if got, want := a.Outputs[o].Value, "${{ steps.run.outputs."+o+" }}"; got != want {
			t.Errorf("output %s = %q, want %q", o, got, want)
		}
	}

	expr := regexp.MustCompile(`\$\{\{`)
	var run *actionStep
	for i, s := range a.Runs.Steps {
		if expr.MatchString(s.Run) {
			t.Errorf("step %d (%s) interpolates an expression into its script:\n%s", i, s.ID, s.Run)
		}
		if s.Run != "" && s.Shell != "bash" {
			t.Errorf("step %d (%s): shell %q, want bash", i, s.ID, s.Shell)
		}
		if s.ID == "run" {
			run = &a.Runs.Steps[i]
		}
	}
	if run == nil {
		t.Fatal("no step with id run")
	}
	wantEnv := map[string]string{
		EnvConfig:           "config",
		EnvToken:            "github-token",
		EnvBaseRef:          "base-ref",
		EnvComment:          "comment",
		EnvFailOn:           "fail-on",
		EnvWorkingDirectory: "working-directory",
		EnvProfile:          "profile",
		EnvSuites:           "suites",
	}
	for env, input := range wantEnv {
		if got, want := run.Env[env], "${{ inputs."+input+" }}"; got != want {
			t.Errorf("run step env %s = %q, want %q", env, got, want)
		}
	}
	if run.WorkingDirectory != "${{ inputs.working-directory }}" {
		t.Errorf("run step working-directory %q", run.WorkingDirectory)
	}
	if !strings.Contains(run.Run, " run") {
		t.Errorf("run step does not run `perfgate run`: %q", run.Run)
	}

	var setup bool
	for _, s := range a.Runs.Steps {
		if strings.HasPrefix(s.Uses, "actions/setup-go@") {
			setup = true
			if s.If != "steps.go.outputs.setup == 'true'" {
				t.Errorf("setup-go runs unconditionally (if: %q)", s.If)
			}
		}
	}
	if !setup {
		t.Error("no actions/setup-go step for runners without a recent Go")
	}
}

// TestActionGoCheck runs the step that decides whether setup-go is needed
// against fake `go` commands.
func TestActionGoCheck(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	var script string
	for _, s := range readAction(t).Runs.Steps {
		if s.ID == "go" {
			script = s.Run
		}
	}
	if script == "" {
		t.Fatal("no step with id go")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	want := modGoVersion(t, filepath.Join(root, "go.mod"))
	for _, tt := range []struct {
		goversion string // "" means no go on PATH
		setup     string
	}{
		{"", "true"},
		{"go1.22.5", "true"},
		{"go1.25.9", "true"},
		{"go" + want, "false"},
		{"go1.26.8", "false"},
		{"go1.27rc1", "false"},
		{"go1.30.0 X:nodwarf5", "false"},
	} {
		bin := t.TempDir()
		if tt.goversion != "" {
			fake := "#!/bin/sh\ncase \"$1\" in\n  version) echo \"go version " + tt.goversion + " linux/amd64\" ;;\n  env) echo \"" + tt.goversion + "\" ;;\nesac\n"
			if err := os.WriteFile(filepath.Join(bin, "go"), []byte(fake), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		// The script needs only coreutils, awk and sed besides go.
		for _, tool := range []string{"awk", "sed", "sort", "head", "printf"} {
			if p, err := exec.LookPath(tool); err == nil {
				_ = os.Symlink(p, filepath.Join(bin, tool))
			}
		}
		out := filepath.Join(t.TempDir(), "output")
		cmd := exec.Command(bash, "-e", "-c", script)
		cmd.Env = []string{"PATH=" + bin, "GITHUB_ACTION_PATH=" + root, "GITHUB_OUTPUT=" + out}
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %q: %v\n%s", tt.goversion, err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		wantOut := "setup=" + tt.setup + "\ngo-mod=" + root + "/go.mod\n"
		if string(b) != wantOut {
			t.Errorf("runner Go %q: outputs %q, want %q", tt.goversion, b, wantOut)
		}
	}
}

// modGoVersion returns the go directive of a go.mod file.
func modGoVersion(t *testing.T, gomod string) string {
	t.Helper()
	b, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "go "); ok {
			return v
		}
	}
	t.Fatal("no go directive in go.mod")
	return ""
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
