package wfmcp_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perfgate/perfgate/servers/workflow/wfserver"
)

func (s *session) item(typ, title string, parent int64) int64 {
	s.t.Helper()
	args := map[string]any{"type": typ, "title": title}
	if parent != 0 {
		args["parent"] = parent
	}
	return num(s.ok("create_work_item", args), "work_item", "id")
}

// ids lists the ids of a page of work items.
func ids(page map[string]any) []int64 {
	var out []int64
	items, _ := get(page, "work_items").([]any)
	for _, w := range items {
		out = append(out, num(w, "id"))
	}
	return out
}

// Five levels are allowed, a sixth is refused with what to do instead.
func TestHierarchyDepth(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)
	s.newProject("deep")
	chain := []int64{s.item("project", "level 1", 0)}
	for i, typ := range []string{"session", "task", "subtask", "subtask"} {
		chain = append(chain, s.item(typ, fmt.Sprintf("level %d", i+2), chain[len(chain)-1]))
	}
	msg := s.fail("create_work_item", map[string]any{"type": "subtask", "title": "level 6", "parent": chain[4]},
		fmt.Sprintf("work item %d is at level 5, the deepest allowed", chain[4]), "level 6", "shallower parent")
	t.Log(msg)
	s.fail("create_work_item", map[string]any{"type": "task", "title": "orphan", "parent": 99999},
		"parent work item 99999 does not exist", "omit parent")
	s.fail("create_work_item", map[string]any{"type": "epic", "title": "x"}, "/type", "must be one of")

	d := s.ok("get_work_item", map[string]any{"id": chain[2]})
	if num(d, "work_item", "depth") != 3 {
		t.Errorf("depth %d, want 3", num(d, "work_item", "depth"))
	}
	var anc []int64
	for _, a := range get(d, "ancestors").([]any) {
		anc = append(anc, num(a, "id"))
	}
	if fmt.Sprint(anc) != fmt.Sprint(chain[:2]) {
		t.Errorf("ancestors %v, want %v (root first)", anc, chain[:2])
	}
	if ch := get(d, "children").([]any); len(ch) != 1 || num(ch[0], "id") != chain[3] {
		t.Errorf("children %v, want [%d]", ch, chain[3])
	}
	if got := ids(s.ok("query_work_items", map[string]any{"parent": chain[0]})); fmt.Sprint(got) != fmt.Sprint(chain[1:2]) {
		t.Errorf("children of %d: %v", chain[0], got)
	}
	if got := ids(s.ok("query_work_items", map[string]any{"parent": 0})); fmt.Sprint(got) != fmt.Sprint(chain[:1]) {
		t.Errorf("top-level items: %v", got)
	}
}

// A cycle of blocks is refused with the loop it would make.
func TestDependencyCycle(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)
	s.newProject("cycles")
	a, b, c := s.item("task", "a", 0), s.item("task", "b", 0), s.item("task", "c", 0)
	s.ok("add_dependency", map[string]any{"from": a, "to": b})
	s.ok("add_dependency", map[string]any{"from": b, "to": c})
	msg := s.fail("add_dependency", map[string]any{"from": c, "to": a},
		fmt.Sprintf("%d blocks %d would create a dependency cycle: %d → %d → %d → %d", c, a, a, b, c, a), "relates")
	t.Log(msg)
	s.fail("add_dependency", map[string]any{"from": a, "to": a}, "cycle")
	// relates may loop.
	s.ok("add_dependency", map[string]any{"from": c, "to": a, "kind": "relates"})
	s.fail("add_dependency", map[string]any{"from": a, "to": 424242}, "work item 424242 does not exist")

	d := s.ok("get_work_item", map[string]any{"id": b})
	var links []string
	for _, l := range get(d, "links").([]any) {
		links = append(links, fmt.Sprintf("%s:%d", get(l, "relation"), num(l, "id")))
	}
	if want := []string{fmt.Sprintf("blocked_by:%d", a), fmt.Sprintf("blocks:%d", c)}; fmt.Sprint(links) != fmt.Sprint(want) {
		t.Errorf("links of b: %v, want %v", links, want)
	}
}

// Two concurrent add_dependency calls that would close a cycle together:
// at most one of them succeeds, every round.
func TestConcurrentDependencyCycle(t *testing.T) {
	t.Parallel()
	e := start(t, wfserver.Options{})
	s1, s2 := e.session(t), e.session(t)
	s1.newProject("race")
	for round := range 20 {
		x, y := s1.item("task", fmt.Sprintf("x%d", round), 0), s1.item("task", fmt.Sprintf("y%d", round), 0)
		var wg sync.WaitGroup
		var errs [2]bool
		wg.Go(func() { errs[0] = s1.call("add_dependency", map[string]any{"from": x, "to": y}).IsError })
		wg.Go(func() { errs[1] = s2.call("add_dependency", map[string]any{"from": y, "to": x}).IsError })
		wg.Wait()
		if errs[0] == errs[1] {
			t.Fatalf("round %d: errors %v, want exactly one of the two edges refused", round, errs)
		}
	}
}

