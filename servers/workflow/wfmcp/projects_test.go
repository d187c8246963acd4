package wfmcp_test

import (
	"testing"

	"github.com/perfgate/perfgate/servers/workflow/wfserver"
)

func TestProjects(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)

	s.fail("get_active_project", nil, "no active project", "switch_project", "create_project")
	first := s.ok("create_project", map[string]any{"name": "alpha", "description": "first"})
	if get(first, "project", "active") != true {
		t.Errorf("the first project is not active: %v", first)
	}
	s.ok("create_project", map[string]any{"name": "beta"})
	if got := get(s.ok("get_active_project", nil), "project", "name"); got != "alpha" {
		t.Errorf("active project %v after creating a second one, want alpha", got)
	}
	s.fail("create_project", map[string]any{"name": "alpha"}, "already exists", "switch_project")
	s.fail("create_project", map[string]any{"name": "123"}, "name", "letter")

	switched := s.ok("switch_project", map[string]any{"project": "beta"})
	if get(switched, "project", "active") != true || get(switched, "project", "name") != "beta" {
		t.Errorf("switch_project = %v", switched)
	}
	// By id as well as by name.
	id := num(first, "project", "id")
	s.ok("switch_project", map[string]any{"project": itoa(id)})
	list := s.ok("list_projects", nil)
	projects := get(list, "projects").([]any)
	if len(projects) != 2 || get(projects[0], "name") != "alpha" || get(projects[0], "active") != true || get(projects[1], "active") != false {
		t.Errorf("list_projects = %v", list)
	}
}

// An unknown project is refused with the known ones and what to do.
func TestUnknownProject(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)
	s.fail("switch_project", map[string]any{"project": "nope"}, `project "nope" does not exist`, "no projects yet", "create_project")
	s.newProject("alpha")
	s.newProject("beta")
	for _, tool := range []string{"switch_project", "query_entities", "create_work_item", "list_deployments"} {
		args := map[string]any{"project": "gamma"}
		if tool == "create_work_item" {
			args["type"], args["title"] = "task", "x"
		}
		s.fail(tool, args, `project "gamma" does not exist`, "alpha, beta", "create_project")
	}
}

// With no active project and none given, tools say how to set one.
func TestNoActiveProject(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)
	s.ok("create_project", map[string]any{"name": "idle", "activate": false})
	s.fail("query_work_items", nil, "no active project", "pass project", "switch_project", "create_project")
	// Passing the project works without an active one.
	s.ok("query_work_items", map[string]any{"project": "idle"})
}
