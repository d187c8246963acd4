package tools_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The tool definitions are what every client's model pays for in context
// and what clients code against: they are pinned by a golden file.
func TestToolsList(t *testing.T) {
	t.Parallel()
	e := start(t, cbserver.Options{}, "")
	list, err := e.client(t).ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(list.Tools, func(i, j int) bool { return list.Tools[i].Name < list.Tools[j].Name })
	var names []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
		if tl.Annotations.ReadOnlyHint == nil || tl.Annotations.DestructiveHint == nil || tl.Annotations.IdempotentHint == nil {
			t.Errorf("%s: hints not explicit", tl.Name)
		}
		if tl.OutputSchema.Type != "object" {
			t.Errorf("%s: no output schema", tl.Name)
		}
	}
	want := []string{"cancel_indexing", "get_code_reference_status", "get_indexing_status", "index_repository",
		"list_projects", "preview_repository", "search_code"}
	if g, w := jsonString(names), jsonString(want); g != w {
		t.Errorf("tools %s, want %s", g, w)
	}
	compact, _ := json.Marshal(list.Tools)
	t.Logf("%d tools, about %d tokens", len(list.Tools), len(compact)/4)

	got, err := json.MarshalIndent(list.Tools, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "tools.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantGolden, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestToolsList -update to create it)", err)
	}
	if string(got) != string(wantGolden) {
		t.Errorf("tools/list differs from %s; if the change is intended, run go test -run TestToolsList -update and review the diff", golden)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
