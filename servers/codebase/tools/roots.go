package tools

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/perfgate/perfgate/servers/internal/tool"
)

// Roots are the directories under which the tools may read repositories.
type Roots struct {
	dirs []string // absolute, cleaned, symbolic links resolved
}

// NewRoots checks that each path is a directory and returns the roots,
// made absolute (relative to the working directory) with symbolic links
// resolved. At least one is required.
func NewRoots(paths []string) (Roots, error) {
	if len(paths) == 0 {
		return Roots{}, errors.New("no root: give at least one directory with --root")
	}
	var r Roots
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return Roots{}, fmt.Errorf("root %s: %w", p, err)
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return Roots{}, fmt.Errorf("root %s: %w", p, err)
		}
		fi, err := os.Stat(real)
		if err != nil {
			return Roots{}, fmt.Errorf("root %s: %w", p, err)
		}
		if !fi.IsDir() {
			return Roots{}, fmt.Errorf("root %s is not a directory", p)
		}
		r.dirs = append(r.dirs, real)
	}
	return r, nil
}

// Dirs returns the roots.
func (r Roots) Dirs() []string { return append([]string(nil), r.dirs...) }

func (r Roots) list() string { return strings.Join(r.dirs, ", ") }

// Resolve checks a repository path given to a tool: absolute, existing, a
// directory, and under one of the roots once symbolic links are resolved.
// It returns the resolved path, or a *tool.UserError that lists the roots.
func (r Roots) Resolve(path string) (string, error) {
	if strings.TrimSpace(path) == "" {
		return "", tool.Errorf("path is empty: pass the absolute path of a directory under one of the allowed roots: %s", r.list())
	}
	if !filepath.IsAbs(path) {
		return "", tool.Errorf("path %q is relative: pass an absolute path, under one of the allowed roots: %s", path, r.list())
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", tool.Errorf("path %q does not exist: pass an existing directory under one of the allowed roots: %s", path, r.list())
	case err != nil:
		return "", tool.Errorf("path %q cannot be read (%v): pass a readable directory under one of the allowed roots: %s", path, errors.Unwrap(err), r.list())
	case !fi.IsDir():
		return "", tool.Errorf("path %q is not a directory: pass the repository's directory, under one of the allowed roots: %s", path, r.list())
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(path))
	if err != nil {
		return "", tool.Errorf("path %q cannot be resolved (%v): pass a directory under one of the allowed roots: %s", path, errors.Unwrap(err), r.list())
	}
	for _, d := range r.dirs {
		if within(d, real) {
			return real, nil
		}
	}
	return "", tool.Errorf("path %q is outside the allowed roots %s: pass a directory under one of them, or start codebase-mcp with --root for it", path, r.list())
}

// within reports whether p is dir or under it.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)))
}
