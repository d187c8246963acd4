package tools

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/perfgate/perfgate/servers/codebase"
	"github.com/perfgate/perfgate/servers/codebase/index"
	"github.com/perfgate/perfgate/servers/codebase/walk"
	"github.com/perfgate/perfgate/servers/internal/tool"
)

// Instructions tell a client's model how to use the tools.
const Instructions = `codebase-mcp indexes code repositories and searches them by meaning and by name.
Index a repository with index_repository (an absolute path under the server's roots); it returns a job_id at once
and indexes in the background: follow it with get_indexing_status (wait_seconds to wait for it). Re-indexing is
incremental: only changed files are processed. Then search with search_code: describe what the code does, or name
identifiers. Projects keep indexes apart; list them with list_projects. preview_repository shows what would be indexed.`

// Defaults and limits of the tools' arguments.
const (
	DefaultLimit      = 10
	MaxLimit          = 50
	MaxQueryBytes     = 4000
	MaxWaitSeconds    = 60
	MaxPreviewSkipped = 100
	cancelWait        = 10 * time.Second
)

// Options are what the tools work with.
type Options struct {
	Engine *index.Engine
	Roots  Roots
	// Walk configures preview_repository's walk; it should match the
	// engine's.
	Walk   walk.Config
	Logger *slog.Logger
}

// Register adds codebase-mcp's tools to r.
func Register(r tool.Registrar, o Options) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	h := &handlers{o: o}
	tool.Add(r, tool.Spec{
		Name:  "index_repository",
		Title: "Index a repository",
		Description: "Index (or re-index) a repository directory into a project, in the background. Returns a job_id at once; " +
			"the client receives progress notifications when it asked for them (a progressToken), and get_indexing_status " +
			"reports the job. Re-indexing is incremental: unchanged files are skipped, deleted ones removed. force=true " +
			"re-processes every file, and rebuilds a project indexed with another embedder.",
		Idempotent: true,
		OpenWorld:  true,
	}, h.indexRepository)
	tool.Add(r, tool.Spec{
		Name:        "get_indexing_status",
		Title:       "Indexing job status",
		Description: "The state of an indexing job (queued, running, succeeded, failed, cancelled), its counts, timings and error. wait_seconds waits up to that long for the job to end, with progress notifications meanwhile.",
		ReadOnly:    true,
	}, h.getIndexingStatus)
	tool.Add(r, tool.Spec{
		Name:        "cancel_indexing",
		Title:       "Cancel an indexing job",
		Description: "Cancel a queued or running indexing job. The index stays as it was before the job. A finished job is returned as it is.",
		Idempotent:  true,
	}, h.cancelIndexing)
	tool.Add(r, tool.Spec{
		Name:  "search_code",
		Title: "Search code",
		Description: "Search the indexed code of a project by meaning and by name (hybrid: vector and full-text rankings fused). " +
			"Describe what the code does, or give identifiers. Filters narrow the search to a repository, language, " +
			"file extension or directory. Returns the best chunks (functions, methods, types, blocks) with their location and text.",
		ReadOnly: true,
	}, h.searchCode)
	tool.Add(r, tool.Spec{
		Name:        "preview_repository",
		Title:       "Preview a repository",
		Description: "What indexing a directory would take in, without indexing it: files and bytes by language, and the entries skipped and why (ignored, too large, binary, invalid UTF-8, unreadable...).",
		ReadOnly:    true,
		OpenWorld:   true,
	}, h.previewRepository)
	tool.Add(r, tool.Spec{
		Name:        "list_projects",
		Title:       "List projects",
		Description: "The indexed projects: their repositories, file and chunk counts, when they were last indexed, and the embedder that built them.",
		ReadOnly:    true,
	}, h.listProjects)
	tool.Add(r, tool.Spec{
		Name:  "get_code_reference_status",
		Title: "Code reference status",
		Description: "Whether code found by search_code is still indexed as it was: current (a chunk with that content_hash is still at the path), " +
			"changed (the path is indexed, without that content), or missing (the path or its repository is gone from the index).",
		ReadOnly: true,
	}, h.getCodeReferenceStatus)
}

type handlers struct{ o Options }

