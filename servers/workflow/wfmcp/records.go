package wfmcp

import (
	"time"

	"github.com/perfgate/perfgate/servers/workflow"
)

// The records tools return. Field names are the wire names agents see;
// descriptions live on the inputs, where they guide calls, to keep
// tools/list small.

type projectOut struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
}

func projectRecord(p workflow.Project) projectOut {
	return projectOut{ID: p.ID, Name: p.Name, Description: p.Description, Active: p.Active, CreatedAt: p.CreatedAt}
}

type entityOut struct {
	ID        int64          `json:"id"`
	Type      string         `json:"type"`
	Name      string         `json:"name"`
	Data      map[string]any `json:"data"`
	Tags      []string       `json:"tags"`
	Version   int            `json:"version"`
	UpdatedAt time.Time      `json:"updated_at"`
}

func entityRecord(e workflow.Entity) entityOut {
	if e.Tags == nil {
		e.Tags = []string{}
	}
	return entityOut{ID: e.ID, Type: e.Type, Name: e.Name, Data: e.Data, Tags: e.Tags, Version: e.Version, UpdatedAt: e.UpdatedAt}
}

type workItemOut struct {
	ID         int64          `json:"id"`
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Status     string         `json:"status"`
	ParentID   int64          `json:"parent,omitempty"`
	Depth      int            `json:"depth"`
	Metadata   map[string]any `json:"metadata,omitempty"`
	Owner      string         `json:"owner,omitempty"`
	LeaseUntil string         `json:"lease_until,omitempty"`
	Version    int            `json:"version"`
}

func workItemRecord(w workflow.WorkItem) workItemOut {
	out := workItemOut{ID: w.ID, Type: string(w.Type), Title: w.Title, Status: string(w.Status), ParentID: w.ParentID,
		Depth: w.Depth, Metadata: w.Metadata, Owner: w.Owner, Version: w.Version}
	if len(out.Metadata) == 0 {
		out.Metadata = nil
	}
	if w.LeaseUntil != nil {
		out.LeaseUntil = w.LeaseUntil.UTC().Format(time.RFC3339Nano)
	}
	return out
}

func workItemRecords(ws []workflow.WorkItem) []workItemOut {
	out := make([]workItemOut, len(ws))
	for i, w := range ws {
		out[i] = workItemRecord(w)
	}
	return out
}

type dependencyOut struct {
	From int64  `json:"from"`
	To   int64  `json:"to"`
	Kind string `json:"kind"`
}

// itemRef is a work item as get_work_item lists its surroundings.
type itemRef struct {
	ID     int64  `json:"id"`
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status string `json:"status"`
}

func itemRefs(ws []workflow.WorkItem) []itemRef {
	out := make([]itemRef, len(ws))
	for i, w := range ws {
		out[i] = itemRef{ID: w.ID, Type: string(w.Type), Title: w.Title, Status: string(w.Status)}
	}
	return out
}

// linkOut is a dependency as seen from one work item: the other item, and
// how it relates (blocked_by: it blocks this one; blocks: this one blocks
// it; relates).
type linkOut struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	Status   string `json:"status"`
	Relation string `json:"relation"`
}

func linkRecords(d workflow.WorkItemDetail) []linkOut {
	out := make([]linkOut, 0, len(d.BlockedBy)+len(d.Blocks)+len(d.Related))
	for _, dep := range d.BlockedBy {
		out = append(out, linkOut{ID: dep.From, Title: dep.FromTitle, Status: string(dep.FromStatus), Relation: "blocked_by"})
	}
	for _, dep := range d.Blocks {
		out = append(out, linkOut{ID: dep.To, Title: dep.ToTitle, Status: string(dep.ToStatus), Relation: "blocks"})
	}
	for _, dep := range d.Related {
		other := linkOut{ID: dep.To, Title: dep.ToTitle, Status: string(dep.ToStatus), Relation: "relates"}
		if dep.To == d.Item.ID {
			other = linkOut{ID: dep.From, Title: dep.FromTitle, Status: string(dep.FromStatus), Relation: "relates"}
		}
		out = append(out, other)
	}
	return out
}

type deploymentOut struct {
	ID          int64     `json:"id"`
	Environment string    `json:"environment"`
	Commit      string    `json:"commit"`
	Status      string    `json:"status"`
	Notes       string    `json:"notes,omitempty"`
	WorkItems   []int64   `json:"work_items"`
	Entities    []int64   `json:"entities"`
	DeployedAt  time.Time `json:"deployed_at"`
}

func deploymentRecord(d workflow.Deployment) deploymentOut {
	if d.WorkItems == nil {
		d.WorkItems = []int64{}
	}
	if d.Entities == nil {
		d.Entities = []int64{}
	}
	return deploymentOut{ID: d.ID, Environment: d.Environment, Commit: d.Commit, Status: string(d.Status), Notes: d.Notes,
		WorkItems: d.WorkItems, Entities: d.Entities, DeployedAt: d.DeployedAt}
}

type codeRefOut struct {
	ID          int64  `json:"id"`
	WorkItem    int64  `json:"work_item"`
	CodeProject string `json:"code_project,omitempty"`
	Repository  string `json:"repository"`
	Path        string `json:"path"`
	Symbol      string `json:"symbol,omitempty"`
	StartLine   int    `json:"start_line"`
	EndLine     int    `json:"end_line"`
	ContentHash string `json:"content_hash"`
	// Status is set by check_code_references only.
	Status string `json:"status,omitempty"`
}

func codeRefRecord(r workflow.CodeRef) codeRefOut {
	return codeRefOut{ID: r.ID, WorkItem: r.WorkItemID, CodeProject: r.CodeProject, Repository: r.Repository, Path: r.Path, Symbol: r.Symbol,
		StartLine: r.StartLine, EndLine: r.EndLine, ContentHash: r.ContentHash}
}

func codeRefRecords(rs []workflow.CodeRef) []codeRefOut {
	out := make([]codeRefOut, len(rs))
	for i, r := range rs {
		out[i] = codeRefRecord(r)
	}
	return out
}
