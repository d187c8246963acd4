package integration_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/servers/suites/internal/suitetest"
)

// TestCrossServer runs the scenarios of the cross-server flow, each on its
// own pair of servers and databases.
func TestCrossServer(t *testing.T) {
	scenarios := []struct {
		name string
		run  func(*testing.T, *stack)
	}{
		{"unchanged code stays current", unchangedStaysCurrent},
		{"edit inside the symbol is changed", editInsideSymbol},
		{"edit elsewhere in the file stays current", editElsewhereInFile},
		{"doc comment edit is changed", docCommentEdit},
		{"symbol moved within the file stays current", symbolMovedWithinFile},
		{"symbol moved to another file", symbolMovedToAnotherFile},
		{"deleted file is missing", fileDeleted},
		{"renamed file is missing at the old path", fileRenamed},
		{"two projects are isolated", projectsIsolated},
		{"references across two repositories", acrossRepositories},
		{"ready work items after their dependencies complete", readyAfterDependencies},
		{"deployment records linked items and entities", deploymentRecords},
		{"force re-index", forceReindex},
		{"codebase-mcp restarted in between", codebaseRestarted},
		{"a directory of this repository", realDirectory},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t, newStack(t))
		})
	}
}

// unchangedStaysCurrent: a reference to code nobody touched is current,
// also after a re-index that finds nothing to do.
func unchangedStaysCurrent(t *testing.T, s *stack) {
	repo := s.repo("calc", map[string]string{"calc.go": calcGo})
	first := s.index(repo, nil)
	if suitetest.Num(first, "files_indexed") != 1 {
		t.Errorf("first index: %v, want 1 file indexed", first)
	}
	add := s.hit("sum of two integers", "calc.go", "Add")
	item := s.task("make Add overflow-safe")
	ref := s.link(item, add)
	s.expect("after linking", item, map[int64]string{ref: "current"})

	again := s.index(repo, nil)
	if suitetest.Num(again, "files_unchanged") != 1 || suitetest.Num(again, "files_indexed") != 0 {
		t.Errorf("re-index without a change: %v, want 1 file unchanged and none indexed", again)
	}
	s.expect("after a re-index without a change", item, map[int64]string{ref: "current"})
}

// editInsideSymbol: changing a function's body makes its reference
// changed; a reference to another function of the same file stays current.
func editInsideSymbol(t *testing.T, s *stack) {
	repo := s.repo("calc", map[string]string{"calc.go": calcGo})
	s.index(repo, nil)
	item := s.task("review the numeric helpers")
	add := s.link(item, s.hit("sum of two integers", "calc.go", "Add"))
	scale := s.link(item, s.hit("multiply every element of a slice by a factor", "calc.go", "Scale"))
	s.expect("before the edit", item, map[int64]string{add: "current", scale: "current"})

	s.edit(repo, "calc.go", "return a + b", "return b + a // commutative")
	counts := s.index(repo, nil)
	if suitetest.Num(counts, "files_indexed") != 1 {
		t.Errorf("re-index after the edit: %v, want 1 file indexed", counts)
	}
	s.expect("after editing Add", item, map[int64]string{add: "changed", scale: "current"})
}

// editElsewhereInFile: the content hash is the chunk's text, so editing
// another function of the file and adding one leaves the reference current.
func editElsewhereInFile(t *testing.T, s *stack) {
	repo := s.repo("calc", map[string]string{"calc.go": calcGo})
	s.index(repo, nil)
	item := s.task("document Add")
	addHit := s.hit("sum of two integers", "calc.go", "Add")
	add := s.link(item, addHit)
	mean := s.link(item, s.hit("arithmetic mean of the values", "calc.go", "Mean"))

	s.edit(repo, "calc.go", "return sum / float64(len(xs))", "return sum / float64(len(xs)) // never NaN")
	s.write(repo, "calc.go", s.read(repo, "calc.go")+"\n// Neg returns the opposite of a number.\nfunc Neg(a int) int {\n\treturn -a\n}\n")
	s.index(repo, nil)
	s.expect("after editing Mean and adding Neg", item, map[int64]string{add: "current", mean: "changed"})
	if st, start, end := s.refStatus(addHit); st != "current" || start != suitetest.Num(addHit, "start_line") || end != suitetest.Num(addHit, "end_line") {
		t.Errorf("get_code_reference_status of Add = %s lines %d-%d, want current at the same lines %v-%v", st, start, end, addHit["start_line"], addHit["end_line"])
	}
}

