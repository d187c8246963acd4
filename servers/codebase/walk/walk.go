package walk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"unicode/utf8"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/perfgate/perfgate/servers/codebase"
)

// DefaultMaxFileSize is the size limit when Config.MaxFileSize is 0: 1 MiB.
const DefaultMaxFileSize = 1 << 20

// binarySniff is how much of a file is searched for a NUL byte.
const binarySniff = 8 << 10

// Config tunes a walk. The zero value is ready to use.
type Config struct {
	// MaxFileSize skips larger files as too_large. Default DefaultMaxFileSize.
	MaxFileSize int64
	// Exclude holds extra gitignore patterns applied at the root, above
	// DefaultExcludes and below .git/info/exclude and .gitignore files.
	Exclude []string
	// NoDefaultExcludes drops DefaultExcludes (".git" included).
	NoDefaultExcludes bool
	// Concurrency is how many files are read at once. Default GOMAXPROCS.
	Concurrency int
}

func (c Config) withDefaults() Config {
	if c.MaxFileSize <= 0 {
		c.MaxFileSize = DefaultMaxFileSize
	}
	if c.Concurrency <= 0 {
		c.Concurrency = runtime.GOMAXPROCS(0)
	}
	return c
}

// Result is what a walk found: the files to index and the entries it left
// out, each sorted by path.
type Result struct {
	Files   []codebase.File
	Skipped []codebase.Skipped
}

// VisitFunc receives each file to index with its content, which it may keep.
// It is called from up to Config.Concurrency goroutines at once, in no
// particular order. An error stops the walk, and WalkFunc returns it.
type VisitFunc func(f codebase.File, content []byte) error

// Walk lists the files under root that are worth indexing, and the entries it
// skipped with the reason. See the package documentation for the rules.
func Walk(ctx context.Context, root string, cfg Config) (*Result, error) {
	return WalkFunc(ctx, root, cfg, nil)
}

// WalkFunc is Walk that also hands each file's content to visit (if not nil),
// so a caller that indexes reads every file once.
func WalkFunc(ctx context.Context, root string, cfg Config, visit VisitFunc) (*Result, error) {
	w, err := newWalker(root, cfg, visit)
	if err != nil {
		return nil, err
	}
	return w.run(ctx)
}

type walker struct {
	cfg   Config
	root  string // absolute, symbolic links resolved
	visit VisitFunc

	// beforeOpen, if set, runs before a file is opened: a test seam for files
	// that vanish or turn unreadable during the walk.
	beforeOpen func(abs string)

	defaults *nameRules

	mu      sync.Mutex
	files   []codebase.File
	skipped []codebase.Skipped
}

type job struct {
	rel string // slash-separated, relative to the root
	abs string // what to open
}

func newWalker(root string, cfg Config, visit VisitFunc) (*walker, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("walk %s: not a directory", root)
	}
	return &walker{cfg: cfg.withDefaults(), root: real, visit: visit}, nil
}

