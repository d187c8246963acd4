package cbserver

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/perfgate/perfgate/servers/codebase/index"
)

// barWidth is the width of the progress bar on a terminal, in cells.
const barWidth = 24

// progressPrinter shows an indexing job's progress on stderr: on a
// terminal, one line redrawn in place with a bar; otherwise a plain line
// at most every interval, for logs. It is safe for concurrent use.
type progressPrinter struct {
	w     io.Writer
	tty   bool
	every time.Duration
	now   func() time.Time

	mu      sync.Mutex
	began   time.Time
	last    time.Time // of the last plain line
	p       index.Progress
	seen    bool // a progress report arrived
	drawn   bool // the terminal line holds a bar
	stopped bool
}

func newProgressPrinter(w io.Writer, tty bool, every time.Duration, now func() time.Time) *progressPrinter {
	return &progressPrinter{w: w, tty: tty, every: every, now: now}
}

// start says what is about to be indexed.
func (pp *progressPrinter) start(root, project, model string) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	pp.began = pp.now()
	pp.last = pp.began
	fmt.Fprintf(pp.w, "indexing %s into project %s with %s\n", root, project, model)
}

// update receives a progress report (an index.ProgressFunc).
func (pp *progressPrinter) update(p index.Progress) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if pp.stopped {
		return
	}
	pp.p, pp.seen = p, true
	now := pp.now()
	switch {
	case pp.tty:
		fmt.Fprintf(pp.w, "\r%s\x1b[K", pp.bar(now))
		pp.drawn = true
	case now.Sub(pp.last) >= pp.every:
		pp.last = now
		fmt.Fprintln(pp.w, pp.line(now))
	}
}

// finish ends the display with the last progress seen; later reports are
// ignored.
func (pp *progressPrinter) finish() {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if pp.stopped {
		return
	}
	pp.stopped = true
	now := pp.now()
	switch {
	case pp.tty && pp.seen:
		fmt.Fprintf(pp.w, "\r%s\x1b[K\n", pp.bar(now))
	case pp.seen:
		fmt.Fprintln(pp.w, pp.line(now))
	}
}

// line is the plain progress line.
func (pp *progressPrinter) line(now time.Time) string {
	p := pp.p
	elapsed := now.Sub(pp.began).Seconds()
	if p.FilesTotal == 0 {
		return fmt.Sprintf("indexing: %s, walking the repository, %.1fs", p.State, elapsed)
	}
	return fmt.Sprintf("indexing: %s, %d/%d files (%d%%), %d/%d chunks written, %.1fs",
		p.State, p.FilesDone, p.FilesTotal, percent(p.FilesDone, p.FilesTotal), p.ChunksWritten, p.ChunksTotal, elapsed)
}

// bar is the terminal's progress line.
func (pp *progressPrinter) bar(now time.Time) string {
	p := pp.p
	elapsed := now.Sub(pp.began).Seconds()
	if p.FilesTotal == 0 {
		return fmt.Sprintf("[%s] walking the repository  %.1fs", strings.Repeat(" ", barWidth), elapsed)
	}
	pc := percent(p.FilesDone, p.FilesTotal)
	full := pc * barWidth / 100
	return fmt.Sprintf("[%s%s] %3d%%  %d/%d files  %d/%d chunks  %.1fs", strings.Repeat("#", full), strings.Repeat(" ", barWidth-full),
		pc, p.FilesDone, p.FilesTotal, p.ChunksWritten, p.ChunksTotal, elapsed)
}

// percent is done/total in whole percent, within 0..100.
func percent(done, total int) int {
	if total <= 0 {
		return 0
	}
	return min(100, max(0, done*100/total))
}

// isTerminal reports whether w is a character device, a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
