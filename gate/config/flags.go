package config

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/perfgate/perfgate/gate"
)

// BaselineDir returns the baselines directory of c, which perfgate.yml
// gives relative to itself, as a path usable from the current directory.
// A named profile has baselines of its own in a subdirectory named after
// it (baselines/quick/): its suites run at other sizes, so their results
// are not comparable with the default profile's.
func BaselineDir(configPath string, c *gate.Config, profile string) string {
	dir := c.Baselines
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(filepath.Dir(configPath), dir)
	}
	if profile != "" {
		dir = filepath.Join(dir, profile)
	}
	return dir
}

// ParseFailOn parses a list of findings as a command-line flag or an
// action input gives it, separated by commas or spaces:
// "regression,target". It accepts what fail-on accepts in perfgate.yml.
func ParseFailOn(list string) (gate.FailOn, error) {
	var fo gate.FailOn
	words := strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
	if len(words) == 0 {
		return fo, fmt.Errorf("fail-on is empty; list at least one of %s", strings.Join(FailOnKinds, ", "))
	}
	for _, w := range words {
		switch w {
		case "regression":
			fo.Regression = true
		case "target":
			fo.Target = true
		case "test":
			fo.Test = true
		default:
			return fo, fmt.Errorf("fail-on: unknown finding %q; use one of %s%s", w, strings.Join(FailOnKinds, ", "), didYouMean(w, FailOnKinds))
		}
	}
	return fo, nil
}

// ParseCommentMode parses a comment mode as a command-line flag or an
// action input gives it.
func ParseCommentMode(s string) (gate.CommentMode, error) {
	m := gate.CommentMode(strings.TrimSpace(s))
	if !m.Valid() {
		return "", fmt.Errorf("comment: unknown comment mode %q; use one of %s%s", s, strings.Join(CommentModes, ", "), didYouMean(s, CommentModes))
	}
	return m, nil
}
