package wfmcp_test

import (
	"fmt"
	"testing"

	"github.com/perfgate/perfgate/servers/workflow/wfserver"
)

func TestDeployments(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)
	s.newProject("deploys")
	task := s.item("task", "ship it", 0)
	s.ok("register_entity_type", map[string]any{"name": "release", "schema": map[string]any{"type": "object"}})
	ent := num(s.ok("create_entity", map[string]any{"type": "release", "name": "v1", "data": map[string]any{}}), "entity", "id")

	var ids []int64
	for i, env := range []string{"staging", "production", "staging"} {
		d := s.ok("record_deployment", map[string]any{"environment": env, "commit": fmt.Sprintf("abc%d", i), "status": "succeeded",
			"work_items": []any{task, task}, "entities": []any{ent}})
		if fmt.Sprint(get(d, "deployment", "work_items")) != fmt.Sprintf("[%d]", task) {
			t.Errorf("record_deployment = %v", d)
		}
		ids = append(ids, num(d, "deployment", "id"))
	}
	s.fail("record_deployment", map[string]any{"environment": "staging", "commit": "x", "status": "succeeded", "work_items": []any{task, 777777}},
		"work item 777777 does not exist")
	s.fail("record_deployment", map[string]any{"environment": "staging", "commit": "x", "status": "shipped"}, "/status", "must be one of")

	page := s.ok("list_deployments", map[string]any{"environment": "staging", "limit": 1})
	deps := get(page, "deployments").([]any)
	if len(deps) != 1 || num(deps[0], "id") != ids[2] || get(page, "next_cursor") == nil {
		t.Fatalf("first staging page %v", page)
	}
	page = s.ok("list_deployments", map[string]any{"environment": "staging", "limit": 1, "cursor": get(page, "next_cursor")})
	if deps := get(page, "deployments").([]any); len(deps) != 1 || num(deps[0], "id") != ids[0] {
		t.Errorf("second staging page %v", page)
	}
	if n := len(get(s.ok("list_deployments", nil), "deployments").([]any)); n != 3 {
		t.Errorf("%d deployments, want 3", n)
	}
}
