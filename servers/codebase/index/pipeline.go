package index

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/perfgate/perfgate/servers/codebase"
	"github.com/perfgate/perfgate/servers/codebase/walk"
)

// execute runs a job to its end and saves its final state.
func (e *Engine) execute(rn *run) {
	defer func() {
		e.mu.Lock()
		delete(e.runs, rn.job.ID)
		e.mu.Unlock()
		close(rn.done)
	}()
	ctx := rn.ctx
	start := time.Now()
	rn.update(func(j *Job) {
		j.State, j.StartedAt = JobRunning, start
		j.Timings.QueuedMS = start.Sub(j.CreatedAt).Milliseconds()
	})
	err := context.Cause(ctx) // cancelled while queued
	if err == nil {
		j := rn.snapshot()
		if _, err = e.store.SaveJob(ctx, &j); err == nil {
			e.log.Info("indexing", "job_id", j.ID, "project", j.Project, "repository", j.Repository, "force", j.Force)
			stop, stopped := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(stopped)
				e.watch(rn, stop)
			}()
			err = e.index(ctx, rn)
			close(stop)
			<-stopped
		}
	}
	end := time.Now()
	rn.update(func(j *Job) {
		j.FinishedAt = end
		j.Timings.TotalMS = end.Sub(start).Milliseconds()
		switch cause := context.Cause(ctx); {
		case err == nil:
			j.State = JobSucceeded
		case errors.Is(cause, errCancelled):
			j.State, j.Error = JobCancelled, errCancelled.Error()
		case errors.Is(cause, errStopped):
			j.State, j.Error = JobFailed, ReasonServerStopped
		default:
			j.State, j.Error = JobFailed, err.Error()
		}
	})
	e.saveFinal(rn)
	j := rn.snapshot()
	e.log.Info("indexed", "job_id", j.ID, "project", j.Project, "state", j.State, "error", j.Error,
		"files_indexed", j.Counts.FilesIndexed, "files_unchanged", j.Counts.FilesUnchanged, "files_deleted", j.Counts.FilesDeleted,
		"chunks_written", j.Counts.ChunksWritten, "total_ms", j.Timings.TotalMS)
	rn.report()
}

// watch reports a running job's progress and saves it as its heartbeat,
// until stop; a cancellation requested by another server cancels it.
func (e *Engine) watch(rn *run, stop <-chan struct{}) {
	tick := time.NewTicker(e.cfg.ProgressInterval)
	defer tick.Stop()
	lastSave := time.Now()
	var last Progress
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		if p := rn.progress(); p != last {
			last = p
			rn.report()
		}
		if time.Since(lastSave) >= e.cfg.HeartbeatInterval {
			lastSave = time.Now()
			j := rn.snapshot()
			cancel, err := e.store.SaveJob(rn.ctx, &j)
			if err != nil && rn.ctx.Err() == nil {
				e.log.Warn("save job progress", "job_id", j.ID, "error", err)
			}
			if cancel {
				rn.cancel(errCancelled)
			}
		}
	}
}

