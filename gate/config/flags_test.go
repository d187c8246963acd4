package config_test

import (
	"path/filepath"
	"testing"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/config"
)

func TestParseFailOn(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want gate.FailOn
		err  string
	}{
		{"regression,target", gate.FailOn{Regression: true, Target: true}, ""},
		{"test regression", gate.FailOn{Regression: true, Test: true}, ""},
		{"", gate.FailOn{}, "fail-on is empty; list at least one of regression, target, test"},
		{"regressions", gate.FailOn{}, `fail-on: unknown finding "regressions"; use one of regression, target, test (did you mean "regression"?)`},
	} {
		got, err := config.ParseFailOn(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseFailOn(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseFailOn(%q) = %+v, %v, want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseCommentMode(t *testing.T) {
	t.Parallel()
	if m, err := config.ParseCommentMode("alert"); err != nil || m != gate.CommentAlert {
		t.Errorf("ParseCommentMode(alert) = %q, %v", m, err)
	}
	_, err := config.ParseCommentMode("allways")
	if want := `comment: unknown comment mode "allways"; use one of always, changed, alert, never (did you mean "always"?)`; err == nil || err.Error() != want {
		t.Errorf("ParseCommentMode(allways) = %v, want %q", err, want)
	}
}

func TestBaselineDir(t *testing.T) {
	t.Parallel()
	c := &gate.Config{Baselines: "baselines"}
	if got := config.BaselineDir(filepath.Join("repo", "perfgate.yml"), c, ""); got != filepath.Join("repo", "baselines") {
		t.Errorf("BaselineDir = %q", got)
	}
	c.Baselines = "/abs/b"
	if got := config.BaselineDir("perfgate.yml", c, ""); got != "/abs/b" {
		t.Errorf("BaselineDir = %q", got)
	}
	if got := config.BaselineDir("perfgate.yml", c, "quick"); got != filepath.Join("/abs/b", "quick") {
		t.Errorf("BaselineDir(profile quick) = %q", got)
	}
}
