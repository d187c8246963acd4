package wfmcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/perfgate/perfgate/servers/internal/tool"
	"github.com/perfgate/perfgate/servers/workflow"
)

type linkCodeIn struct {
	Project     string `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	WorkItem    int64  `json:"work_item"`
	CodeProject string `json:"code_project,omitempty" jsonschema:"codebase-mcp's project, not this server's (default: its default)"`
	Repository  string `json:"repository"`
	Path        string `json:"path"`
	Symbol      string `json:"symbol,omitempty"`
	StartLine   int    `json:"start_line"`
	EndLine     int    `json:"end_line"`
	ContentHash string `json:"content_hash"`
}

type codeRefResult struct {
	CodeRef codeRefOut `json:"code_ref"`
}

type checkCodeIn struct {
	Project  string `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	WorkItem int64  `json:"work_item,omitempty" jsonschema:"Only this item's references (default: all)"`
	Limit    int    `json:"limit,omitempty" jsonschema:"Page size, 1-200 (default 50)"`
	Cursor   string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

type checkCodeOut struct {
	CodeRefs   []codeRefOut `json:"code_refs"`
	Notice     string       `json:"notice,omitempty"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

func (t *tools) addCodeTools(r tool.Registrar) {
	tool.Add(r, tool.Spec{
		Name:        "link_code",
		Description: "Link a work item to code: copy the fields of a codebase-mcp search_code hit, and the answer's project as code_project.",
	}, func(ctx context.Context, in linkCodeIn) (codeRefResult, error) {
		if in.Repository == "" || in.Path == "" || in.ContentHash == "" {
			return codeRefResult{}, tool.Errorf("repository, path and content_hash are required: copy them from the search_code hit")
		}
		return inProject(ctx, t, in.Project, func(p int64) (codeRefResult, error) {
			ref, err := t.Store.LinkCode(ctx, p, workflow.CodeRef{WorkItemID: in.WorkItem, CodeProject: strings.TrimSpace(in.CodeProject),
				Repository: in.Repository, Path: in.Path,
				Symbol: in.Symbol, StartLine: in.StartLine, EndLine: in.EndLine, ContentHash: in.ContentHash})
			return codeRefResult{CodeRef: codeRefRecord(ref)}, err
		})
	})

	tool.Add(r, tool.Spec{
		Name:        "check_code_references",
		Description: "Ask codebase-mcp whether linked code is current, changed or missing; unknown, with a notice, if unreachable.",
		ReadOnly:    true,
		OpenWorld:   true,
	}, func(ctx context.Context, in checkCodeIn) (checkCodeOut, error) {
		after, err := decodeCursor("c", in.Cursor)
		if err != nil {
			return checkCodeOut{}, err
		}
		return inProject(ctx, t, in.Project, func(p int64) (checkCodeOut, error) {
			pg, err := t.Store.ListCodeRefs(ctx, p, workflow.CodeRefQuery{WorkItemID: in.WorkItem, Limit: in.Limit, After: after})
			if err != nil {
				return checkCodeOut{}, err
			}
			out := checkCodeOut{CodeRefs: codeRefRecords(pg.Items), NextCursor: encodeCursor("c", pg.Next)}
			statuses, notice := t.check(ctx, pg.Items)
			for i := range out.CodeRefs {
				out.CodeRefs[i].Status = string(statuses[i])
			}
			out.Notice = notice
			return out, nil
		})
	})
}

// check asks codebase-mcp about refs. It never fails: when codebase-mcp is
// not configured or cannot be asked, every status is unknown and the
// notice says why.
func (t *tools) check(ctx context.Context, refs []workflow.CodeRef) ([]workflow.CodeStatus, string) {
	unknown := func() []workflow.CodeStatus {
		s := make([]workflow.CodeStatus, len(refs))
		for i := range s {
			s[i] = workflow.CodeUnknown
		}
		return s
	}
	if len(refs) == 0 {
		return nil, ""
	}
	if t.Code == nil {
		return unknown(), "codebase-mcp is not configured (start workflow-mcp with --codebase-url): statuses are unknown"
	}
	statuses, err := t.Code.Check(ctx, refs)
	if err != nil || len(statuses) != len(refs) {
		if err == nil {
			err = fmt.Errorf("%d statuses for %d references", len(statuses), len(refs))
		}
		t.Logger.WarnContext(ctx, "codebase-mcp check failed", "url", t.CodebaseURL, "request_id", tool.RequestID(ctx), "error", err.Error())
		return unknown(), fmt.Sprintf("codebase-mcp at %s could not be asked (%v): statuses are unknown; retry later", t.CodebaseURL, err)
	}
	return statuses, ""
}
