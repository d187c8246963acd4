package wfmcp

import (
	"context"

	"github.com/perfgate/perfgate/servers/internal/tool"
)

type createProjectIn struct {
	Name        string `json:"name" jsonschema:"Unique name: letters, digits, '.', '_' or '-'"`
	Description string `json:"description,omitempty"`
	Activate    *bool  `json:"activate,omitempty" jsonschema:"Make it the active project (default: only when none is active)"`
}

type projectResult struct {
	Project projectOut `json:"project"`
}

type listProjectsOut struct {
	Projects []projectOut `json:"projects"`
}

type switchProjectIn struct {
	Project string `json:"project" jsonschema:"Project name or id"`
}

func (t *tools) addProjectTools(r tool.Registrar) {
	tool.Add(r, tool.Spec{
		Name:        "create_project",
		Description: "Create a project. The first project becomes the active one.",
	}, func(ctx context.Context, in createProjectIn) (projectResult, error) {
		p, err := t.Store.CreateProject(ctx, in.Name, in.Description, in.Activate)
		return projectResult{Project: projectRecord(p)}, userError(err, "")
	})

	tool.Add(r, tool.Spec{
		Name:        "list_projects",
		Description: "List all projects by name; active marks the active one.",
		ReadOnly:    true,
	}, func(ctx context.Context, _ struct{}) (listProjectsOut, error) {
		ps, err := t.Store.ListProjects(ctx)
		out := listProjectsOut{Projects: make([]projectOut, len(ps))}
		for i, p := range ps {
			out.Projects[i] = projectRecord(p)
		}
		return out, err
	})

	tool.Add(r, tool.Spec{
		Name:        "switch_project",
		Description: "Make a project the active one: tools called without project use it.",
		Idempotent:  true,
	}, func(ctx context.Context, in switchProjectIn) (projectResult, error) {
		p, err := t.Store.SwitchProject(ctx, in.Project)
		return projectResult{Project: projectRecord(p)}, userError(err, "")
	})

	tool.Add(r, tool.Spec{
		Name:        "get_active_project",
		Description: "Return the active project.",
		ReadOnly:    true,
	}, func(ctx context.Context, _ struct{}) (projectResult, error) {
		p, err := t.Store.ResolveProject(ctx, "")
		return projectResult{Project: projectRecord(p)}, userError(err, "")
	})
}