// userError turns the engine's errors a caller can act on into tool
// errors; others pass through (logged as internal by the tool package).
func userError(err error) error {
	var pnf *index.ProjectNotFoundError
	var rnf *index.RepositoryNotFoundError
	var mm *index.MismatchError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pnf), errors.As(err, &rnf), errors.As(err, &mm):
		return err // they carry a UserMessage
	case errors.Is(err, index.ErrJobNotFound):
		return tool.Errorf("%v: job ids are returned by index_repository", err)
	case errors.Is(err, codebase.ErrEmbedderUnavailable):
		return tool.Errorf("the embedding endpoint is unavailable (%v): retry once it is back", err)
	case errors.Is(err, index.ErrShuttingDown):
		return tool.Errorf("the server is shutting down and takes no new jobs: try again once it has restarted")
	}
	return err
}

func projectName(p string) (string, error) {
	if p == "" {
		return index.DefaultProject, nil
	}
	if err := index.ValidateProjectName(p); err != nil {
		return "", tool.Errorf("%v", err)
	}
	return p, nil
}

// --- index_repository

type indexIn struct {
	Path    string `json:"path" jsonschema:"Absolute path of the repository directory, under one of the server's roots"`
	Project string `json:"project,omitempty" jsonschema:"Project to index into (default \"default\"); projects never see each other's code"`
	Force   bool   `json:"force,omitempty" jsonschema:"Re-process every file, and rebuild a project indexed with another embedder"`
}

type indexOut struct {
	JobID      string `json:"job_id" jsonschema:"Pass it to get_indexing_status and cancel_indexing"`
	State      string `json:"state"`
	Project    string `json:"project"`
	Repository string `json:"repository" jsonschema:"The repository's resolved path"`
	Message    string `json:"message"`
}

func (h *handlers) indexRepository(ctx context.Context, in indexIn) (indexOut, error) {
	root, err := h.o.Roots.Resolve(in.Path)
	if err != nil {
		return indexOut{}, err
	}
	project, err := projectName(in.Project)
	if err != nil {
		return indexOut{}, err
	}
	j, err := h.o.Engine.Submit(ctx, index.Request{Root: root, Project: project, Force: in.Force}, progressFunc(context.WithoutCancel(ctx)))
	if err != nil {
		return indexOut{}, userError(err)
	}
	return indexOut{JobID: j.ID, State: string(j.State), Project: j.Project, Repository: j.Repository,
		Message: "indexing in the background: follow it with get_indexing_status (wait_seconds to wait for the end)"}, nil
}

// progressFunc sends a job's progress as MCP progress notifications for
// the call ctx belongs to, when its caller asked for them: progress is the
// files done, total the files to do, and the message says the chunks.
// Notifications only go out when the files done increased, as progress
// must.
func progressFunc(ctx context.Context) index.ProgressFunc {
	var mu sync.Mutex
	last := -1
	return func(p index.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.FilesDone <= last || (p.FilesDone == 0 && p.FilesTotal == 0 && !p.State.Final()) {
			return
		}
		last = p.FilesDone
		msg := fmt.Sprintf("%s: %d of %d files, %d of %d chunks written", p.State, p.FilesDone, p.FilesTotal, p.ChunksWritten, p.ChunksTotal)
		_ = tool.Progress(ctx, float64(p.FilesDone), float64(p.FilesTotal), msg)
	}
}

// --- get_indexing_status and cancel_indexing

type jobIn struct {
	JobID string `json:"job_id" jsonschema:"The job_id index_repository returned"`
}

type statusIn struct {
	JobID       string `json:"job_id" jsonschema:"The job_id index_repository returned"`
	WaitSeconds int    `json:"wait_seconds,omitempty" jsonschema:"Wait up to this many seconds (at most 60) for the job to end, with progress notifications; 0 answers at once"`
}

type jobOut struct {
	JobID      string        `json:"job_id"`
	Project    string        `json:"project"`
	Repository string        `json:"repository"`
	Force      bool          `json:"force"`
	State      string        `json:"state" jsonschema:"queued, running, succeeded, failed or cancelled"`
	Counts     index.Counts  `json:"counts"`
	Timings    index.Timings `json:"timings"`
	Error      string        `json:"error,omitempty" jsonschema:"Why the job failed or was cancelled"`
	Warnings   []string      `json:"warnings,omitempty"`
	CreatedAt  string        `json:"created_at"`
	StartedAt  string        `json:"started_at,omitempty"`
	FinishedAt string        `json:"finished_at,omitempty"`
}

