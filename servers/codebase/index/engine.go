package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/perfgate/perfgate/servers/codebase"
	"github.com/perfgate/perfgate/servers/codebase/chunk"
	"github.com/perfgate/perfgate/servers/codebase/walk"
)

// Defaults for Config's zero fields.
const (
	DefaultWorkers           = 1
	DefaultQueue             = 64
	DefaultBatchChunks       = 1024
	DefaultHeartbeatInterval = 2 * time.Second
	DefaultStaleAfter        = 15 * time.Second
	DefaultProgressInterval  = 500 * time.Millisecond
	DefaultBusyRetry         = time.Second
)

// Config tunes an Engine. The zero value uses the defaults.
type Config struct {
	// Workers is how many jobs run at once (default 1: a job already uses
	// every core; more jobs queue, in order).
	Workers int
	// Queue bounds the jobs waiting for a worker (default 64); past it
	// Submit fails.
	Queue int
	// ChunkWorkers is how many files are read and chunked at once
	// (default GOMAXPROCS).
	ChunkWorkers int
	// BatchChunks is how many chunks are embedded and written together
	// (default 1024).
	BatchChunks int
	// Walk and Chunk configure the walk and the chunker.
	Walk  walk.Config
	Chunk chunk.Config
	// HeartbeatInterval is how often a running job is saved (default 2s);
	// a job not saved for StaleAfter (default 15s) belongs to a server
	// that is gone, and is failed by Recover or Status.
	HeartbeatInterval time.Duration
	StaleAfter        time.Duration
	// ProgressInterval is the least time between two progress reports of
	// a job (default 500ms).
	ProgressInterval time.Duration
	// BusyRetry is how often a job waiting for a project that another
	// server is writing tries again (default 1s).
	BusyRetry time.Duration
	// Logger receives the jobs' start and end. Nil discards.
	Logger *slog.Logger
	// OnRead, when set, is called with each file's path before the file is
	// read for chunking: a seam for tests that change the repository while
	// a job runs.
	OnRead func(path string)
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.Queue <= 0 {
		c.Queue = DefaultQueue
	}
	if c.ChunkWorkers <= 0 {
		c.ChunkWorkers = runtime.GOMAXPROCS(0)
	}
	if c.BatchChunks <= 0 {
		c.BatchChunks = DefaultBatchChunks
	}
	if c.Walk.MaxFileSize <= 0 {
		c.Walk.MaxFileSize = walk.DefaultMaxFileSize
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if c.StaleAfter <= 0 {
		c.StaleAfter = DefaultStaleAfter
	}
	if c.ProgressInterval <= 0 {
		c.ProgressInterval = DefaultProgressInterval
	}
	if c.BusyRetry <= 0 {
		c.BusyRetry = DefaultBusyRetry
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Request asks for a repository to be indexed.
type Request struct {
	// Root is the repository's absolute path, already checked against the
	// server's roots by the caller.
	Root    string
	Project string // default DefaultProject
	Force   bool
}

// ProgressFunc receives a running job's progress, from one goroutine at a
// time, at most every Config.ProgressInterval and once more when the job
// ends. It must not block for long.
type ProgressFunc func(Progress)

// Engine runs indexing jobs in the background and answers searches. It is
// safe for concurrent use.
type Engine struct {
	store   Store
	emb     codebase.Embedder
	chunker *chunk.Chunker
	cfg     Config
	log     *slog.Logger

	queue chan *run
	wg    sync.WaitGroup

	mu       sync.Mutex
	runs     map[string]*run // queued and running jobs of this engine
	projects map[string]bool // projects a worker is writing
	closed   bool
	stop     chan struct{}
}

// Errors a job's context is cancelled with.
var (
	errCancelled = errors.New("cancelled by cancel_indexing")
	errStopped   = errors.New(ReasonServerStopped)
)

// New returns an Engine that indexes into store with emb, and starts its
// workers. Call Shutdown to stop them.
func New(store Store, emb codebase.Embedder, cfg Config) (*Engine, error) {
	cfg = cfg.WithDefaults()
	ck, err := chunk.New(cfg.Chunk)
	if err != nil {
		return nil, fmt.Errorf("chunker: %w", err)
	}
	e := &Engine{
		store:    store,
		emb:      emb,
		chunker:  ck,
		cfg:      cfg,
		log:      cfg.Logger,
		queue:    make(chan *run, cfg.Queue),
		runs:     map[string]*run{},
		projects: map[string]bool{},
		stop:     make(chan struct{}),
	}
	for range cfg.Workers {
		e.wg.Go(e.worker)
	}
	e.wg.Go(e.heartbeatQueued)
	return e, nil
}

// heartbeatQueued keeps the queued jobs of this engine alive in the store
// while they wait for a worker, so that another server's Recover does not
// take them for the jobs of a stopped server. (Running jobs are saved by
// their own watch.)
func (e *Engine) heartbeatQueued() {
	tick := time.NewTicker(e.cfg.HeartbeatInterval)
	defer tick.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-tick.C:
		}
		e.mu.Lock()
		var queued []*run
		for _, rn := range e.runs {
			if rn.snapshot().State == JobQueued {
				queued = append(queued, rn)
			}
		}
		e.mu.Unlock()
		for _, rn := range queued {
			j := rn.snapshot()
			if j.State != JobQueued {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), e.cfg.HeartbeatInterval)
			cancelled, err := e.store.SaveJob(ctx, &j)
			cancel()
			if err != nil {
				e.log.Warn("save queued job", "job_id", j.ID, "error", err)
			}
			if cancelled {
				rn.cancel(errCancelled)
			}
		}
	}
}

