// Package workflow is the domain of workflow-mcp: projects and the active
// project, typed entities, work items with their hierarchy, dependencies
// and claims, deployments, and references to code found by codebase-mcp.
//
// It holds types, the Store and CodeChecker interfaces, and the errors
// callers branch on; it imports no adapter. The packages beside it do the
// work:
//
//   - schema: compiles entity types' JSON Schemas and names the field and
//     rule of each violation;
//   - postgres: the Store, where every change is one conditional
//     statement, with its goose migrations;
//   - codeclient: the CodeChecker that asks codebase-mcp over MCP;
//   - wfmcp: the MCP tools;
//   - wfserver: the program, on the shared runtime.
//
// Errors carry what a caller needs to recover: a *ConflictError the
// current version and record, an *UnknownProjectError the known projects,
// a *ValidationError each field and rule. wfmcp turns them into messages
// that say what to do.
//
// # Example
//
//	p, err := store.ResolveProject(ctx, "") // the active project
//	if errors.Is(err, workflow.ErrNoActiveProject) {
//		// ask the agent to call switch_project
//	}
//	e, err := store.UpdateEntity(ctx, p.ID, workflow.EntityUpdate{ID: 7, ExpectedVersion: 3, Data: data})
//	var conflict *workflow.ConflictError
//	if errors.As(err, &conflict) {
//		// someone else wrote version conflict.Current: re-apply on conflict.Record
//	}
package workflow
