package index

import (
	"errors"
	"fmt"
	"strings"
)

// ErrJobNotFound: no job has the id.
var ErrJobNotFound = errors.New("job not found")

// ErrProjectBusy: another job is writing to the project (in this server or
// another sharing the database).
var ErrProjectBusy = errors.New("project busy")

// ErrShuttingDown: the engine no longer takes jobs.
var ErrShuttingDown = errors.New("indexing engine is shutting down")

// ProjectNotFoundError is a project that is not indexed. Known lists the
// projects that are.
type ProjectNotFoundError struct {
	Name  string
	Known []string
}

func (e *ProjectNotFoundError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("project %q is not indexed, and no project is: index a repository with index_repository first", e.Name)
	}
	return fmt.Sprintf("project %q is not indexed; the indexed projects are %s: pass one of them, or index a repository into %q with index_repository",
		e.Name, strings.Join(quoteAll(e.Known), ", "), e.Name)
}

// UserMessage is the message for a tool's caller.
func (e *ProjectNotFoundError) UserMessage() string { return e.Error() }

// RepositoryNotFoundError is a repository filter that names no repository
// of the project.
type RepositoryNotFoundError struct {
	Project string
	Name    string
	Known   []string
}

func (e *RepositoryNotFoundError) Error() string {
	return fmt.Sprintf("repository %q is not indexed in project %q; its repositories are %s: pass a name or root path from list_projects",
		e.Name, e.Project, strings.Join(quoteAll(e.Known), ", "))
}

// UserMessage is the message for a tool's caller.
func (e *RepositoryNotFoundError) UserMessage() string { return e.Error() }

// MismatchError is a project indexed with another embedder than the one
// a job or search would use. It wraps codebase.ErrEmbedderMismatch.
type MismatchError struct {
	Project           string
	IndexModel        string
	IndexDimension    int
	EmbedderModel     string
	EmbedderDimension int
	Err               error
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("project %q was indexed with embedder model %q (dimension %d), and this server embeds with %q (dimension %d): "+
		"re-index with force=true to rebuild the project with this embedder, or start the server with the embedder the project was built with",
		e.Project, e.IndexModel, e.IndexDimension, e.EmbedderModel, e.EmbedderDimension)
}

func (e *MismatchError) Unwrap() error { return e.Err }

// UserMessage is the message for a tool's caller.
func (e *MismatchError) UserMessage() string { return e.Error() }

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}