func toJobOut(j index.Job) jobOut {
	return jobOut{JobID: j.ID, Project: j.Project, Repository: j.Repository, Force: j.Force, State: string(j.State),
		Counts: j.Counts, Timings: j.Timings, Error: j.Error, Warnings: j.Warnings,
		CreatedAt: timeString(j.CreatedAt), StartedAt: timeString(j.StartedAt), FinishedAt: timeString(j.FinishedAt)}
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func jobID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", tool.Errorf("job_id is empty: pass the job_id index_repository returned")
	}
	return id, nil
}

func (h *handlers) getIndexingStatus(ctx context.Context, in statusIn) (jobOut, error) {
	id, err := jobID(in.JobID)
	if err != nil {
		return jobOut{}, err
	}
	if in.WaitSeconds < 0 || in.WaitSeconds > MaxWaitSeconds {
		return jobOut{}, tool.Errorf("wait_seconds is %d: pass 0 to %d", in.WaitSeconds, MaxWaitSeconds)
	}
	var j index.Job
	if in.WaitSeconds > 0 {
		wctx, cancel := context.WithTimeout(ctx, time.Duration(in.WaitSeconds)*time.Second)
		defer cancel()
		j, err = h.o.Engine.Wait(wctx, id, progressFunc(ctx))
	} else {
		j, err = h.o.Engine.Status(ctx, id)
	}
	if err != nil {
		return jobOut{}, userError(err)
	}
	return toJobOut(j), nil
}

func (h *handlers) cancelIndexing(ctx context.Context, in jobIn) (jobOut, error) {
	id, err := jobID(in.JobID)
	if err != nil {
		return jobOut{}, err
	}
	cctx, cancel := context.WithTimeout(ctx, cancelWait)
	defer cancel()
	j, err := h.o.Engine.Cancel(cctx, id)
	if err != nil {
		return jobOut{}, userError(err)
	}
	return toJobOut(j), nil
}

// --- search_code

type searchIn struct {
	Query      string `json:"query" jsonschema:"What to find: a description of what the code does, or identifiers"`
	Project    string `json:"project,omitempty" jsonschema:"Project to search (default \"default\")"`
	Repository string `json:"repository,omitempty" jsonschema:"Only this repository of the project: its name or root path (see list_projects)"`
	Language   string `json:"language,omitempty" jsonschema:"Only this language: go, python, javascript, typescript, rust, java, markdown..."`
	FileType   string `json:"file_type,omitempty" jsonschema:"Only files with this extension, e.g. go, py, tsx"`
	Directory  string `json:"directory,omitempty" jsonschema:"Only files under this directory, relative to the repository root, e.g. internal/auth"`
	Limit      *int   `json:"limit,omitempty" jsonschema:"How many hits, 1 to 50 (default 10)"`
}

type searchOut struct {
	Project string      `json:"project"`
	Hits    []index.Hit `json:"hits" jsonschema:"Best first. content_hash identifies the chunk for get_code_reference_status"`
}

func (h *handlers) searchCode(ctx context.Context, in searchIn) (searchOut, error) {
	q := strings.TrimSpace(in.Query)
	if q == "" {
		return searchOut{}, tool.Errorf("query is empty: describe the code to find (e.g. \"parse the configuration file\") or give identifiers")
	}
	if len(q) > MaxQueryBytes {
		return searchOut{}, tool.Errorf("query is %d bytes long: shorten it to at most %d", len(q), MaxQueryBytes)
	}
	limit := DefaultLimit
	if in.Limit != nil {
		limit = *in.Limit
		if limit < 1 || limit > MaxLimit {
			return searchOut{}, tool.Errorf("limit is %d: pass a number from 1 to %d, or omit it for %d", limit, MaxLimit, DefaultLimit)
		}
	}
	project, err := projectName(in.Project)
	if err != nil {
		return searchOut{}, err
	}
	hits, err := h.o.Engine.Search(ctx, index.Query{Project: project, Text: q, Repository: in.Repository, Language: in.Language,
		FileType: in.FileType, Directory: in.Directory, Limit: limit})
	if err != nil {
		return searchOut{}, userError(err)
	}
	if hits == nil {
		hits = []index.Hit{}
	}
	return searchOut{Project: project, Hits: hits}, nil
}

// --- preview_repository

type previewIn struct {
	Path string `json:"path" jsonschema:"Absolute path of the repository directory, under one of the server's roots"`
}

type languageCount struct {
	Language string `json:"language"`
	Files    int    `json:"files"`
	Bytes    int64  `json:"bytes"`
}

