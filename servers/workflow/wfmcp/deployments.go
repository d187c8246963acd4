package wfmcp

import (
	"context"
	"strings"

	"github.com/perfgate/perfgate/servers/internal/tool"
	"github.com/perfgate/perfgate/servers/workflow"
)

type recordDeploymentIn struct {
	Project     string  `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	Environment string  `json:"environment" jsonschema:"e.g. staging"`
	Commit      string  `json:"commit" jsonschema:"The commit deployed"`
	Status      string  `json:"status" jsonschema:"enum=started,enum=succeeded,enum=failed,enum=rolled_back"`
	Notes       string  `json:"notes,omitempty"`
	WorkItems   []int64 `json:"work_items,omitempty" jsonschema:"Work item ids it ships"`
	Entities    []int64 `json:"entities,omitempty" jsonschema:"Entity ids it concerns"`
}

type deploymentResult struct {
	Deployment deploymentOut `json:"deployment"`
}

type listDeploymentsIn struct {
	Project     string `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	Environment string `json:"environment,omitempty"`
	Limit       int    `json:"limit,omitempty" jsonschema:"Page size, 1-200 (default 20)"`
	Cursor      string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

type deploymentsPage struct {
	Deployments []deploymentOut `json:"deployments"`
	NextCursor  string          `json:"next_cursor,omitempty"`
}

func (t *tools) addDeploymentTools(r tool.Registrar) {
	tool.Add(r, tool.Spec{
		Name:        "record_deployment",
		Description: "Record that a commit was deployed to an environment, with the work items and entities it concerns.",
	}, func(ctx context.Context, in recordDeploymentIn) (deploymentResult, error) {
		if strings.TrimSpace(in.Environment) == "" || strings.TrimSpace(in.Commit) == "" {
			return deploymentResult{}, tool.Errorf("environment and commit are required: say where it went and which commit")
		}
		return inProject(ctx, t, in.Project, func(p int64) (deploymentResult, error) {
			d, err := t.Store.RecordDeployment(ctx, p, workflow.NewDeployment{Environment: in.Environment, Commit: in.Commit,
				Status: workflow.DeploymentStatus(in.Status), Notes: in.Notes, WorkItems: in.WorkItems, Entities: in.Entities})
			return deploymentResult{Deployment: deploymentRecord(d)}, err
		})
	})

	tool.Add(r, tool.Spec{
		Name:        "list_deployments",
		Description: "List deployments, newest first, optionally of one environment.",
		ReadOnly:    true,
	}, func(ctx context.Context, in listDeploymentsIn) (deploymentsPage, error) {
		before, err := decodeCursor("d", in.Cursor)
		if err != nil {
			return deploymentsPage{}, err
		}
		return inProject(ctx, t, in.Project, func(p int64) (deploymentsPage, error) {
			pg, err := t.Store.ListDeployments(ctx, p, workflow.DeploymentQuery{Environment: in.Environment, Limit: in.Limit, Before: before})
			out := deploymentsPage{Deployments: make([]deploymentOut, len(pg.Items)), NextCursor: encodeCursor("d", pg.Next)}
			for i, d := range pg.Items {
				out.Deployments[i] = deploymentRecord(d)
			}
			return out, err
		})
	})
}