// Embedder is the engine's embedder.
func (e *Engine) Embedder() codebase.Embedder { return e.emb }

// Recover fails the jobs that were queued or running in a server that
// stopped without finishing them, with ReasonServerStopped. Call it at
// start-up, once the database is ready.
func (e *Engine) Recover(ctx context.Context) (int, error) {
	n, err := e.store.FailStaleJobs(ctx, e.cfg.StaleAfter, ReasonServerStopped)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		e.log.Warn("failed jobs of a stopped server", "jobs", n, "reason", ReasonServerStopped)
	}
	return n, nil
}

// Submit creates a job and queues it; it returns at once with the job in
// state queued. progress, if not nil, receives the job's progress. A
// project indexed with another embedder is refused (a *MismatchError)
// unless r.Force.
func (e *Engine) Submit(ctx context.Context, r Request, progress ProgressFunc) (Job, error) {
	if r.Project == "" {
		r.Project = DefaultProject
	}
	if err := ValidateProjectName(r.Project); err != nil {
		return Job{}, err
	}
	if !r.Force {
		if err := e.checkEmbedder(ctx, r.Project); err != nil {
			return Job{}, err
		}
	}
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return Job{}, ErrShuttingDown
	}
	j := Job{Project: r.Project, Repository: r.Root, Force: r.Force, State: JobQueued}
	if err := e.store.CreateJob(ctx, &j); err != nil {
		return Job{}, err
	}
	rn := newRun(j, progress)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		rn.job.State, rn.job.Error = JobFailed, ReasonServerStopped
		e.saveFinal(rn)
		return Job{}, ErrShuttingDown
	}
	select {
	case e.queue <- rn:
	default:
		rn.job.State, rn.job.Error = JobFailed, "too many jobs queued"
		e.saveFinal(rn)
		return Job{}, fmt.Errorf("%d indexing jobs are already queued: wait for some to finish (get_indexing_status) and try again", e.cfg.Queue)
	}
	e.runs[j.ID] = rn
	return rn.snapshot(), nil
}

// checkEmbedder refuses a project indexed with another embedder.
func (e *Engine) checkEmbedder(ctx context.Context, project string) error {
	p, err := e.store.Project(ctx, project)
	var nf *ProjectNotFoundError
	if errors.As(err, &nf) {
		return nil
	}
	if err != nil {
		return err
	}
	dim := e.emb.Dimension()
	if p.Model != e.emb.Model() || (dim != 0 && dim != p.Dimension) {
		return &MismatchError{Project: project, IndexModel: p.Model, IndexDimension: p.Dimension,
			EmbedderModel: e.emb.Model(), EmbedderDimension: dim, Err: codebase.ErrEmbedderMismatch}
	}
	return nil
}

// Status returns a job: as this engine knows it while it runs here,
// otherwise as stored. A job left queued or running by a server that is
// gone is failed first.
func (e *Engine) Status(ctx context.Context, id string) (Job, error) {
	e.mu.Lock()
	rn := e.runs[id]
	e.mu.Unlock()
	if rn != nil {
		return rn.snapshot(), nil
	}
	j, err := e.store.Job(ctx, id)
	if err != nil {
		return Job{}, err
	}
	if !j.State.Final() && time.Since(j.HeartbeatAt) > e.cfg.StaleAfter {
		if _, err := e.Recover(ctx); err != nil {
			return Job{}, err
		}
		return e.store.Job(ctx, id)
	}
	return j, nil
}

