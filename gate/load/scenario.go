package load

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// Scenario is what the clients of a run do. A Scenario is shared by every
// client: its methods must be safe for concurrent use, which they are when
// they only read the scenario's own fields.
type Scenario interface {
	// Name is the scenario's name, as --scenario takes it and as the
	// benchmark names show it.
	Name() string
	// Tools are the tools Next may pick, in the order of the output.
	Tools() []string
	// Setup prepares the server before the first client starts, e.g.
	// creates the data the calls need. Its calls are not measured.
	Setup(ctx context.Context, c Caller) error
	// Next picks a client's next call with the client's own random source.
	Next(r *rand.Rand) Call
}

// Call is one tool call. Args is marshaled to JSON and must not be
// modified once Next returned it, as it may be shared between clients.
type Call struct {
	Tool string
	Args any
}

// Caller calls a tool on the server, for Scenario.Setup.
type Caller interface {
	CallTool(ctx context.Context, tool string, args any) (ToolResult, error)
}

// ToolResult is what a tool call returned: a tool error (isError) is a
// result, not an error of CallTool.
type ToolResult struct {
	IsError bool
	// Text is the text content of the result, joined by newlines.
	Text string
}

// ScenarioConfig parametrizes the built-in scenarios.
type ScenarioConfig struct {
	// Project is passed as the project of every call. workflow-mix
	// defaults to DefaultWorkflowProject; codebase-search sends no
	// project when empty (the server's default applies).
	Project string
}

// scenarios are the built-in scenarios by name.
var scenarios = map[string]func(ScenarioConfig) Scenario{
	"codebase-search": newCodebaseSearch,
	"workflow-mix":    newWorkflowMix,
}