func (w *walker) run(ctx context.Context) (*Result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	w.defaults = newNameRules(nil, "default")
	if !w.cfg.NoDefaultExcludes {
		w.defaults = newNameRules(DefaultExcludes, "default")
	}
	rs := rules(nil).with([]byte(strings.Join(w.cfg.Exclude, "\n")), nil, "config")
	if gd := gitDir(w.root); gd != "" {
		if data, err := os.ReadFile(filepath.Join(gd, "info", "exclude")); err == nil {
			rs = rs.with(data, nil, ".git/info/exclude")
		}
	}

	jobs := make(chan job, 256)
	var wg sync.WaitGroup
	for range w.cfg.Concurrency {
		wg.Go(func() {
			var buf bytes.Buffer
			for j := range jobs {
				if ctx.Err() != nil {
					continue // drain
				}
				if err := w.read(j, &buf); err != nil {
					cancel(err)
				}
			}
		})
	}
	err := w.dir(ctx, nil, w.root, rs, jobs)
	close(jobs)
	wg.Wait()
	// A worker's failure cancels ctx with it as the cause; the directory
	// walk then stops with ctx's error, which must not hide it.
	if cause := context.Cause(ctx); cause != nil && (err == nil || errors.Is(err, ctx.Err())) {
		err = cause
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(w.files, func(a, b codebase.File) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(w.skipped, func(a, b codebase.Skipped) int { return strings.Compare(a.Path, b.Path) })
	return &Result{Files: w.files, Skipped: w.skipped}, nil
}

// dir walks one directory: parts are its path components from the root
// (nil for the root), abs its path on disk.
func (w *walker) dir(ctx context.Context, parts []string, abs string, rs rules, jobs chan<- job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rel := strings.Join(parts, "/")
	entries, err := os.ReadDir(abs)
	if err != nil {
		if parts == nil {
			return fmt.Errorf("walk %s: %w", abs, err)
		}
		w.skipErr(rel, true, err)
		if len(entries) == 0 {
			return nil
		}
	}
	for _, e := range entries {
		if e.Name() == ".gitignore" && e.Type().IsRegular() {
			data, err := os.ReadFile(filepath.Join(abs, ".gitignore"))
			if err == nil {
				rs = rs.with(data, parts, joinRel(rel, ".gitignore"))
			}
			break
		}
	}
	for _, e := range entries {
		name := e.Name()
		childParts := append(parts[:len(parts):len(parts)], name)
		childRel := joinRel(rel, name)
		childAbs := filepath.Join(abs, name)
		typ := e.Type()
		if excluded, r := w.excluded(rs, childParts, typ.IsDir()); excluded {
			w.skip(childRel, typ.IsDir(), codebase.SkipIgnored, ignoredDetail(r))
			continue
		}
		switch {
		case typ.IsDir():
			if err := w.dir(ctx, childParts, childAbs, rs, jobs); err != nil {
				return err
			}
		case typ&fs.ModeSymlink != 0:
			j, ok := w.symlink(childRel, childAbs)
			if !ok {
				continue
			}
			if err := send(ctx, jobs, j); err != nil {
				return err
			}
		case typ.IsRegular():
			if err := send(ctx, jobs, job{rel: childRel, abs: childAbs}); err != nil {
				return err
			}
		default:
			w.skip(childRel, false, codebase.SkipUnreadable, "not a regular file ("+typ.Type().String()+")")
		}
	}
	return nil
}

// excluded applies the patterns from the configuration, .git/info/exclude
// and .gitignore files, then, if none matched, the defaults.
func (w *walker) excluded(rs rules, parts []string, isDir bool) (bool, *rule) {
	switch r, by := rs.match(parts, isDir); r {
	case gitignore.Exclude:
		return true, by
	case gitignore.Include:
		return false, nil
	}
	return w.defaults.match(parts, isDir)
}

func send(ctx context.Context, jobs chan<- job, j job) error {
	select {
	case jobs <- j:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// symlink decides what to do with a symbolic link: a link to a regular file
// inside the root is read through its target; anything else is skipped.
func (w *walker) symlink(rel, abs string) (job, bool) {
	target, err := filepath.EvalSymlinks(abs)
	if err != nil {
		switch {
		case isLoop(err):
			w.skip(rel, false, codebase.SkipUnreadable, "symbolic link loop")
		case errors.Is(err, fs.ErrNotExist):
			if _, lerr := os.Lstat(abs); errors.Is(lerr, fs.ErrNotExist) {
				w.skip(rel, false, codebase.SkipVanished, "removed during the walk")
			} else {
				w.skip(rel, false, codebase.SkipUnreadable, "dangling symbolic link")
			}
		default:
			w.skip(rel, false, codebase.SkipUnreadable, cleanErr(err))
		}
		return job{}, false
	}
	if !within(w.root, target) {
		w.skip(rel, false, codebase.SkipSymlinkOutside, "points outside the root")
		return job{}, false
	}
	fi, err := os.Stat(target)
	if err != nil {
		w.skipErr(rel, false, err)
		return job{}, false
	}
	switch {
	case fi.IsDir():
		to, _ := filepath.Rel(w.root, target)
		w.skip(rel, true, codebase.SkipSymlinkDir, "links to "+filepath.ToSlash(to)+", walked under its own path")
		return job{}, false
	case !fi.Mode().IsRegular():
		w.skip(rel, false, codebase.SkipUnreadable, "links to something that is not a regular file")
		return job{}, false
	}
	return job{rel: rel, abs: target}, true
}

// read opens, checks and hashes one file, and records it as a file or a
// skipped entry. Its error is the visit function's.
func (w *walker) read(j job, buf *bytes.Buffer) error {
	if w.beforeOpen != nil {
		w.beforeOpen(j.abs)
	}
	f, err := os.OpenFile(j.abs, os.O_RDONLY|openFlags, 0)
	if err != nil {
		if isLoop(err) {
			w.skip(j.rel, false, codebase.SkipUnreadable, "replaced by a symbolic link during the walk")
		} else {
			w.skipErr(j.rel, false, err)
		}
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		w.skipErr(j.rel, false, err)
		return nil
	}
	if !fi.Mode().IsRegular() {
		w.skip(j.rel, false, codebase.SkipUnreadable, "not a regular file")
		return nil
	}
	max := w.cfg.MaxFileSize
	if fi.Size() > max {
		w.skip(j.rel, false, codebase.SkipTooLarge, tooLarge(fi.Size(), max))
		return nil
	}
	if w.visit != nil {
		buf = new(bytes.Buffer) // the visit function keeps the content
	}
	buf.Reset()
	buf.Grow(int(fi.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		w.skipErr(j.rel, false, err)
		return nil
	}
	data := buf.Bytes()
	if int64(len(data)) > max {
		w.skip(j.rel, false, codebase.SkipTooLarge, "grew past the limit during the walk")
		return nil
	}
	if bytes.IndexByte(data[:min(len(data), binarySniff)], 0) >= 0 {
		w.skip(j.rel, false, codebase.SkipBinary, "NUL byte in the first 8 KiB")
		return nil
	}
	if !utf8.Valid(data) {
		w.skip(j.rel, false, codebase.SkipInvalidUTF8, "not valid UTF-8")
		return nil
	}
	sum := sha256.Sum256(data)
	file := codebase.File{
		Path:     j.rel,
		Language: LanguageOf(j.rel),
		Size:     int64(len(data)),
		Hash:     hex.EncodeToString(sum[:]),
	}
	w.mu.Lock()
	w.files = append(w.files, file)
	w.mu.Unlock()
	if w.visit != nil {
		if err := w.visit(file, data); err != nil {
			return fmt.Errorf("visit %s: %w", j.rel, err)
		}
	}
	return nil
}

func (w *walker) skip(rel string, dir bool, reason codebase.SkipReason, detail string) {
	w.mu.Lock()
	w.skipped = append(w.skipped, codebase.Skipped{Path: rel, Dir: dir, Reason: reason, Detail: detail})
	w.mu.Unlock()
}

// readFailure classifies an error from opening or reading an entry that was
// listed a moment ago.
func readFailure(err error) (codebase.SkipReason, string) {
	if errors.Is(err, fs.ErrNotExist) {
		return codebase.SkipVanished, "removed during the walk"
	}
	return codebase.SkipUnreadable, cleanErr(err)
}

// cleanErr drops the path from an os error: the entry's path is beside it.
func cleanErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

func isLoop(err error) bool {
	return errors.Is(err, syscall.ELOOP) || strings.Contains(err.Error(), "too many links")
}

func ignoredDetail(r *rule) string {
	if r.source == "default" || r.source == "config" {
		return fmt.Sprintf("matches %q (%s)", r.text, r.source)
	}
	return fmt.Sprintf("matches %q in %s", r.text, r.source)
}

func tooLarge(size, max int64) string {
	return fmt.Sprintf("%d bytes, limit %d", size, max)
}

func joinRel(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// within reports whether path is root or below it. Both are clean absolute
// paths with symbolic links resolved.
func within(root, path string) bool {
	if path == root {
		return true
	}
	if root == string(filepath.Separator) {
		return strings.HasPrefix(path, root)
	}
	return strings.HasPrefix(path, root+string(filepath.Separator))
}

func (w *walker) skipErr(rel string, dir bool, err error) {
	reason, detail := readFailure(err)
	w.skip(rel, dir, reason, detail)
}