type skippedEntry struct {
	Path   string `json:"path"`
	Dir    bool   `json:"dir,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

type previewOut struct {
	Repository string          `json:"repository" jsonschema:"The resolved path"`
	Files      int             `json:"files" jsonschema:"Files that would be indexed"`
	Bytes      int64           `json:"bytes"`
	Languages  []languageCount `json:"languages" jsonschema:"Most files first"`
	Skipped    map[string]int  `json:"skipped" jsonschema:"Entries left out, by reason; an ignored directory counts once"`
	// SkippedEntries lists the first entries left out, by path.
	SkippedEntries []skippedEntry `json:"skipped_entries"`
	Truncated      bool           `json:"skipped_entries_truncated,omitempty"`
	ElapsedMS      int64          `json:"elapsed_ms"`
}

func (h *handlers) previewRepository(ctx context.Context, in previewIn) (previewOut, error) {
	root, err := h.o.Roots.Resolve(in.Path)
	if err != nil {
		return previewOut{}, err
	}
	start := time.Now()
	res, err := walk.Walk(ctx, root, h.o.Walk)
	if err != nil {
		return previewOut{}, tool.Errorf("cannot walk %q: %v", root, err)
	}
	sum := res.Summary()
	out := previewOut{Repository: root, Files: sum.Files, Bytes: sum.Bytes, Skipped: map[string]int{},
		Languages: []languageCount{}, SkippedEntries: []skippedEntry{}}
	for lang, c := range sum.ByLanguage {
		out.Languages = append(out.Languages, languageCount{Language: string(lang), Files: c.Files, Bytes: c.Bytes})
	}
	sort.Slice(out.Languages, func(i, j int) bool {
		a, b := out.Languages[i], out.Languages[j]
		if a.Files != b.Files {
			return a.Files > b.Files
		}
		return a.Language < b.Language
	})
	for reason, n := range sum.Skipped {
		out.Skipped[string(reason)] = n
	}
	for i, s := range res.Skipped {
		if i == MaxPreviewSkipped {
			out.Truncated = true
			break
		}
		out.SkippedEntries = append(out.SkippedEntries, skippedEntry{Path: s.Path, Dir: s.Dir, Reason: string(s.Reason), Detail: s.Detail})
	}
	out.ElapsedMS = time.Since(start).Milliseconds()
	return out, nil
}

// --- list_projects

type listIn struct{}

type listOut struct {
	Projects []index.Project `json:"projects"`
}

func (h *handlers) listProjects(ctx context.Context, _ listIn) (listOut, error) {
	ps, err := h.o.Engine.Projects(ctx)
	if err != nil {
		return listOut{}, err
	}
	if ps == nil {
		ps = []index.Project{}
	}
	return listOut{Projects: ps}, nil
}

// --- get_code_reference_status

type refIn struct {
	Repository  string `json:"repository" jsonschema:"The repository of the search hit: its name or root path"`
	Path        string `json:"path" jsonschema:"The hit's path, relative to the repository root"`
	ContentHash string `json:"content_hash" jsonschema:"The hit's content_hash"`
	StartLine   int    `json:"start_line,omitempty" jsonschema:"The hit's first line, as it was"`
	EndLine     int    `json:"end_line,omitempty" jsonschema:"The hit's last line, as it was"`
	Symbol      string `json:"symbol,omitempty" jsonschema:"The hit's symbol, as it was (informative)"`
	Project     string `json:"project,omitempty" jsonschema:"Project (default \"default\")"`
}

type refOut struct {
	Status    string `json:"status" jsonschema:"current, changed or missing"`
	StartLine int    `json:"start_line,omitempty" jsonschema:"Where the chunk is now, when current"`
	EndLine   int    `json:"end_line,omitempty"`
}

func (h *handlers) getCodeReferenceStatus(ctx context.Context, in refIn) (refOut, error) {
	for _, f := range []struct{ name, v string }{{"repository", in.Repository}, {"path", in.Path}, {"content_hash", in.ContentHash}} {
		if strings.TrimSpace(f.v) == "" {
			return refOut{}, tool.Errorf("%s is empty: pass the %s of the search_code hit", f.name, f.name)
		}
	}
	project, err := projectName(in.Project)
	if err != nil {
		return refOut{}, err
	}
	r, err := h.o.Engine.RefStatus(ctx, index.Ref{Project: project, Repository: in.Repository, Path: in.Path, ContentHash: in.ContentHash})
	if err != nil {
		return refOut{}, userError(err)
	}
	return refOut{Status: string(r.Status), StartLine: r.StartLine, EndLine: r.EndLine}, nil
}