// index is a job's work: walk, compare with the index, chunk, embed and
// write what changed, delete what is gone, commit.
func (e *Engine) index(ctx context.Context, rn *run) error {
	j := rn.snapshot()
	dim := e.emb.Dimension()
	if dim == 0 {
		// An embedder that learns its dimension from its first answer.
		vs, err := e.emb.Embed(ctx, []string{"dimension"})
		if err != nil {
			return fmt.Errorf("embedder: %w", err)
		}
		dim = len(vs[0])
	}

	t := time.Now()
	res, err := walk.Walk(ctx, j.Repository, e.cfg.Walk)
	if err != nil {
		return fmt.Errorf("walk %s: %w", j.Repository, err)
	}
	sum := res.Summary()
	rn.update(func(j *Job) {
		j.Counts.FilesTotal = len(res.Files)
		j.Counts.FilesSkipped = len(res.Skipped)
		j.Counts.SkippedByReason = map[string]int{}
		for reason, n := range sum.Skipped {
			j.Counts.SkippedByReason[string(reason)] = n
		}
		j.Timings.WalkMS = time.Since(t).Milliseconds()
	})

	if err := e.acquireProject(ctx, j.Project); err != nil {
		return err
	}
	defer e.releaseProject(j.Project)
	load, err := e.open(ctx, Target{Project: j.Project, Root: j.Repository, Model: e.emb.Model(), Dimension: dim, Force: j.Force, JobID: j.ID})
	if err != nil {
		return err
	}
	defer func() {
		if err := load.Close(ctx); err != nil {
			e.log.Error("close index load", "job_id", j.ID, "error", err)
		}
	}()
	indexed, err := load.Indexed(ctx)
	if err != nil {
		return err
	}
	var todo []codebase.File
	seen := make(map[string]bool, len(res.Files))
	for _, f := range res.Files {
		seen[f.Path] = true
		if h, ok := indexed[f.Path]; !ok || h != f.Hash {
			todo = append(todo, f)
		}
	}
	var deleted []string
	for p := range indexed {
		if !seen[p] {
			deleted = append(deleted, p)
		}
	}
	unchanged := len(res.Files) - len(todo)
	rn.update(func(j *Job) {
		j.Counts.FilesUnchanged, j.Counts.FilesDone = unchanged, unchanged
	})
	if err := load.Begin(ctx, Plan{Write: len(todo), Delete: len(deleted)}); err != nil {
		return err
	}

	t = time.Now()
	gone, err := e.pipeline(ctx, rn, j.Repository, dim, todo, indexed, load)
	rn.update(func(j *Job) { j.Timings.IndexMS = time.Since(t).Milliseconds() })
	if err != nil {
		return err
	}
	deleted = append(deleted, gone...)

	t = time.Now()
	warnings, err := load.Commit(ctx, deleted)
	if err != nil {
		return err
	}
	rn.update(func(j *Job) {
		j.Counts.FilesDeleted = len(deleted)
		j.Warnings = append(j.Warnings, warnings...)
		j.Timings.FinalizeMS = time.Since(t).Milliseconds()
	})
	return nil
}

// open opens the project for writing, waiting while another server
// writes it.
func (e *Engine) open(ctx context.Context, t Target) (Load, error) {
	for {
		load, err := e.store.Open(ctx, t)
		if !errors.Is(err, ErrProjectBusy) {
			return load, err
		}
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-time.After(e.cfg.BusyRetry):
		}
	}
}

// chunked is a file read and cut into chunks.
type chunked struct {
	file   codebase.File
	chunks []codebase.Chunk
}