// ready: unfinished items that nothing unfinished blocks, directly or
// through an ancestor.
func TestReady(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)
	s.newProject("ready")
	design := s.item("task", "design", 0)
	build := s.item("task", "build", 0)
	buildPart := s.item("subtask", "build part", build)
	docs := s.item("task", "docs", 0)
	s.ok("add_dependency", map[string]any{"from": design, "to": build})
	s.ok("add_dependency", map[string]any{"from": build, "to": docs})

	ready := func() []int64 {
		return ids(s.ok("query_work_items", map[string]any{"ready": true}))
	}
	if got := ready(); fmt.Sprint(got) != fmt.Sprint([]int64{design}) {
		t.Fatalf("ready %v, want only design %d", got, design)
	}
	if got := ids(s.ok("query_work_items", map[string]any{"ready": false})); fmt.Sprint(got) != fmt.Sprint([]int64{build, buildPart, docs}) {
		t.Errorf("not ready %v, want %v", got, []int64{build, buildPart, docs})
	}
	s.ok("update_work_item", map[string]any{"id": design, "expected_version": 1, "status": "completed"})
	if got := ready(); fmt.Sprint(got) != fmt.Sprint([]int64{build, buildPart}) {
		t.Errorf("ready after design is done: %v, want build and its part", got)
	}
	s.ok("update_work_item", map[string]any{"id": build, "expected_version": 1, "status": "cancelled"})
	if got := ready(); fmt.Sprint(got) != fmt.Sprint([]int64{buildPart, docs}) {
		t.Errorf("ready after build is cancelled: %v, want build part and docs", got)
	}
	if got := ids(s.ok("query_work_items", map[string]any{"status": "cancelled", "type": "task"})); fmt.Sprint(got) != fmt.Sprint([]int64{build}) {
		t.Errorf("cancelled tasks %v", got)
	}
}

// 50 clients claim one work item at once: exactly one owns it; after the
// lease expires another can claim it.
func TestConcurrentClaim(t *testing.T) {
	t.Parallel()
	const clients = 50
	e := start(t, wfserver.Options{})
	s := e.session(t)
	s.newProject("claims")
	id := s.item("task", "contested", 0)

	sessions := make([]*session, clients)
	for i := range sessions {
		sessions[i] = e.session(t)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var owners, refusals []string
	startLine := make(chan struct{})
	for i, c := range sessions {
		wg.Go(func() {
			<-startLine
			owner := fmt.Sprintf("agent-%02d", i)
			// A lease that outlasts the contest on a loaded machine.
			res := c.call("claim_work_item", map[string]any{"id": id, "owner": owner, "lease_seconds": 60})
			mu.Lock()
			defer mu.Unlock()
			if res.IsError {
				refusals = append(refusals, text(res))
			} else {
				owners = append(owners, owner)
			}
		})
	}
	close(startLine)
	wg.Wait()
	if len(owners) != 1 {
		t.Fatalf("%d claims succeeded (%v), want exactly 1", len(owners), owners)
	}
	for _, r := range refusals {
		if !strings.Contains(r, fmt.Sprintf("claimed by %q", owners[0])) || !strings.Contains(r, "ready true") {
			t.Errorf("refusal %q does not name the owner and what to do", r)
		}
	}
	item := s.ok("get_work_item", map[string]any{"id": id})
	if get(item, "work_item", "owner") != owners[0] {
		t.Errorf("owner %v, want %s", get(item, "work_item", "owner"), owners[0])
	}

	// Another is refused while the lease runs.
	other := "agent-late"
	s.fail("claim_work_item", map[string]any{"id": id, "owner": other, "lease_seconds": 60}, "claimed by")
	// The owner renews for one second; after that lease expires, another
	// can claim it.
	s.ok("claim_work_item", map[string]any{"id": id, "owner": owners[0], "lease_seconds": 1})
	deadline := time.Now().Add(5 * time.Second)
	for {
		res := s.call("claim_work_item", map[string]any{"id": id, "owner": other, "lease_seconds": 60})
		if !res.IsError {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("claim after the lease: %s", text(res))
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.fail("release_work_item", map[string]any{"id": id, "owner": owners[0]}, fmt.Sprintf("claimed by %q", other))
	rel := s.ok("release_work_item", map[string]any{"id": id, "owner": other})
	if get(rel, "work_item", "owner") != nil {
		t.Errorf("owner after release: %v", get(rel, "work_item", "owner"))
	}
	s.fail("release_work_item", map[string]any{"id": id, "owner": other}, "not claimed")
	// Finishing an item ends its claim, and a finished item cannot be claimed.
	s.ok("claim_work_item", map[string]any{"id": id, "owner": other})
	done := s.ok("update_work_item", map[string]any{"id": id, "expected_version": 1, "status": "completed"})
	if get(done, "work_item", "owner") != nil {
		t.Errorf("a completed item is still owned: %v", done)
	}
	s.fail("claim_work_item", map[string]any{"id": id, "owner": other}, "completed", "nothing left to claim")
	s.fail("claim_work_item", map[string]any{"id": id, "owner": other, "lease_seconds": 100000}, "lease_seconds")
}

func TestUpdateWorkItem(t *testing.T) {
	t.Parallel()
	s := start(t, wfserver.Options{}).session(t)
	s.newProject("updates")
	id := num(s.ok("create_work_item", map[string]any{"type": "research", "title": "r", "metadata": map[string]any{"k": "v"}}), "work_item", "id")
	w := s.ok("update_work_item", map[string]any{"id": id, "expected_version": 1, "title": "renamed"})
	if get(w, "work_item", "title") != "renamed" || get(w, "work_item", "metadata", "k") != "v" || get(w, "work_item", "status") != "planned" {
		t.Errorf("update of the title only: %v", w)
	}
	w = s.ok("update_work_item", map[string]any{"id": id, "expected_version": 2, "metadata": map[string]any{"n": 1}})
	if get(w, "work_item", "metadata", "k") != nil || num(w, "work_item", "metadata", "n") != 1 || num(w, "work_item", "version") != 3 {
		t.Errorf("metadata replaced: %v", w)
	}
	s.fail("update_work_item", map[string]any{"id": id, "expected_version": 3, "status": "done"}, "/status", "must be one of")
	if !slices.Contains([]string{"planned"}, get(w, "work_item", "status").(string)) {
		t.Errorf("status %v", get(w, "work_item", "status"))
	}
}
