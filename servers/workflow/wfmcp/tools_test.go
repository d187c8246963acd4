package wfmcp_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/servers/workflow/wfserver"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// tokenBudget is the most tokens tools/list may cost a client's model,
// counted as characters / 4.
const tokenBudget = 6000

// The tool definitions are what every agent pays for in context: they are
// pinned by a golden file and kept under the token budget.
func TestToolsList(t *testing.T) {
	t.Parallel()
	e := start(t, wfserver.Options{})
	list, err := e.client(t).ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(list.Tools, func(i, j int) bool { return list.Tools[i].Name < list.Tools[j].Name })

	compact, err := json.Marshal(list.Tools)
	if err != nil {
		t.Fatal(err)
	}
	tokens := len(compact) / 4
	t.Logf("%d tools, %d characters of JSON, about %d tokens", len(list.Tools), len(compact), tokens)
	if tokens >= tokenBudget {
		t.Errorf("tools/list is about %d tokens, want under %d: tighten descriptions", tokens, tokenBudget)
	}
	if n := len(list.Tools); n < 16 || n > 22 {
		t.Errorf("%d tools, want about 18", n)
	}
	for _, tl := range list.Tools {
		if tl.Annotations.ReadOnlyHint == nil || tl.Annotations.DestructiveHint == nil {
			t.Errorf("%s: hints not explicit", tl.Name)
		}
		if tl.OutputSchema.Type != "object" {
			t.Errorf("%s: no output schema", tl.Name)
		}
	}

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
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestToolsList -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("tools/list differs from %s; if the change is intended, run go test -run TestToolsList -update and review the diff", golden)
	}
}