// docCommentEdit: a function's chunk holds its doc comment, so editing
// only the comment changes the reference.
func docCommentEdit(t *testing.T, s *stack) {
	repo := s.repo("calc", map[string]string{"calc.go": calcGo})
	s.index(repo, nil)
	item := s.task("explain overflow")
	add := s.link(item, s.hit("sum of two integers", "calc.go", "Add"))
	s.edit(repo, "calc.go", "// Add returns the sum of two integers.", "// Add returns the sum of two integers; it wraps around on overflow.")
	s.index(repo, nil)
	s.expect("after editing Add's doc comment", item, map[int64]string{add: "changed"})
}

// symbolMovedWithinFile: moving a function, unchanged, to the end of its
// file keeps the reference current, and codebase-mcp says where it is now.
func symbolMovedWithinFile(t *testing.T, s *stack) {
	repo := s.repo("calc", map[string]string{"calc.go": calcGo})
	s.index(repo, nil)
	hit := s.hit("sum of two integers", "calc.go", "Add")
	item := s.task("move Add")
	ref := s.link(item, hit)

	rest, block := cutLines(t, s.read(repo, "calc.go"), suitetest.Num(hit, "start_line"), suitetest.Num(hit, "end_line"))
	s.write(repo, "calc.go", rest+"\n"+block)
	s.index(repo, nil)
	s.expect("after moving Add to the end of the file", item, map[int64]string{ref: "current"})

	st, start, end := s.refStatus(hit)
	if st != "current" || start == suitetest.Num(hit, "start_line") {
		t.Fatalf("get_code_reference_status = %s lines %d-%d, want current at new lines (it was at %v)", st, start, end, hit["start_line"])
	}
	if _, now := cutLines(t, s.read(repo, "calc.go"), start, end); now != block {
		t.Errorf("lines %d-%d now hold %q, want the moved function %q", start, end, now, block)
	}
}

// symbolMovedToAnotherFile: the reference names a path; after the function
// moves to a new file, the old path is indexed without it (changed), and a
// new search finds the same chunk, same content hash, at the new path.
func symbolMovedToAnotherFile(t *testing.T, s *stack) {
	repo := s.repo("calc", map[string]string{"calc.go": calcGo})
	s.index(repo, nil)
	hit := s.hit("multiply every element of a slice by a factor", "calc.go", "Scale")
	item := s.task("split calc.go")
	old := s.link(item, hit)

	rest, block := cutLines(t, s.read(repo, "calc.go"), suitetest.Num(hit, "start_line"), suitetest.Num(hit, "end_line"))
	s.write(repo, "calc.go", rest)
	s.write(repo, "scale.go", "package calc\n\n"+block)
	s.index(repo, nil)
	moved := s.hit("multiply every element of a slice by a factor", "scale.go", "Scale")
	if moved["content_hash"] != hit["content_hash"] {
		t.Errorf("Scale moved unchanged has content_hash %v, was %v", moved["content_hash"], hit["content_hash"])
	}
	now := s.link(item, moved)
	s.expect("after moving Scale to scale.go", item, map[int64]string{old: "changed", now: "current"})
}

// fileDeleted: a reference into a deleted file is missing once re-indexed;
// one into a file still there stays current.
func fileDeleted(t *testing.T, s *stack) {
	repo := s.repo("lib", map[string]string{"calc.go": calcGo, "greet/greet.go": greetGo})
	s.index(repo, nil)
	item := s.task("tidy the library")
	add := s.link(item, s.hit("sum of two integers", "calc.go", "Add"))
	hello := s.link(item, s.hit("greet a person by name", "greet/greet.go", "Hello"))

	if err := os.Remove(filepath.Join(repo, "greet", "greet.go")); err != nil {
		t.Fatal(err)
	}
	counts := s.index(repo, nil)
	if suitetest.Num(counts, "files_deleted") != 1 {
		t.Errorf("re-index after the delete: %v, want 1 file deleted", counts)
	}
	s.expect("after deleting greet.go", item, map[int64]string{add: "current", hello: "missing"})
	for _, h := range s.search("", "greet a person by name") {
		if h["path"] == "greet/greet.go" {
			t.Errorf("search_code still finds the deleted file: %v", h)
		}
	}
}

