package wfmcp

import (
	"context"
	"time"

	"github.com/perfgate/perfgate/servers/internal/tool"
	"github.com/perfgate/perfgate/servers/workflow"
)

// Claim leases, in seconds.
const (
	DefaultLeaseSeconds = 300
	MaxLeaseSeconds     = 86400
)

type createWorkItemIn struct {
	Project  string         `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	Type     string         `json:"type" jsonschema:"Kind of work,enum=project,enum=session,enum=task,enum=research,enum=subtask"`
	Title    string         `json:"title"`
	Parent   int64          `json:"parent,omitempty" jsonschema:"Parent work item id; at most 5 levels"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

type workItemResult struct {
	WorkItem workItemOut `json:"work_item"`
}

type updateWorkItemIn struct {
	Project         string         `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	ID              int64          `json:"id"`
	ExpectedVersion int            `json:"expected_version" jsonschema:"The version you read; a mismatch is refused"`
	Title           *string        `json:"title,omitempty"`
	Status          *string        `json:"status,omitempty" jsonschema:"completed and cancelled end the claim,enum=planned,enum=active,enum=blocked,enum=completed,enum=cancelled"`
	Metadata        map[string]any `json:"metadata,omitempty" jsonschema:"Replaces the metadata when given"`
}

type idIn struct {
	Project string `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	ID      int64  `json:"id"`
}

type workItemDetailOut struct {
	WorkItem  workItemOut `json:"work_item"`
	Ancestors []itemRef   `json:"ancestors"`
	Children  []itemRef   `json:"children"`
	Links     []linkOut   `json:"links"`
}

type queryWorkItemsIn struct {
	Project string `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	Status  string `json:"status,omitempty" jsonschema:"enum=planned,enum=active,enum=blocked,enum=completed,enum=cancelled"`
	Type    string `json:"type,omitempty" jsonschema:"enum=project,enum=session,enum=task,enum=research,enum=subtask"`
	Parent  *int64 `json:"parent,omitempty" jsonschema:"Children of this item; 0 for top-level items"`
	Ready   *bool  `json:"ready,omitempty" jsonschema:"true: unfinished items that nothing unfinished blocks, nor their ancestors; false: the others"`
	Limit   int    `json:"limit,omitempty" jsonschema:"Page size, 1-500 (default 50)"`
	Cursor  string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

type workItemsPage struct {
	WorkItems  []workItemOut `json:"work_items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

type addDependencyIn struct {
	Project string `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	From    int64  `json:"from" jsonschema:"The item that must finish first (blocks)"`
	To      int64  `json:"to" jsonschema:"The item that waits"`
	Kind    string `json:"kind,omitempty" jsonschema:"Default blocks,enum=blocks,enum=relates"`
}

type dependencyResult struct {
	Dependency dependencyOut `json:"dependency"`
}

type claimIn struct {
	Project      string `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	ID           int64  `json:"id"`
	Owner        string `json:"owner" jsonschema:"Who claims: your agent or session name"`
	LeaseSeconds int    `json:"lease_seconds,omitempty" jsonschema:"Lease length, 1-86400 (default 300); claim again to renew"`
}

type releaseIn struct {
	Project string `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	ID      int64  `json:"id"`
	Owner   string `json:"owner" jsonschema:"The owner that claimed it"`
}

func (t *tools) addWorkItemTools(r tool.Registrar) {
	tool.Add(r, tool.Spec{
		Name:        "create_work_item",
		Description: "Create a work item, top-level or under a parent (at most 5 levels deep). Status starts planned.",
	}, func(ctx context.Context, in createWorkItemIn) (workItemResult, error) {
		if in.Title == "" {
			return workItemResult{}, tool.Errorf("title is empty: say what the work is")
		}
		return inProject(ctx, t, in.Project, func(p int64) (workItemResult, error) {
			w, err := t.Store.CreateWorkItem(ctx, p, workflow.NewWorkItem{Type: workflow.WorkItemType(in.Type), Title: in.Title,
				ParentID: in.Parent, Metadata: in.Metadata})
			return workItemResult{WorkItem: workItemRecord(w)}, err
		})
	})

	tool.Add(r, tool.Spec{
		Name:        "update_work_item",
		Description: "Change a work item's title, status or metadata if its version is still expected_version.",
		Destructive: true,
	}, func(ctx context.Context, in updateWorkItemIn) (workItemResult, error) {
		u := workflow.WorkItemUpdate{ID: in.ID, ExpectedVersion: in.ExpectedVersion, Title: in.Title, Metadata: in.Metadata}
		if in.Status != nil {
			st := workflow.Status(*in.Status)
			u.Status = &st
		}
		return inProject(ctx, t, in.Project, func(p int64) (workItemResult, error) {
			w, err := t.Store.UpdateWorkItem(ctx, p, u)
			return workItemResult{WorkItem: workItemRecord(w)}, err
		})
	})

	tool.Add(r, tool.Spec{
		Name:        "get_work_item",
		Description: "Get a work item with its ancestors, children and dependencies.",
		ReadOnly:    true,
	}, func(ctx context.Context, in idIn) (workItemDetailOut, error) {
		return inProject(ctx, t, in.Project, func(p int64) (workItemDetailOut, error) {
			d, err := t.Store.GetWorkItem(ctx, p, in.ID)
			if err != nil {
				return workItemDetailOut{}, err
			}
			return workItemDetailOut{
				WorkItem:  workItemRecord(d.Item),
				Ancestors: itemRefs(d.Ancestors),
				Children:  itemRefs(d.Children),
				Links:     linkRecords(d),
			}, nil
		})
	})

	tool.Add(r, tool.Spec{
		Name:        "query_work_items",
		Description: "List work items, oldest first, by status, type, parent and readiness.",
		ReadOnly:    true,
	}, func(ctx context.Context, in queryWorkItemsIn) (workItemsPage, error) {
		after, err := decodeCursor("w", in.Cursor)
		if err != nil {
			return workItemsPage{}, err
		}
		return inProject(ctx, t, in.Project, func(p int64) (workItemsPage, error) {
			pg, err := t.Store.QueryWorkItems(ctx, p, workflow.WorkItemQuery{Status: workflow.Status(in.Status),
				Type: workflow.WorkItemType(in.Type), Parent: in.Parent, Ready: in.Ready, Limit: in.Limit, After: after})
			return workItemsPage{WorkItems: workItemRecords(pg.Items), NextCursor: encodeCursor("w", pg.Next)}, err
		})
	})

	tool.Add(r, tool.Spec{
		Name:        "add_dependency",
		Description: "Link two work items: from blocks to (to waits until from is completed or cancelled), or relates. Refuses cycles.",
		Idempotent:  true,
	}, func(ctx context.Context, in addDependencyIn) (dependencyResult, error) {
		kind := workflow.DependencyKind(in.Kind)
		if kind == "" {
			kind = workflow.KindBlocks
		}
		return inProject(ctx, t, in.Project, func(p int64) (dependencyResult, error) {
			d, err := t.Store.AddDependency(ctx, p, in.From, in.To, kind)
			return dependencyResult{Dependency: dependencyOut{From: d.From, To: d.To, Kind: string(d.Kind)}}, err
		})
	})

	tool.Add(r, tool.Spec{
		Name:        "claim_work_item",
		Description: "Claim a work item for owner until the lease expires; one owner at a time.",
	}, func(ctx context.Context, in claimIn) (workItemResult, error) {
		if in.Owner == "" {
			return workItemResult{}, tool.Errorf("owner is empty: pass a name that identifies you, e.g. your session id")
		}
		lease := in.LeaseSeconds
		if lease == 0 {
			lease = DefaultLeaseSeconds
		}
		if lease < 1 || lease > MaxLeaseSeconds {
			return workItemResult{}, tool.Errorf("lease_seconds is %d: pass 1 to %d", in.LeaseSeconds, MaxLeaseSeconds)
		}
		return inProject(ctx, t, in.Project, func(p int64) (workItemResult, error) {
			w, err := t.Store.ClaimWorkItem(ctx, p, in.ID, in.Owner, time.Duration(lease)*time.Second)
			return workItemResult{WorkItem: workItemRecord(w)}, err
		})
	})

	tool.Add(r, tool.Spec{
		Name:        "release_work_item",
		Description: "End your claim on a work item.",
	}, func(ctx context.Context, in releaseIn) (workItemResult, error) {
		return inProject(ctx, t, in.Project, func(p int64) (workItemResult, error) {
			w, err := t.Store.ReleaseWorkItem(ctx, p, in.ID, in.Owner)
			return workItemResult{WorkItem: workItemRecord(w)}, err
		})
	})
}
