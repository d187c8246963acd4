package codeclient_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/perfgate/perfgate/servers/workflow"
	"github.com/perfgate/perfgate/servers/workflow/codeclient"
	"github.com/perfgate/perfgate/servers/workflow/codeclient/fakecodebase"
)

var refs = []workflow.CodeRef{
	{Repository: "r", Path: "a.go", ContentHash: "ha", StartLine: 1, EndLine: 9},
	{Repository: "r", Path: "b.go", ContentHash: "hb", StartLine: 3, EndLine: 4},
	{Repository: "r", Path: "c.go", ContentHash: "hc", StartLine: 1, EndLine: 1},
}

func TestCheck(t *testing.T) {
	t.Parallel()
	fake := fakecodebase.New(t)
	fake.Set("r", "a.go", "ha")
	fake.Set("r", "b.go", "hb-edited")
	got, err := codeclient.New(codeclient.Config{URL: fake.URL}).Check(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	if want := []workflow.CodeStatus{workflow.CodeCurrent, workflow.CodeChanged, workflow.CodeMissing}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Check = %v, want %v", got, want)
	}
	if fake.Calls() != len(refs) {
		t.Errorf("%d calls, want %d", fake.Calls(), len(refs))
	}
}

// Each reference is asked about in its own codebase-mcp project; one
// without a project in the default one.
func TestCheckAsksTheLinkedProject(t *testing.T) {
	t.Parallel()
	fake := fakecodebase.New(t)
	fake.Set("r", "a.go", "ha")              // default project
	fake.SetIn("team", "r", "a.go", "ha-v2") // the same file, re-indexed in another project
	refs := []workflow.CodeRef{
		{Repository: "r", Path: "a.go", ContentHash: "ha", StartLine: 1, EndLine: 9},
		{CodeProject: "team", Repository: "r", Path: "a.go", ContentHash: "ha-v2", StartLine: 1, EndLine: 9},
		{CodeProject: "team", Repository: "r", Path: "a.go", ContentHash: "ha", StartLine: 1, EndLine: 9},
		{CodeProject: "other", Repository: "r", Path: "a.go", ContentHash: "ha", StartLine: 1, EndLine: 9},
	}
	got, err := codeclient.New(codeclient.Config{URL: fake.URL}).Check(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	want := []workflow.CodeStatus{workflow.CodeCurrent, workflow.CodeCurrent, workflow.CodeChanged, workflow.CodeMissing}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Check = %v, want %v", got, want)
	}
}

func TestCheckFailures(t *testing.T) {
	t.Parallel()
	// A codebase-mcp without the tool.
	bare := httptest.NewServer(server.NewStreamableHTTPServer(server.NewMCPServer("bare", "1", server.WithToolCapabilities(false))))
	t.Cleanup(bare.Close)
	// A codebase-mcp whose tool refuses one reference.
	s := server.NewMCPServer("picky", "1", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool(codeclient.ToolName, mcp.WithDescription("x")), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if req.GetString("path", "") == "b.go" {
			return mcp.NewToolResultError("repository r is not indexed"), nil
		}
		return mcp.NewToolResultStructuredOnly(codeclient.StatusResult{Status: "current"}), nil
	})
	picky := httptest.NewServer(server.NewStreamableHTTPServer(s))
	t.Cleanup(picky.Close)
	// A codebase-mcp that hangs.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then the server notices the client leave
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(func() {
		hang.CloseClientConnections()
		hang.Close()
	})

	got, err := codeclient.New(codeclient.Config{URL: picky.URL + "/mcp"}).Check(context.Background(), refs)
	if err != nil || fmt.Sprint(got) != "[current unknown current]" {
		t.Errorf("Check with a refused reference = %v, %v; want [current unknown current]", got, err)
	}
	if _, err := codeclient.New(codeclient.Config{URL: bare.URL + "/mcp"}).Check(context.Background(), refs); err == nil ||
		!strings.Contains(err.Error(), codeclient.ToolName) {
		t.Errorf("Check without the tool = %v, want an error naming %s", err, codeclient.ToolName)
	}
	start := time.Now()
	if _, err := codeclient.New(codeclient.Config{URL: hang.URL + "/mcp", Timeout: 300 * time.Millisecond}).Check(context.Background(), refs); err == nil {
		t.Error("Check against a hanging server succeeded")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Check against a hanging server took %s, want about the 300ms timeout", took)
	}
	if _, err := codeclient.New(codeclient.Config{URL: "http://127.0.0.1:1/mcp"}).Check(context.Background(), refs); err == nil {
		t.Error("Check against a closed port succeeded")
	}
}