// fileRenamed: a reference names a path, so after a rename it is missing;
// the renamed file's chunk keeps its content hash and can be linked anew.
func fileRenamed(t *testing.T, s *stack) {
	repo := s.repo("lib", map[string]string{"greet.go": greetGo})
	s.index(repo, nil)
	hit := s.hit("greet a person by name", "greet.go", "Hello")
	item := s.task("localize greetings")
	old := s.link(item, hit)

	if err := os.Rename(filepath.Join(repo, "greet.go"), filepath.Join(repo, "welcome.go")); err != nil {
		t.Fatal(err)
	}
	counts := s.index(repo, nil)
	if suitetest.Num(counts, "files_deleted") != 1 || suitetest.Num(counts, "files_indexed") != 1 {
		t.Errorf("re-index after the rename: %v, want 1 file deleted and 1 indexed", counts)
	}
	renamed := s.hit("greet a person by name", "welcome.go", "Hello")
	if renamed["content_hash"] != hit["content_hash"] {
		t.Errorf("Hello in the renamed file has content_hash %v, was %v", renamed["content_hash"], hit["content_hash"])
	}
	now := s.link(item, renamed)
	s.expect("after renaming greet.go to welcome.go", item, map[int64]string{old: "missing", now: "current"})
}

// projectsIsolated: codebase-mcp projects never see each other's code, and
// workflow-mcp projects each check only their own references.
func projectsIsolated(t *testing.T, s *stack) {
	alpha := s.repo("alpha", map[string]string{"calc.go": calcGo})
	beta := s.repo("beta", map[string]string{"shipping.py": shippingPy})
	s.index(alpha, nil)
	s.index(beta, map[string]any{"project": "beta"})

	if got := paths(s.search("", "price of sending a parcel")); len(got) == 0 || slices.ContainsFunc(got, func(p string) bool { return strings.HasPrefix(p, "beta/") }) {
		t.Errorf("default project search = %v, want alpha's files only", got)
	}
	if got := paths(s.search("beta", "price of sending a parcel")); !slices.Equal(got, []string{"beta/shipping.py"}) {
		t.Errorf("project beta search = %v, want beta/shipping.py only", got)
	}
	if got := paths(s.search("beta", "sum of two integers")); slices.ContainsFunc(got, func(p string) bool { return strings.HasPrefix(p, "alpha/") }) {
		t.Errorf("project beta search = %v, want none of alpha's files", got)
	}

	mainItem := s.task("harden Add")
	add := s.link(mainItem, s.hit("sum of two integers", "calc.go", "Add"))
	s.newProject("other")
	otherItem := s.task("vectorize Scale")
	scale := s.link(otherItem, s.hit("multiply every element of a slice by a factor", "calc.go", "Scale"))

	s.edit(alpha, "calc.go", "return a + b", "return b + a")
	s.index(alpha, nil)
	s.project = "other"
	s.expect("project other, all references", 0, map[int64]string{scale: "current"})
	s.project = "main"
	s.expect("project main, all references", 0, map[int64]string{add: "changed"})
}

// acrossRepositories: one work item linked to code in two repositories of
// one project; each reference follows its own repository.
func acrossRepositories(t *testing.T, s *stack) {
	billing := s.repo("billing", map[string]string{"invoice.ts": invoiceTS})
	shipping := s.repo("shipping", map[string]string{"shipping.py": shippingPy})
	s.index(billing, nil)
	s.index(shipping, nil)
	item := s.task("unify the rounding of prices")
	tsHit := s.hit("total of the invoice lines with the tax rate applied", "invoice.ts", "invoiceTotal")
	pyHit := s.hit("sum of the leg distances between consecutive depots", "shipping.py", "Route.total_distance")
	if tsHit["repository"] != "billing" || pyHit["repository"] != "shipping" {
		t.Fatalf("hits in repositories %v and %v, want billing and shipping", tsHit["repository"], pyHit["repository"])
	}
	ts, py := s.link(item, tsHit), s.link(item, pyHit)
	s.expect("before any change", item, map[int64]string{ts: "current", py: "current"})

	s.edit(shipping, "shipping.py", "legs.get((a, b), 0)", "legs.get((a, b), legs.get((b, a), 0))")
	s.index(shipping, nil)
	s.expect("after editing shipping", item, map[int64]string{ts: "current", py: "changed"})

	if err := os.Remove(filepath.Join(billing, "invoice.ts")); err != nil {
		t.Fatal(err)
	}
	s.index(billing, nil)
	s.expect("after deleting billing's invoice.ts", item, map[int64]string{ts: "missing", py: "changed"})
}

