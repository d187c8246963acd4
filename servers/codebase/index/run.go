package index

import (
	"context"
	"maps"
	"slices"
	"sync"
)

// run is a job of this engine while it is queued or running: its state,
// guarded by mu, the context that cancels it, and who watches its
// progress.
type run struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{} // closed once the final state is saved

	mu       sync.Mutex
	job      Job
	watchers map[int]ProgressFunc
	next     int
}

func newRun(j Job, progress ProgressFunc) *run {
	ctx, cancel := context.WithCancelCause(context.Background())
	r := &run{ctx: ctx, cancel: cancel, done: make(chan struct{}), job: j, watchers: map[int]ProgressFunc{}}
	if progress != nil {
		r.watch(progress)
	}
	return r
}

// snapshot returns a copy of the job, safe to keep.
func (r *run) snapshot() Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	j := r.job
	j.Counts.SkippedByReason = maps.Clone(j.Counts.SkippedByReason)
	j.Warnings = slices.Clone(j.Warnings)
	return j
}

// update changes the job under the lock.
func (r *run) update(f func(j *Job)) {
	r.mu.Lock()
	f(&r.job)
	r.mu.Unlock()
}

// skip counts a file left out for reason.
func (r *run) skip(reason string) {
	r.update(func(j *Job) {
		if j.Counts.SkippedByReason == nil {
			j.Counts.SkippedByReason = map[string]int{}
		}
		j.Counts.SkippedByReason[reason]++
		j.Counts.FilesSkipped++
		j.Counts.FilesDone++
	})
}

// watch adds a progress watcher and returns the function that removes it.
func (r *run) watch(f ProgressFunc) func() {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.next
	r.next++
	r.watchers[id] = f
	return func() {
		r.mu.Lock()
		delete(r.watchers, id)
		r.mu.Unlock()
	}
}

// progress returns the job's progress.
func (r *run) progress() Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.job.Counts
	return Progress{JobID: r.job.ID, State: r.job.State, FilesDone: c.FilesDone, FilesTotal: c.FilesTotal,
		ChunksWritten: c.ChunksWritten, ChunksTotal: c.ChunksTotal}
}

// report sends the progress to every watcher.
func (r *run) report() {
	p := r.progress()
	r.mu.Lock()
	ws := slices.Collect(maps.Values(r.watchers))
	r.mu.Unlock()
	for _, w := range ws {
		w(p)
	}
}
