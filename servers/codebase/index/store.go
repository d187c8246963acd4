package index

import (
	"context"
	"time"
)

// Store is where indexes and jobs live: package pgstore implements it on
// PostgreSQL. Its methods are safe for concurrent use.
type Store interface {
	// CreateJob stores a new job, setting its ID and CreatedAt.
	CreateJob(ctx context.Context, j *Job) error
	// SaveJob stores a job's state, counts, timings, error and warnings,
	// and marks it alive (see FailStaleJobs). It reports whether a
	// cancellation was requested with RequestCancel.
	SaveJob(ctx context.Context, j *Job) (cancelRequested bool, err error)
	// RequestCancel asks the server running a job to cancel it: that
	// server learns it at its next SaveJob.
	RequestCancel(ctx context.Context, id string) error
	// Job returns a job, or ErrJobNotFound.
	Job(ctx context.Context, id string) (Job, error)
	// FailStaleJobs marks failed, with reason, every queued or running job
	// not saved for longer than staleAfter: its server is gone.
	FailStaleJobs(ctx context.Context, staleAfter time.Duration, reason string) (int, error)

	// Open starts writing a repository into a project for a job. It
	// creates the project when it does not exist, refuses one indexed
	// with another embedder (a *MismatchError) unless t.Force, and fails
	// with ErrProjectBusy while another job writes the project. Nothing
	// it writes is visible until Load.Commit, except on a repository's
	// first index, whose files appear as they are written. Close the
	// Load: after Commit, or to discard everything.
	Open(ctx context.Context, t Target) (Load, error)

	// Search ranks a project's chunks for q.
	Search(ctx context.Context, q Query) ([]Hit, error)
	// Projects lists the projects with their repositories.
	Projects(ctx context.Context) ([]Project, error)
	// Project returns a project, or a *ProjectNotFoundError.
	Project(ctx context.Context, name string) (Project, error)
	// RefStatus says whether the code a reference points at is still
	// indexed as it was.
	RefStatus(ctx context.Context, r Ref) (RefResult, error)
}

// Load is one job's writes into a project. It is used by one goroutine
// at a time.
type Load interface {
	// Indexed returns the content hash of every file of the repository
	// already in the index, by path; empty under Force.
	Indexed(ctx context.Context) (map[string]string, error)
	// Begin says what the job is about to write.
	Begin(ctx context.Context, p Plan) error
	// Embeddings returns the stored vector of each chunk hash the index
	// already holds, for the job to reuse.
	Embeddings(ctx context.Context, hashes []string) (map[string][]float32, error)
	// Write stores files with their chunks. A file's chunks are written
	// together or not at all.
	Write(ctx context.Context, files []FileChunks) error
	// Commit removes the deleted paths and makes every write visible at
	// once, then brings the project's indexes and statistics up to date.
	// It returns warnings for the job.
	Commit(ctx context.Context, deleted []string) ([]string, error)
	// Close ends the load; before Commit it discards every write, leaving
	// the index as it was.
	Close(ctx context.Context) error
}
