package wfmcp_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/perfgate/perfgate/servers/workflow/wfserver"
)

var decisionSchema = map[string]any{
	"type":     "object",
	"required": []any{"summary", "priority"},
	"properties": map[string]any{
		"summary":  map[string]any{"type": "string", "minLength": 1},
		"priority": map[string]any{"type": "integer", "minimum": 1, "maximum": 5},
		"status":   map[string]any{"enum": []any{"open", "closed"}},
		"owner":    map[string]any{"type": "object", "properties": map[string]any{"email": map[string]any{"type": "string", "pattern": "@"}}},
	},
}

func TestEntities(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)
	s.newProject("ents")
	reg := s.ok("register_entity_type", map[string]any{"name": "decision", "schema": decisionSchema})
	if num(reg, "version") != 1 {
		t.Errorf("register_entity_type = %v, want version 1", reg)
	}
	// Registering the same schema again changes nothing.
	if again := s.ok("register_entity_type", map[string]any{"name": "decision", "schema": decisionSchema}); num(again, "version") != 1 {
		t.Errorf("re-registering the same schema gave version %d, want 1", num(again, "version"))
	}

	var ids []int64
	for i := range 5 {
		status := "open"
		if i%2 == 1 {
			status = "closed"
		}
		tags := []any{"adr"}
		if i < 2 {
			tags = append(tags, "db")
		}
		e := s.ok("create_entity", map[string]any{"type": "decision", "name": fmt.Sprintf("d%d", i),
			"data": map[string]any{"summary": fmt.Sprintf("decision %d", i), "priority": i + 1, "status": status}, "tags": tags})
		if num(e, "entity", "version") != 1 {
			t.Errorf("create_entity = %v, want version 1", e)
		}
		ids = append(ids, num(e, "entity", "id"))
	}
	s.fail("create_entity", map[string]any{"type": "decision", "name": "d0", "data": map[string]any{"summary": "x", "priority": 1}},
		"already exists", "update_entity")

	// Containment filter, tags, and keyset pages.
	open := s.ok("query_entities", map[string]any{"filter": map[string]any{"status": "open"}})
	if n := len(get(open, "entities").([]any)); n != 3 {
		t.Errorf("filter status=open: %d entities, want 3", n)
	}
	db := s.ok("query_entities", map[string]any{"tags": []any{"db", "adr"}})
	if n := len(get(db, "entities").([]any)); n != 2 {
		t.Errorf("tags db+adr: %d entities, want 2", n)
	}
	var seen []int64
	cursor := ""
	for range 10 {
		args := map[string]any{"type": "decision", "limit": 2}
		if cursor != "" {
			args["cursor"] = cursor
		}
		page := s.ok("query_entities", args)
		for _, e := range get(page, "entities").([]any) {
			seen = append(seen, num(e, "id"))
		}
		cursor, _ = get(page, "next_cursor").(string)
		if cursor == "" {
			break
		}
	}
	if fmt.Sprint(seen) != fmt.Sprint(ids) {
		t.Errorf("paged ids %v, want %v", seen, ids)
	}
	s.fail("query_entities", map[string]any{"cursor": "bogus"}, "cursor", "next_cursor")

	// Update with the right version, then delete.
	up := s.ok("update_entity", map[string]any{"id": ids[0], "expected_version": 1,
		"data": map[string]any{"summary": "revised", "priority": 2}, "tags": []any{"x"}})
	if num(up, "entity", "version") != 2 || get(up, "entity", "data", "summary") != "revised" || fmt.Sprint(get(up, "entity", "tags")) != "[x]" {
		t.Errorf("update_entity = %v", up)
	}
	s.fail("delete_entity", map[string]any{"id": ids[0], "expected_version": 1}, "is at version 2", "expected_version 2")
	s.ok("delete_entity", map[string]any{"id": ids[0], "expected_version": 2})
	s.fail("delete_entity", map[string]any{"id": ids[0], "expected_version": 2}, "does not exist", "query_entities")
}

// A schema violation names each field and the rule it broke.
func TestEntitySchemaViolation(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)
	s.newProject("violations")
	s.ok("register_entity_type", map[string]any{"name": "decision", "schema": decisionSchema})

	msg := s.fail("create_entity", map[string]any{"type": "decision", "name": "bad",
		"data": map[string]any{"priority": 9, "status": "maybe", "owner": map[string]any{"email": "nobody"}}},
		`schema of entity type "decision"`,
		"/summary: required",
		"/priority: maximum",
		"/status: enum",
		"/owner/email: pattern",
		"Fix those fields")
	t.Log(msg)

	e := s.ok("create_entity", map[string]any{"type": "decision", "name": "good", "data": map[string]any{"summary": "s", "priority": 1}})
	id := num(e, "entity", "id")
	s.fail("update_entity", map[string]any{"id": id, "expected_version": 1, "data": map[string]any{"summary": "", "priority": "high"}},
		"/summary: minLength", "/priority: type")
	// The refused update changed nothing.
	if v := num(s.ok("update_entity", map[string]any{"id": id, "expected_version": 1, "data": map[string]any{"summary": "t", "priority": 2}}), "entity", "version"); v != 2 {
		t.Errorf("version after a refused then an accepted update = %d, want 2", v)
	}

	// An invalid schema is refused with the reason.
	t.Log(s.fail("register_entity_type", map[string]any{"name": "broken", "schema": map[string]any{"type": "objekt"}},
		"not a usable JSON Schema", "/type", "register_entity_type"))
	// A schema may not reach outside itself.
	t.Log(s.fail("register_entity_type", map[string]any{"name": "remote", "schema": map[string]any{"$ref": "file:///etc/passwd"}},
		"not a usable JSON Schema", "$defs"))

	// A stricter schema with revalidate is refused while entities break it.
	stricter := map[string]any{"type": "object", "required": []any{"summary", "priority", "owner"}}
	s.fail("register_entity_type", map[string]any{"name": "decision", "schema": stricter, "revalidate": true},
		"would make 1 existing entities invalid", "/owner: required", "update_entity")
	r := s.ok("register_entity_type", map[string]any{"name": "decision", "schema": stricter})
	if num(r, "version") != 2 {
		t.Errorf("register without revalidate = %v, want version 2", r)
	}
}

