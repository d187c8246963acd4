package index

import (
	"time"

	"github.com/perfgate/perfgate/servers/codebase"
)

// DefaultProject is the project of a call that names none.
const DefaultProject = "default"

// JobState is where an indexing job is in its life.
type JobState string

// The states of a job. Succeeded, failed and cancelled are final.
const (
	JobQueued    JobState = "queued"
	JobRunning   JobState = "running"
	JobSucceeded JobState = "succeeded"
	JobFailed    JobState = "failed"
	JobCancelled JobState = "cancelled"
)

// Final reports whether a job in state s will not change any more.
func (s JobState) Final() bool {
	return s == JobSucceeded || s == JobFailed || s == JobCancelled
}

// ReasonServerStopped is the error of a job that was running or queued when
// its server stopped.
const ReasonServerStopped = "server stopped during indexing"

// Job is one run of indexing a repository into a project.
type Job struct {
	ID         string   `json:"job_id"`
	Project    string   `json:"project"`
	Repository string   `json:"repository"` // the root path
	Force      bool     `json:"force"`
	State      JobState `json:"state"`
	Counts     Counts   `json:"counts"`
	Timings    Timings  `json:"timings"`
	// Error says why a job failed or was cancelled.
	Error string `json:"error,omitempty"`
	// Warnings are things the job did that a user may want to know, such
	// as repositories dropped from a project rebuilt with another embedder.
	Warnings   []string  `json:"warnings,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// HeartbeatAt is when the running server last saved the job.
	HeartbeatAt time.Time `json:"-"`
}

// Counts are what a job has done so far, or did.
type Counts struct {
	// FilesTotal is how many files the walk found to index; FilesDone how
	// many of them have been dealt with (indexed, unchanged or skipped).
	FilesTotal int `json:"files_total"`
	FilesDone  int `json:"files_done"`
	// FilesIndexed were new or changed and were chunked and written.
	FilesIndexed int `json:"files_indexed"`
	// FilesUnchanged had the content hash already indexed.
	FilesUnchanged int `json:"files_unchanged"`
	// FilesSkipped were left out, by the walk or later (a file that
	// vanished or changed into something unindexable while the job ran),
	// counted by reason in SkippedByReason.
	FilesSkipped    int            `json:"files_skipped"`
	SkippedByReason map[string]int `json:"skipped_by_reason,omitempty"`
	// FilesDeleted were indexed before and are gone from the repository.
	FilesDeleted int `json:"files_deleted"`
	// ChunksTotal is how many chunks the indexed files were cut into so far;
	// ChunksWritten how many of them are stored.
	ChunksTotal   int `json:"chunks_total"`
	ChunksWritten int `json:"chunks_written"`
	// EmbeddingsComputed were asked of the embedder; EmbeddingsReused were
	// found in the index by chunk hash and not recomputed.
	EmbeddingsComputed int `json:"embeddings_computed"`
	EmbeddingsReused   int `json:"embeddings_reused"`
}

// Timings are where a job spent its time, in milliseconds. The stages of
// indexing overlap, so Chunk, Embed and Write (time spent in those calls,
// summed over goroutines) may add up to more than Index (the wall time of
// the pipeline).
type Timings struct {
	QueuedMS   int64 `json:"queued_ms"`
	WalkMS     int64 `json:"walk_ms"`
	IndexMS    int64 `json:"index_ms"`
	ChunkMS    int64 `json:"chunk_ms"`
	EmbedMS    int64 `json:"embed_ms"`
	WriteMS    int64 `json:"write_ms"`
	FinalizeMS int64 `json:"finalize_ms"` // commit, index builds, statistics
	TotalMS    int64 `json:"total_ms"`
}

// Progress is what a running job reports as it goes.
type Progress struct {
	JobID string
	State JobState
	// FilesDone of FilesTotal (0 until the walk has finished), ChunksWritten
	// of ChunksTotal (growing as files are chunked).
	FilesDone, FilesTotal      int
	ChunksWritten, ChunksTotal int
}

// Target is what a job indexes into: a project, with the embedder that
// made its vectors.
type Target struct {
	Project string
	// Root is the repository's absolute path; it is also its identity.
	Root      string
	Model     string
	Dimension int
	// Force rebuilds: every file is re-chunked and written again, and a
	// project indexed with another embedder is rebuilt with this one.
	Force bool
	// JobID names the job, for the store's own bookkeeping.
	JobID string
}

// Plan is what a job is about to write, so that the store can prepare:
// drop and rebuild its indexes around a bulk load, say.
type Plan struct {
	Write  int // files to write (new or changed)
	Delete int // files to remove
}

// FileChunks is a file to store with its chunks, one vector per chunk.
type FileChunks struct {
	File    codebase.File
	Chunks  []codebase.Chunk
	Vectors [][]float32
}

// Mode chooses the ranking of a search.
type Mode string

// The rankings. Hybrid fuses the vector and lexical rankings.
const (
	ModeHybrid  Mode = "hybrid"
	ModeVector  Mode = "vector"
	ModeLexical Mode = "lexical"
)

// Query is a search.
type Query struct {
	Project string
	Text    string
	// Vector is Text embedded, set by the engine.
	Vector []float32
	// Model is the embedder that made Vector: a project indexed with
	// another is refused with a *MismatchError.
	Model string
	Mode  Mode
	// Filters: empty means any. Repository is a name or root path;
	// FileType an extension without the dot ("go", "tsx"); Directory a
	// path relative to the repository root, matching everything under it.
	Repository string
	Language   string
	FileType   string
	Directory  string
	Limit      int
}

// Hit is one chunk a search found.
type Hit struct {
	Repository  string  `json:"repository"`
	Path        string  `json:"path"`
	Language    string  `json:"language"`
	Symbol      string  `json:"symbol,omitempty"`
	Kind        string  `json:"kind"`
	StartLine   int     `json:"start_line"`
	EndLine     int     `json:"end_line"`
	Score       float64 `json:"score"`
	Snippet     string  `json:"snippet"`
	ContentHash string  `json:"content_hash"`
}

// Project is an index and what it holds.
type Project struct {
	Name         string       `json:"name"`
	Model        string       `json:"embedder_model"`
	Dimension    int          `json:"dimension"`
	Repositories []Repository `json:"repositories"`
	Files        int          `json:"files"`
	Chunks       int          `json:"chunks"`
	CreatedAt    time.Time    `json:"created_at"`
	LastIndexed  time.Time    `json:"last_indexed,omitzero"`
}

// Repository is a repository indexed in a project.
type Repository struct {
	Name        string    `json:"name"`
	Root        string    `json:"root"`
	Files       int       `json:"files"`
	Chunks      int       `json:"chunks"`
	LastIndexed time.Time `json:"last_indexed,omitzero"`
}

// RefStatus says whether indexed code a reference points at is still there.
type RefStatus string

// The statuses of a code reference.
const (
	// RefCurrent: a chunk with the content hash is still at the path.
	RefCurrent RefStatus = "current"
	// RefChanged: the path is indexed, with no chunk of that content hash.
	RefChanged RefStatus = "changed"
	// RefMissing: the path (or its repository) is not in the index.
	RefMissing RefStatus = "missing"
)

// Ref is a reference to indexed code, as a search hit gave it.
type Ref struct {
	Project     string
	Repository  string // name or root path
	Path        string
	ContentHash string
}

// RefResult is the status of a Ref; for a current one, the lines where
// the chunk is now.
type RefResult struct {
	Status    RefStatus
	StartLine int
	EndLine   int
}