// pipeline reads and chunks the files to index on ChunkWorkers goroutines,
// embeds their chunks in batches, and writes each batch while the next is
// embedded. It returns the paths of indexed files it found unindexable
// (gone, grown too large, turned binary): they are to be deleted.
func (e *Engine) pipeline(ctx context.Context, rn *run, root string, dim int, todo []codebase.File,
	indexed map[string]string, load Load) ([]string, error) {
	g, ctx := errgroup.WithContext(ctx)
	files := make(chan codebase.File)
	out := make(chan chunked, 4*e.cfg.ChunkWorkers)
	batches := make(chan []FileChunks, 1)
	var goneMu sync.Mutex
	var gone []string

	g.Go(func() error {
		defer close(files)
		for _, f := range todo {
			select {
			case files <- f:
			case <-ctx.Done():
				return nil
			}
		}
		return nil
	})
	var workers sync.WaitGroup
	for range e.cfg.ChunkWorkers {
		workers.Add(1)
		g.Go(func() error {
			defer workers.Done()
			for f := range files {
				if e.cfg.OnRead != nil {
					e.cfg.OnRead(f.Path)
				}
				f, content, reason := readFile(root, f, e.cfg.Walk.MaxFileSize)
				if reason != "" {
					rn.skip(string(reason))
					if _, ok := indexed[f.Path]; ok {
						goneMu.Lock()
						gone = append(gone, f.Path)
						goneMu.Unlock()
					}
					continue
				}
				t := time.Now()
				chunks, err := e.chunker.Chunk(f.Path, f.Language, content)
				if err != nil {
					return fmt.Errorf("chunk %s: %w", f.Path, err)
				}
				d := time.Since(t)
				rn.update(func(j *Job) {
					j.Counts.ChunksTotal += len(chunks)
					j.Timings.ChunkMS += d.Milliseconds()
				})
				select {
				case out <- chunked{file: f, chunks: chunks}:
				case <-ctx.Done():
					return nil
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		workers.Wait()
		close(out)
		return nil
	})
	g.Go(func() error {
		defer close(batches)
		var batch []chunked
		n := 0
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			fcs, err := e.embed(ctx, rn, load, dim, batch)
			if err != nil {
				return err
			}
			batch, n = nil, 0
			select {
			case batches <- fcs:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		for c := range out {
			batch = append(batch, c)
			n += len(c.chunks)
			if n >= e.cfg.BatchChunks {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return flush()
	})
	g.Go(func() error {
		for b := range batches {
			t := time.Now()
			if err := load.Write(ctx, b); err != nil {
				return err
			}
			d := time.Since(t)
			chunks := 0
			for _, f := range b {
				chunks += len(f.Chunks)
			}
			rn.update(func(j *Job) {
				j.Counts.FilesIndexed += len(b)
				j.Counts.FilesDone += len(b)
				j.Counts.ChunksWritten += chunks
				j.Timings.WriteMS += d.Milliseconds()
			})
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return nil, err
	}
	return gone, nil
}

// embed gives every chunk of a batch its vector: the one the index holds
// for its content hash, or one computed by the embedder, once per distinct
// content.
func (e *Engine) embed(ctx context.Context, rn *run, load Load, dim int, batch []chunked) ([]FileChunks, error) {
	var hashes []string
	byHash := map[string]string{}
	chunks := 0
	for _, c := range batch {
		for _, ch := range c.chunks {
			chunks++
			if _, ok := byHash[ch.Hash]; !ok {
				byHash[ch.Hash] = ch.Content
				hashes = append(hashes, ch.Hash)
			}
		}
	}
	vectors, err := load.Embeddings(ctx, hashes)
	if err != nil {
		return nil, err
	}
	var texts, missing []string
	for _, h := range hashes {
		if _, ok := vectors[h]; !ok {
			missing = append(missing, h)
			texts = append(texts, byHash[h])
		}
	}
	t := time.Now()
	if len(texts) > 0 {
		vs, err := e.emb.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("embedder %s: %w", e.emb.Model(), err)
		}
		if len(vs) != len(texts) {
			return nil, fmt.Errorf("embedder %s returned %d vectors for %d texts", e.emb.Model(), len(vs), len(texts))
		}
		for i, v := range vs {
			if len(v) != dim {
				return nil, fmt.Errorf("%w: embedder %s returned a vector of %d dimensions, the index holds %d",
					codebase.ErrEmbedderMismatch, e.emb.Model(), len(v), dim)
			}
			vectors[missing[i]] = v
		}
	}
	d := time.Since(t)
	out := make([]FileChunks, len(batch))
	for i, c := range batch {
		vs := make([][]float32, len(c.chunks))
		for k, ch := range c.chunks {
			vs[k] = vectors[ch.Hash]
		}
		out[i] = FileChunks{File: c.file, Chunks: c.chunks, Vectors: vs}
	}
	rn.update(func(j *Job) {
		j.Counts.EmbeddingsComputed += len(texts)
		j.Counts.EmbeddingsReused += chunks - len(texts)
		j.Timings.EmbedMS += d.Milliseconds()
	})
	return out, nil
}

// readFile reads a file the walk listed, for chunking, and checks it
// again: it may have changed or vanished since. The file's size and hash
// are those of the content read.
func readFile(root string, f codebase.File, maxSize int64) (codebase.File, []byte, codebase.SkipReason) {
	p := filepath.Join(root, filepath.FromSlash(f.Path))
	fi, err := os.Lstat(p)
	if err != nil {
		return f, nil, statReason(err)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		// The walk read a link to a file inside the root under the link's
		// path; it must still point inside.
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			return f, nil, statReason(err)
		}
		realRoot, err := filepath.EvalSymlinks(root)
		if err != nil {
			return f, nil, codebase.SkipUnreadable
		}
		if rel, err := filepath.Rel(realRoot, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return f, nil, codebase.SkipSymlinkOutside
		}
		if fi, err = os.Stat(p); err != nil {
			return f, nil, statReason(err)
		}
	}
	if !fi.Mode().IsRegular() {
		return f, nil, codebase.SkipUnreadable
	}
	if fi.Size() > maxSize {
		return f, nil, codebase.SkipTooLarge
	}
	content, err := os.ReadFile(p)
	if err != nil {
		return f, nil, statReason(err)
	}
	switch {
	case int64(len(content)) > maxSize:
		return f, nil, codebase.SkipTooLarge
	case bytes.IndexByte(content[:min(len(content), 8<<10)], 0) >= 0:
		return f, nil, codebase.SkipBinary
	case !utf8.Valid(content):
		return f, nil, codebase.SkipInvalidUTF8
	}
	sum := sha256.Sum256(content)
	f.Hash, f.Size = hex.EncodeToString(sum[:]), int64(len(content))
	return f, content, ""
}

func statReason(err error) codebase.SkipReason {
	if errors.Is(err, os.ErrNotExist) {
		return codebase.SkipVanished
	}
	return codebase.SkipUnreadable
}
