package mcptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schemas are the output schemas of one server's tools, read with
// tools/list on first use. The zero value is ready; share one among the
// sessions of a server.
type Schemas struct {
	once   sync.Once
	byTool map[string]*jsonschema.Schema
	err    error
}

// Check validates a successful result's structured content against the
// output schema of tool name (c lists the tools on first use) and returns
// it decoded. A tool without an output schema is not checked.
func (s *Schemas) Check(t testing.TB, c *client.Client, name string, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	s.once.Do(func() { s.byTool, s.err = load(c) })
	if s.err != nil {
		t.Fatal(s.err)
	}
	raw, out := structured(t, name, res)
	if schema := s.byTool[name]; schema != nil {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: result is not JSON: %v", name, err)
		}
		if err := schema.Validate(doc); err != nil {
			t.Fatalf("%s: result %s breaks the output schema: %v", name, raw, err)
		}
	}
	return out
}

// load compiles the output schema of each tool c lists.
func load(c *client.Client) (map[string]*jsonschema.Schema, error) {
	list, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		return nil, fmt.Errorf("tools/list: %w", err)
	}
	out := map[string]*jsonschema.Schema{}
	for _, tl := range list.Tools {
		raw, err := json.Marshal(tl.OutputSchema)
		if err != nil {
			return nil, fmt.Errorf("output schema of %s: %w", tl.Name, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("output schema of %s: %w", tl.Name, err)
		}
		comp := jsonschema.NewCompiler()
		url := "mem:///" + tl.Name
		if err := comp.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("output schema of %s: %w", tl.Name, err)
		}
		if out[tl.Name], err = comp.Compile(url); err != nil {
			return nil, fmt.Errorf("output schema of %s: %w", tl.Name, err)
		}
	}
	return out, nil
}
