package wfmcp

import (
	"context"
	"log/slog"

	"github.com/perfgate/perfgate/servers/internal/tool"
	"github.com/perfgate/perfgate/servers/workflow"
)

// Instructions tell a client's model how to use the tools.
const Instructions = `Keeps an agent's plan and knowledge in projects: typed entities (JSON Schema per type), ` +
	`work items in a hierarchy of at most 5 levels with dependencies and claims, deployments, and links to code. ` +
	`Every tool takes an optional project (name or id) and otherwise uses the active project (switch_project). ` +
	`Writes take expected_version: on a version conflict, re-read the record the error carries and retry.`

// Options are what the tools need.
type Options struct {
	Store workflow.Store
	// Code checks code references against codebase-mcp. Nil: not
	// configured; check_code_references then reports status unknown.
	Code workflow.CodeChecker
	// CodebaseURL is where Code asks, for notices.
	CodebaseURL string
	// Logger receives what the tools observe beside their results, such as
	// codebase-mcp being unreachable. Nil discards it.
	Logger *slog.Logger
}

// tools holds the handlers' dependencies.
type tools struct {
	Options
}

// Register adds the workflow tools to r, a *server.MCPServer.
func Register(r tool.Registrar, o Options) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	t := &tools{Options: o}
	t.addProjectTools(r)
	t.addEntityTools(r)
	t.addWorkItemTools(r)
	t.addDeploymentTools(r)
	t.addCodeTools(r)
}

// projectDoc documents the project argument every tool but the project
// tools takes.
const projectDoc = "Project name or id (default: the active project)"

// inProject resolves the project argument and runs fn with its id,
// translating fn's domain errors into messages that say what to do.
func inProject[Out any](ctx context.Context, t *tools, ref string, fn func(project int64) (Out, error)) (Out, error) {
	p, err := t.Store.ResolveProject(ctx, ref)
	if err != nil {
		var zero Out
		return zero, userError(err, "")
	}
	out, err := fn(p.ID)
	return out, userError(err, p.Name)
}