// Wait waits until a job of this engine ends or ctx is done, and returns
// it as it then is. progress, if not nil, receives its progress meanwhile.
func (e *Engine) Wait(ctx context.Context, id string, progress ProgressFunc) (Job, error) {
	e.mu.Lock()
	rn := e.runs[id]
	e.mu.Unlock()
	if rn == nil {
		return e.Status(ctx, id)
	}
	var unwatch func()
	if progress != nil {
		unwatch = rn.watch(progress)
		defer unwatch()
	}
	select {
	case <-rn.done:
	case <-ctx.Done():
	}
	return rn.snapshot(), nil
}

// Cancel cancels a queued or running job and returns it once it has
// stopped (within ctx); a finished job is returned as it is. A job running
// in another server sharing the database is asked to stop, and stops at
// its next heartbeat.
func (e *Engine) Cancel(ctx context.Context, id string) (Job, error) {
	e.mu.Lock()
	rn := e.runs[id]
	e.mu.Unlock()
	if rn == nil {
		j, err := e.Status(ctx, id)
		if err != nil || j.State.Final() {
			return j, err
		}
		if err := e.store.RequestCancel(ctx, id); err != nil {
			return Job{}, err
		}
		return e.store.Job(ctx, id)
	}
	rn.cancel(errCancelled)
	select {
	case <-rn.done:
	case <-ctx.Done():
	}
	return rn.snapshot(), nil
}

// Search embeds the query when its ranking needs it and searches the store.
func (e *Engine) Search(ctx context.Context, q Query) ([]Hit, error) {
	if q.Project == "" {
		q.Project = DefaultProject
	}
	if q.Mode == "" {
		q.Mode = ModeHybrid
	}
	q.Model = e.emb.Model()
	if q.Mode != ModeLexical {
		vs, err := e.emb.Embed(ctx, []string{q.Text})
		if err != nil {
			return nil, fmt.Errorf("embed the query: %w", err)
		}
		q.Vector = vs[0]
	}
	return e.store.Search(ctx, q)
}

// Shutdown stops taking jobs, stops the running and queued ones (failed
// with ReasonServerStopped, their partial writes undone) and waits for the
// workers, up to ctx.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	if !e.closed {
		e.closed = true
		close(e.stop)
		for _, rn := range e.runs {
			rn.cancel(errStopped)
		}
	}
	e.mu.Unlock()
	done := make(chan struct{})
	go func() {
		e.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		e.chunker.Close()
		return nil
	case <-ctx.Done():
		return fmt.Errorf("indexing jobs still stopping: %w", ctx.Err())
	}
}

// worker runs queued jobs until Shutdown.
func (e *Engine) worker() {
	for {
		select {
		case <-e.stop:
			e.drain()
			return
		case rn := <-e.queue:
			e.execute(rn)
		}
	}
}

// drain fails the jobs still queued at shutdown.
func (e *Engine) drain() {
	for {
		select {
		case rn := <-e.queue:
			e.execute(rn) // cancelled already: ends at once
		default:
			return
		}
	}
}

// acquireProject waits until no other worker of this engine writes the
// project, and marks it taken.
func (e *Engine) acquireProject(ctx context.Context, project string) error {
	for {
		e.mu.Lock()
		if !e.projects[project] {
			e.projects[project] = true
			e.mu.Unlock()
			return nil
		}
		e.mu.Unlock()
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (e *Engine) releaseProject(project string) {
	e.mu.Lock()
	delete(e.projects, project)
	e.mu.Unlock()
}

// saveFinal stores a job's final state, whatever happened to its context.
func (e *Engine) saveFinal(rn *run) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	j := rn.snapshot()
	if _, err := e.store.SaveJob(ctx, &j); err != nil {
		e.log.Error("save job", "job_id", j.ID, "error", err)
	}
}

// Projects lists the projects.
func (e *Engine) Projects(ctx context.Context) ([]Project, error) { return e.store.Projects(ctx) }

// RefStatus says whether code a search found is still indexed as it was.
func (e *Engine) RefStatus(ctx context.Context, r Ref) (RefResult, error) {
	if r.Project == "" {
		r.Project = DefaultProject
	}
	return e.store.RefStatus(ctx, r)
}