// readyAfterDependencies: a linked task blocked by another becomes ready
// when that one completes, and its reference is checked as usual.
func readyAfterDependencies(t *testing.T, s *stack) {
	repo := s.repo("calc", map[string]string{"calc.go": calcGo})
	s.index(repo, nil)
	design := s.task("design overflow handling")
	build := s.task("implement overflow handling in Add")
	s.work.OK("add_dependency", map[string]any{"project": s.project, "from": design, "to": build, "kind": "blocks"})
	ref := s.link(build, s.hit("sum of two integers", "calc.go", "Add"))

	ready := func() []int64 {
		var ids []int64
		for _, w := range suitetest.List(s.work.OK("query_work_items", map[string]any{"project": s.project, "ready": true}), "work_items") {
			ids = append(ids, suitetest.Num(w, "id"))
		}
		slices.Sort(ids)
		return ids
	}
	if got := ready(); !slices.Equal(got, []int64{design}) {
		t.Errorf("ready before the design is done = %v, want [%d]", got, design)
	}
	d := s.work.OK("get_work_item", map[string]any{"project": s.project, "id": design})
	s.work.OK("update_work_item", map[string]any{"project": s.project, "id": design,
		"expected_version": suitetest.Num(d, "work_item", "version"), "status": "completed"})
	if got := ready(); !slices.Equal(got, []int64{build}) {
		t.Errorf("ready after the design is done = %v, want [%d]", got, build)
	}
	s.expect("the ready task's reference", build, map[int64]string{ref: "current"})

	s.edit(repo, "calc.go", "return a + b", "return a + b // TODO: overflow")
	s.index(repo, nil)
	s.expect("after the code changed", build, map[int64]string{ref: "changed"})
	links := suitetest.List(s.work.OK("get_work_item", map[string]any{"project": s.project, "id": build}), "links")
	if len(links) != 1 || suitetest.Num(links[0], "id") != design || links[0]["relation"] != "blocked_by" || links[0]["status"] != "completed" {
		t.Errorf("get_work_item links = %v, want blocked_by %d, completed", links, design)
	}
}

// deploymentRecords: a deployment records the linked work items and
// entities it ships; the references are checked independently of it.
func deploymentRecords(t *testing.T, s *stack) {
	repo := s.repo("calc", map[string]string{"calc.go": calcGo})
	s.index(repo, nil)
	s.work.OK("register_entity_type", map[string]any{"project": s.project, "name": "service", "schema": map[string]any{
		"type": "object", "required": []any{"owner"}, "properties": map[string]any{"owner": map[string]any{"type": "string"}}}})
	svc := suitetest.Num(s.work.OK("create_entity", map[string]any{"project": s.project, "type": "service", "name": "calc-api",
		"data": map[string]any{"owner": "numerics"}}), "entity", "id")
	item := s.task("ship overflow-safe Add")
	ref := s.link(item, s.hit("sum of two integers", "calc.go", "Add"))
	rec := s.work.OK("record_deployment", map[string]any{"project": s.project, "environment": "staging", "commit": "4f2a9c1",
		"status": "succeeded", "work_items": []any{item}, "entities": []any{svc}})
	id := suitetest.Num(rec, "deployment", "id")

	listed := func(step string) {
		deps := suitetest.List(s.work.OK("list_deployments", map[string]any{"project": s.project, "environment": "staging"}), "deployments")
		if len(deps) != 1 {
			t.Fatalf("%s: list_deployments = %v, want the one deployment", step, deps)
		}
		d := deps[0]
		if suitetest.Num(d, "id") != id || d["commit"] != "4f2a9c1" || d["status"] != "succeeded" ||
			!sameIDs(d["work_items"], item) || !sameIDs(d["entities"], svc) {
			t.Errorf("%s: deployment = %v, want id %d, commit 4f2a9c1, succeeded, work_items [%d], entities [%d]", step, d, id, item, svc)
		}
	}
	listed("after recording")
	s.expect("after the deployment", item, map[int64]string{ref: "current"})

	s.edit(repo, "calc.go", "func Add(a, b int) int {", "func Add(a, b int) int { // deployed in 4f2a9c1")
	s.index(repo, nil)
	s.expect("after the code changed past the deployment", item, map[int64]string{ref: "changed"})
	listed("after the code changed")
}

func sameIDs(v any, want ...int64) bool {
	items, ok := v.([]any)
	if !ok || len(items) != len(want) {
		return false
	}
	for i, it := range items {
		if f, _ := it.(float64); int64(f) != want[i] {
			return false
		}
	}
	return true
}

