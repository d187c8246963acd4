package cbserver

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/servers/codebase/index"
)

// fakeClock advances by step at every reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(step)
		return t
	}
}

// On a terminal the line is redrawn in place with a bar and ended once.
func TestProgressTerminal(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	pp := newProgressPrinter(&b, true, time.Hour, fakeClock(time.Second))
	pp.start("/r", "p", "m")
	pp.update(index.Progress{State: index.JobRunning})
	pp.update(index.Progress{State: index.JobRunning, FilesDone: 50, FilesTotal: 100, ChunksWritten: 10, ChunksTotal: 40})
	pp.finish()
	pp.update(index.Progress{State: index.JobSucceeded, FilesDone: 100, FilesTotal: 100})
	pp.finish()
	want := "indexing /r into project p with m\n" +
		"\r[                        ] walking the repository  1.0s\x1b[K" +
		"\r[############            ]  50%  50/100 files  10/40 chunks  2.0s\x1b[K" +
		"\r[############            ]  50%  50/100 files  10/40 chunks  3.0s\x1b[K\n"
	if got := b.String(); got != want {
		t.Errorf("terminal output\n%q\nwant\n%q", got, want)
	}
}

// Elsewhere a plain line is printed at most every interval, and the last
// state once at the end.
func TestProgressPlain(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	pp := newProgressPrinter(&b, false, 5*time.Second, fakeClock(2*time.Second))
	pp.start("/r", "p", "m")
	for i := 1; i <= 5; i++ {
		pp.update(index.Progress{State: index.JobRunning, FilesDone: i, FilesTotal: 5, ChunksWritten: i, ChunksTotal: 5})
	}
	pp.finish()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := []string{
		"indexing /r into project p with m",
		"indexing: running, 3/5 files (60%), 3/5 chunks written, 6.0s",
		"indexing: running, 5/5 files (100%), 5/5 chunks written, 12.0s",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") || strings.Contains(b.String(), "\r") {
		t.Errorf("plain output\n%s\nwant\n%s", b.String(), strings.Join(want, "\n"))
	}
}

func TestPercent(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ done, total, want int }{{0, 0, 0}, {1, 3, 33}, {3, 3, 100}, {4, 3, 100}, {-1, 3, 0}} {
		if got := percent(c.done, c.total); got != c.want {
			t.Errorf("percent(%d, %d) = %d, want %d", c.done, c.total, got, c.want)
		}
	}
}