// An unknown type is refused with the registered ones and what to do.
func TestUnknownEntityType(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)
	s.newProject("types")
	s.fail("create_entity", map[string]any{"type": "decision", "name": "x", "data": map[string]any{}},
		`entity type "decision" is not registered in project "types"`, "none yet", "register_entity_type")
	s.ok("register_entity_type", map[string]any{"name": "note", "schema": map[string]any{"type": "object"}})
	s.ok("register_entity_type", map[string]any{"name": "risk", "schema": map[string]any{"type": "object"}})
	s.fail("create_entity", map[string]any{"type": "decision", "name": "x", "data": map[string]any{}},
		"registered: note, risk", "register_entity_type")
	s.fail("query_entities", map[string]any{"type": "decision"}, `entity type "decision" is not registered`, "note, risk")
}

// A wrong expected version is refused with the current version and record.
func TestWrongExpectedVersion(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)
	s.newProject("versions")
	s.ok("register_entity_type", map[string]any{"name": "note", "schema": map[string]any{"type": "object"}})
	id := num(s.ok("create_entity", map[string]any{"type": "note", "name": "n", "data": map[string]any{"text": "v1"}}), "entity", "id")
	s.ok("update_entity", map[string]any{"id": id, "expected_version": 1, "data": map[string]any{"text": "v2"}})
	s.fail("update_entity", map[string]any{"id": id, "expected_version": 1, "data": map[string]any{"text": "stale"}},
		"version conflict", fmt.Sprintf("entity %d is at version 2, not 1", id), `"text":"v2"`, "retry with expected_version 2")
	s.fail("update_entity", map[string]any{"id": id + 1000, "expected_version": 1, "data": map[string]any{}},
		"does not exist", "query_entities")

	w := num(s.ok("create_work_item", map[string]any{"type": "task", "title": "t"}), "work_item", "id")
	s.ok("update_work_item", map[string]any{"id": w, "expected_version": 1, "status": "active"})
	s.fail("update_work_item", map[string]any{"id": w, "expected_version": 1, "title": "late"},
		fmt.Sprintf("work item %d is at version 2, not 1", w), `"status":"active"`, "retry with expected_version 2")
}

// 50 clients update one entity with the same expected version at once:
// exactly one succeeds, the 49 others get the conflict with the current
// version. Twenty rounds.
func TestConcurrentUpdateEntity(t *testing.T) {
	t.Parallel()
	const clients, rounds = 50, 20
	e := start(t, wfserver.Options{})
	s := e.session(t)
	s.newProject("race")
	s.ok("register_entity_type", map[string]any{"name": "counter", "schema": map[string]any{
		"type": "object", "required": []any{"writer"}, "properties": map[string]any{"writer": map[string]any{"type": "integer"}}}})
	id := num(s.ok("create_entity", map[string]any{"type": "counter", "name": "c", "data": map[string]any{"writer": -1}}), "entity", "id")

	sessions := make([]*session, clients)
	for i := range sessions {
		sessions[i] = e.session(t)
	}
	for round := range rounds {
		expected := round + 1
		var wg sync.WaitGroup
		results := make([]string, clients)
		okCount := make([]bool, clients)
		startLine := make(chan struct{})
		for i, c := range sessions {
			wg.Go(func() {
				<-startLine
				res := c.call("update_entity", map[string]any{"id": id, "expected_version": expected, "data": map[string]any{"writer": i}})
				okCount[i] = !res.IsError
				results[i] = text(res)
			})
		}
		close(startLine)
		wg.Wait()
		winners := 0
		wantConflict := fmt.Sprintf("is at version %d, not %d", expected+1, expected)
		for i, ok := range okCount {
			switch {
			case ok:
				winners++
			case !strings.Contains(results[i], wantConflict) || !strings.Contains(results[i], fmt.Sprintf("retry with expected_version %d", expected+1)):
				t.Errorf("round %d, client %d: %s\nwant a conflict saying %q", round, i, results[i], wantConflict)
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d updates succeeded, want exactly 1", round, winners)
		}
	}
	final := s.ok("query_entities", map[string]any{"type": "counter"})
	if v := num(get(final, "entities").([]any)[0], "version"); v != rounds+1 {
		t.Errorf("final version %d, want %d", v, rounds+1)
	}
}
