package wfmcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/perfgate/perfgate/servers/internal/tool"
	"github.com/perfgate/perfgate/servers/workflow"
)

// userError translates the domain's errors into tool errors whose message
// says what to do. Other errors pass through: tool.Add shows retryable
// ones (database busy or unavailable) as such and hides the rest as
// internal errors. project names the project of the call, for messages.
func userError(err error, project string) error {
	if err == nil {
		return nil
	}
	in := ""
	if project != "" {
		in = fmt.Sprintf(" in project %q", project)
	}
	var (
		unknownProject *workflow.UnknownProjectError
		unknownType    *workflow.UnknownTypeError
		conflict       *workflow.ConflictError
		invalid        *workflow.ValidationError
		badSchema      *workflow.InvalidSchemaError
		badEntities    *workflow.InvalidEntitiesError
		input          *workflow.InputError
		exists         *workflow.ExistsError
		notFound       *workflow.NotFoundError
		depth          *workflow.DepthError
		cycle          *workflow.CycleError
		claimed        *workflow.ClaimedError
	)
	switch {
	case errors.Is(err, workflow.ErrNoActiveProject):
		return tool.Errorf("no active project: pass project (a name or id), or set the active project with switch_project; " +
			"create_project makes a new one (list_projects shows those that exist)")
	case errors.As(err, &unknownProject):
		if len(unknownProject.Known) == 0 {
			return tool.Errorf("project %q does not exist, and there are no projects yet: create it with create_project", unknownProject.Ref)
		}
		return tool.Errorf("project %q does not exist; the projects are: %s. Pass one of those as project, or create it with create_project",
			unknownProject.Ref, strings.Join(unknownProject.Known, ", "))
	case errors.As(err, &unknownType):
		known := "none yet"
		if len(unknownType.Known) > 0 {
			known = strings.Join(unknownType.Known, ", ")
		}
		return tool.Errorf("entity type %q is not registered%s (registered: %s): register it first with register_entity_type {name, schema}, or use one of those",
			unknownType.Name, in, known)
	case errors.As(err, &conflict):
		record := recordJSON(conflict.Record)
		return tool.Errorf("version conflict: %s %d is at version %d, not %d — it changed since you read it. Current record: %s. "+
			"Re-apply your change to this record and retry with expected_version %d",
			conflict.What, conflict.ID, conflict.Current, conflict.Expected, record, conflict.Current)
	case errors.As(err, &invalid):
		return tool.Errorf("data does not match the schema of entity type %q: %s. Fix those fields and retry (the rules are the schema given to register_entity_type)",
			invalid.Type, violations(invalid.Violations))
	case errors.As(err, &badSchema):
		return tool.Errorf("schema is not a usable JSON Schema: %s. Fix it and call register_entity_type again", badSchema.Reason)
	case errors.As(err, &badEntities):
		var parts []string
		for _, e := range badEntities.Entities {
			parts = append(parts, fmt.Sprintf("entity %d %q: %s", e.ID, e.Name, violations(e.Violations)))
		}
		return tool.Errorf("the new schema of %q would make %d existing entities invalid, so nothing changed: %s. "+
			"Fix them with update_entity first, or register without revalidate",
			badEntities.Type, badEntities.Count, strings.Join(parts, " | "))
	case errors.As(err, &input):
		return tool.Errorf("%s: %s", input.Field, input.Reason)
	case errors.As(err, &exists):
		switch exists.What {
		case "project":
			return tool.Errorf("project %q already exists (id %d): make it active with switch_project, or pick another name", exists.Name, exists.ID)
		default:
			return tool.Errorf("%s %q already exists%s (id %d): change it with update_entity, or pick another name", exists.What, exists.Name, in, exists.ID)
		}
	case errors.As(err, &notFound):
		hint := map[string]string{
			"entity":           "query_entities lists the ids",
			"work item":        "query_work_items lists the ids",
			"parent work item": "query_work_items lists the ids; omit parent for a top-level item",
		}[notFound.What]
		if hint == "" {
			hint = "check the id"
		}
		return tool.Errorf("%s %d does not exist%s: %s", notFound.What, notFound.ID, in, hint)
	case errors.As(err, &depth):
		return tool.Errorf("work item %d is at level %d, the deepest allowed (%d levels): a child would be level %d. "+
			"Attach the new item to a shallower parent, such as the parent of item %d, or track it in item %d's metadata",
			depth.Parent, depth.ParentDepth, workflow.MaxDepth, depth.ParentDepth+1, depth.Parent, depth.Parent)
	case errors.As(err, &cycle):
		return tool.Errorf("%d blocks %d would create a dependency cycle: %s. Nothing was added: drop one link of the loop from your plan, "+
			"or use kind \"relates\" for a link that does not block", cycle.From, cycle.To, path(cycle.Path))
	case errors.As(err, &claimed):
		if claimed.Owner == "" {
			return tool.Errorf("work item %d is not claimed: there is nothing to release", claimed.ID)
		}
		left := time.Until(claimed.Until).Round(time.Second)
		return tool.Errorf("work item %d is claimed by %q until %s (%s left): pick another item (query_work_items with ready true), "+
			"or retry after the lease expires; only the owner can release it or renew it",
			claimed.ID, claimed.Owner, claimed.Until.UTC().Format(time.RFC3339), max(left, 0))
	}
	return err
}

func violations(vs []workflow.Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return strings.Join(parts, "; ")
}

func path(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, " → ")
}

// recordJSON renders a conflicting record as the tools return it.
func recordJSON(r any) string {
	var v any = r
	switch r := r.(type) {
	case workflow.Entity:
		v = entityRecord(r)
	case workflow.WorkItem:
		v = workItemRecord(r)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "(unavailable)"
	}
	return string(b)
}
