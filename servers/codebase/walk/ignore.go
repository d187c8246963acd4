package walk

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// DefaultExcludes are gitignore patterns applied at the root of every walk
// unless Config.NoDefaultExcludes is set. They have the lowest precedence:
// a .gitignore line such as "!vendor/" brings a directory back.
//
// They cover version-control metadata, directories of vendored or installed
// third-party code, caches, and generated files that are noise in search
// (lock files, minified bundles, source maps). Build output directories
// (build, dist, target) are not listed: they are usually in .gitignore
// already, and some projects keep real source in directories of those names.
var DefaultExcludes = []string{
	".git", ".hg/", ".svn/", ".jj/",
	"vendor/", "third_party/", "node_modules/", "bower_components/",
	"__pycache__/", ".venv/", ".tox/", ".mypy_cache/", ".pytest_cache/", ".ruff_cache/",
	".next/", ".nuxt/", ".gradle/", ".idea/", ".vscode/",
	"*.min.js", "*.min.css", "*.map",
	"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "go.sum", "Cargo.lock", "poetry.lock", "uv.lock",
}

// rule is one parsed gitignore pattern and where it came from, so a skipped
// entry can say which line ignored it.
type rule struct {
	pattern gitignore.Pattern
	text    string
	source  string
	dirOnly bool // set for name rules only
}

// rules is an ordered list of patterns, lowest precedence first, as git
// applies them: the last pattern that matches decides.
type rules []rule

// match returns what the last pattern matching the path (components from
// the root) says, and that pattern.
func (rs rules) match(parts []string, isDir bool) (gitignore.MatchResult, *rule) {
	for i := len(rs) - 1; i >= 0; i-- {
		if r := rs[i].pattern.Match(parts, isDir); r != gitignore.NoMatch {
			return r, &rs[i]
		}
	}
	return gitignore.NoMatch, nil
}

// nameRules holds root-level patterns that match a single name at any depth
// ("node_modules/", "*.min.js") in maps and suffix lists, so that the many
// default patterns cost one lookup per entry instead of a glob match per
// pattern and path component; other patterns go through go-git. Matching
// only the entry's own name is equivalent because a walk never enters an
// excluded directory.
type nameRules struct {
	exact  map[string]rule // by name
	suffix []suffixRule
	other  rules
}

type suffixRule struct {
	suffix string
	rule   rule
}

func newNameRules(patterns []string, source string) *nameRules {
	nr := &nameRules{exact: make(map[string]rule)}
	for _, p := range patterns {
		name := strings.TrimSuffix(p, "/")
		r := rule{pattern: gitignore.ParsePattern(p, nil), text: p, source: source, dirOnly: name != p}
		switch {
		case strings.HasPrefix(p, "!") || strings.HasPrefix(p, "#") || strings.TrimSpace(p) == "" || strings.Contains(name, "/"):
			if !strings.HasPrefix(p, "#") && strings.TrimSpace(p) != "" {
				nr.other = append(nr.other, r)
			}
		case !strings.ContainsAny(name, `*?[\`):
			nr.exact[name] = r
		case strings.HasPrefix(name, "*") && !strings.ContainsAny(name[1:], `*?[\`):
			nr.suffix = append(nr.suffix, suffixRule{suffix: name[1:], rule: r})
		default:
			nr.other = append(nr.other, r)
		}
	}
	return nr
}

// match reports whether the entry is excluded, and by which rule.
func (nr *nameRules) match(parts []string, isDir bool) (bool, *rule) {
	name := parts[len(parts)-1]
	if r, ok := nr.exact[name]; ok && (isDir || !r.dirOnly) {
		return true, &r
	}
	for i := range nr.suffix {
		if s := &nr.suffix[i]; strings.HasSuffix(name, s.suffix) && (isDir || !s.rule.dirOnly) {
			return true, &s.rule
		}
	}
	r, by := nr.other.match(parts, isDir)
	return r == gitignore.Exclude, by
}

// with returns the rules extended by the patterns in data. It never modifies
// rs, whose backing array is shared with the parent directories.
func (rs rules) with(data []byte, domain []string, source string) rules {
	var added rules
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		added = append(added, rule{pattern: gitignore.ParsePattern(line, domain), text: line, source: source})
	}
	if len(added) == 0 {
		return rs
	}
	out := make(rules, 0, len(rs)+len(added))
	return append(append(out, rs...), added...)
}

// gitDir returns the directory holding the repository's info/exclude: the
// .git directory, or for a worktree or submodule whose .git is a file, the
// directory it points to (its common directory for a worktree).
func gitDir(root string) string {
	dotgit := filepath.Join(root, ".git")
	fi, err := os.Stat(dotgit)
	if err != nil {
		return ""
	}
	if fi.IsDir() {
		return dotgit
	}
	data, err := os.ReadFile(dotgit)
	if err != nil {
		return ""
	}
	dir, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
	if !ok {
		return ""
	}
	dir = strings.TrimSpace(dir)
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	if common, err := os.ReadFile(filepath.Join(dir, "commondir")); err == nil {
		c := strings.TrimSpace(string(common))
		if !filepath.IsAbs(c) {
			c = filepath.Join(dir, c)
		}
		return c
	}
	return dir
}