// forceReindex: force re-processes every file; unchanged code keeps its
// content hash (current), changed code does not (changed).
func forceReindex(t *testing.T, s *stack) {
	repo := s.repo("lib", map[string]string{"calc.go": calcGo, "greet.go": greetGo})
	s.index(repo, nil)
	item := s.task("audit the library")
	add := s.link(item, s.hit("sum of two integers", "calc.go", "Add"))
	hello := s.link(item, s.hit("greet a person by name", "greet.go", "Hello"))

	counts := s.index(repo, map[string]any{"force": true})
	if suitetest.Num(counts, "files_indexed") != 2 || suitetest.Num(counts, "files_unchanged") != 0 {
		t.Errorf("forced re-index: %v, want both files indexed, none unchanged", counts)
	}
	s.expect("after a forced re-index without a change", item, map[int64]string{add: "current", hello: "current"})

	s.edit(repo, "greet.go", `"hello, %s"`, `"hello there, %s"`)
	s.index(repo, map[string]any{"force": true})
	s.expect("after editing Hello and a forced re-index", item, map[int64]string{add: "current", hello: "changed"})
}

// codebaseRestarted: while codebase-mcp is down the statuses are unknown
// with a notice, never an error; after it restarts on the same database
// they are what its index says again, before and after a re-index.
func codebaseRestarted(t *testing.T, s *stack) {
	repo := s.repo("calc", map[string]string{"calc.go": calcGo})
	s.index(repo, nil)
	item := s.task("survive restarts")
	ref := s.link(item, s.hit("sum of two integers", "calc.go", "Add"))
	s.expect("before the restart", item, map[int64]string{ref: "current"})

	s.cb.Stop()
	got, notice := s.check(item)
	if !sameStatuses(got, map[int64]string{ref: "unknown"}) || !strings.Contains(notice, "unknown") {
		t.Errorf("with codebase-mcp stopped: %v, notice %q; want unknown with a notice saying so", got, notice)
	}
	s.edit(repo, "calc.go", "return a + b", "return a + b + 0")

	s.cb.Restart()
	s.code = suitetest.Connect(t, s.cb.URL)
	s.expect("after the restart, before re-indexing (the index has the old code)", item, map[int64]string{ref: "current"})
	s.index(repo, nil)
	s.expect("after the restart and a re-index", item, map[int64]string{ref: "changed"})
}

// realDirectory: a copy of one of this repository's packages, searched by
// what its functions do; editing one function by the lines its hit gives
// changes that reference only.
func realDirectory(t *testing.T, s *stack) {
	src := filepath.Join("..", "..", "..", "internal", "atomicfile")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join(src, e.Name())); err == nil && !e.IsDir() {
			files[e.Name()] = string(b)
		}
	}
	repo := s.repo("atomicfile", files)
	counts := s.index(repo, nil)
	if suitetest.Num(counts, "files_indexed") != int64(len(files)) {
		t.Errorf("index of internal/atomicfile: %v, want %d files indexed", counts, len(files))
	}
	write := s.hit("create or replace a file with what a function writes, through a temporary file renamed over it", "atomicfile.go", "Write")
	writeFile := s.hit("WriteFile content already in memory", "atomicfile.go", "WriteFile")
	item := s.task("fsync before rename")
	w, wf := s.link(item, write), s.link(item, writeFile)

	// Insert a line before the last line (the closing brace) of Write.
	lines := strings.SplitAfter(s.read(repo, "atomicfile.go"), "\n")
	end := suitetest.Num(write, "end_line")
	lines = slices.Insert(lines, int(end-1), "\t// TODO: fsync the directory\n")
	s.write(repo, "atomicfile.go", strings.Join(lines, ""))
	s.index(repo, nil)
	s.expect("after editing Write", item, map[int64]string{w: "changed", wf: "current"})
}

// cutLines removes lines start..end (1-based, inclusive) from content and
// returns the rest and the removed lines.
func cutLines(t *testing.T, content string, start, end int64) (rest, block string) {
	t.Helper()
	lines := strings.SplitAfter(content, "\n")
	if start < 1 || end < start || int(end) > len(lines) {
		t.Fatalf("lines %d-%d out of range of %d lines", start, end, len(lines))
	}
	block = strings.Join(lines[start-1:end], "")
	if !strings.HasSuffix(block, "\n") {
		block += "\n"
	}
	rest = strings.Join(slices.Delete(slices.Clone(lines), int(start-1), int(end)), "")
	return rest, block
}