// ScenarioNames lists the built-in scenarios, sorted.
func ScenarioNames() []string {
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NewScenario returns the built-in scenario of that name, or an
// *UnknownScenarioError.
func NewScenario(name string, cfg ScenarioConfig) (Scenario, error) {
	mk, ok := scenarios[name]
	if !ok {
		return nil, &UnknownScenarioError{Name: name, Known: ScenarioNames()}
	}
	return mk(cfg), nil
}

// UnknownScenarioError is a scenario name that is not built in.
type UnknownScenarioError struct {
	Name  string
	Known []string
}

func (e *UnknownScenarioError) Error() string {
	return fmt.Sprintf("unknown scenario %q: want one of %s", e.Name, strings.Join(e.Known, ", "))
}

// weighted picks one of its operations with probability proportional to
// its weight.
type weighted struct {
	ops   []op
	total int
}

// op is a tool with its weight and its argument sets, one picked uniformly.
type op struct {
	tool   string
	weight int
	args   []any
}

func newWeighted(ops ...op) weighted {
	w := weighted{ops: ops}
	for _, o := range ops {
		w.total += o.weight
	}
	return w
}

func (w *weighted) tools() []string {
	tools := make([]string, len(w.ops))
	for i, o := range w.ops {
		tools[i] = o.tool
	}
	return tools
}

func (w *weighted) next(r *rand.Rand) Call {
	n := r.IntN(w.total)
	for _, o := range w.ops {
		if n < o.weight {
			return Call{Tool: o.tool, Args: o.args[r.IntN(len(o.args))]}
		}
		n -= o.weight
	}
	panic("unreachable: weights sum to total")
}

// DefaultWorkflowProject is the project workflow-mix switches to and
// queries, created by its Setup when missing.
const DefaultWorkflowProject = "perfgate-load"

// workflowMix is the workflow-mcp scenario: 40% switch_project, 40%
// query_entities, 20% query_work_items, all in one project.
type workflowMix struct {
	project string
	w       weighted
}

func newWorkflowMix(cfg ScenarioConfig) Scenario {
	p := cmp.Or(cfg.Project, DefaultWorkflowProject)
	return &workflowMix{
		project: p,
		w: newWeighted(
			op{tool: "switch_project", weight: 40, args: []any{map[string]any{"project": p}}},
			op{tool: "query_entities", weight: 40, args: []any{map[string]any{"project": p, "limit": 20}}},
			op{tool: "query_work_items", weight: 20, args: []any{map[string]any{"project": p, "limit": 20}}},
		),
	}
}

func (s *workflowMix) Name() string           { return "workflow-mix" }
func (s *workflowMix) Tools() []string        { return s.w.tools() }
func (s *workflowMix) Next(r *rand.Rand) Call { return s.w.next(r) }

// Setup makes sure the project exists and is active: switch_project has a
// target, and query_* calls find it. A project created concurrently by
// another run ("already exists") is fine.
func (s *workflowMix) Setup(ctx context.Context, c Caller) error {
	sw, err := c.CallTool(ctx, "switch_project", map[string]any{"project": s.project})
	if err != nil {
		return fmt.Errorf("switch_project %q: %w", s.project, err)
	}
	if !sw.IsError {
		return nil
	}
	cr, err := c.CallTool(ctx, "create_project", map[string]any{
		"name":        s.project,
		"description": "target of perfgate load's workflow-mix scenario",
	})
	if err != nil {
		return fmt.Errorf("create_project %q: %w", s.project, err)
	}
	if cr.IsError && !strings.Contains(strings.ToLower(cr.Text), "already exists") {
		return fmt.Errorf("create_project %q: %s", s.project, cr.Text)
	}
	sw, err = c.CallTool(ctx, "switch_project", map[string]any{"project": s.project})
	if err != nil {
		return fmt.Errorf("switch_project %q: %w", s.project, err)
	}
	if sw.IsError {
		return fmt.Errorf("switch_project %q after create_project: %s", s.project, sw.Text)
	}
	return nil
}

// codebaseSearch is the codebase-mcp scenario: search_code over
// SearchQueries, 10 hits each.
type codebaseSearch struct {
	w weighted
}

// Setup makes one search: a server that refuses it (nothing indexed in
// the project, typically) would make every call of the run an error.
func (s *codebaseSearch) Setup(ctx context.Context, c Caller) error {
	args := s.w.ops[0].args[0]
	res, err := c.CallTool(ctx, "search_code", args)
	if err != nil {
		return fmt.Errorf("search_code: %w", err)
	}
	if res.IsError {
		return fmt.Errorf("search_code refused a first search: %s", res.Text)
	}
	return nil
}

// SearchQueries are the queries of codebase-search: what a coding
// assistant asks about a code base, picked uniformly.
var SearchQueries = []string{
	"parse configuration file with defaults",
	"http handler that returns json",
	"retry with exponential backoff",
	"database connection pool",
	"read environment variables",
	"graceful shutdown on SIGTERM",
	"authentication middleware bearer token",
	"validate user input and return an error",
	"unit test table driven",
	"write a file atomically",
	"parse command line flags",
	"context cancellation timeout",
	"json schema validation",
	"open a transaction and roll back on error",
	"cache with expiration",
	"rate limiter token bucket",
	"walk a directory tree and skip ignored files",
	"compute sha256 hash of a file",
	"log request id and latency",
	"prometheus metrics counter",
	"sort a slice by key",
	"websocket connection handler",
	"binary search implementation",
	"class that manages user sessions",
	"async function fetch data from api",
	"error type with a wrapped cause",
	"migrations run at startup",
	"worker pool with goroutines and channels",
	"serialize struct to yaml",
	"optimistic locking with version column",
}

func newCodebaseSearch(cfg ScenarioConfig) Scenario {
	args := make([]any, len(SearchQueries))
	for i, q := range SearchQueries {
		a := map[string]any{"query": q, "limit": 10}
		if cfg.Project != "" {
			a["project"] = cfg.Project
		}
		args[i] = a
	}
	return &codebaseSearch{w: newWeighted(op{tool: "search_code", weight: 1, args: args})}
}

func (s *codebaseSearch) Name() string           { return "codebase-search" }
func (s *codebaseSearch) Tools() []string        { return s.w.tools() }
func (s *codebaseSearch) Next(r *rand.Rand) Call { return s.w.next(r) }
