package mcptest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// Text is the first text content of a result ("" for a nil result).
func Text(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	for _, content := range res.Content {
		if t, ok := content.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return ""
}

// Result decodes a result's structured content or, without it, the JSON of
// its text content.
func Result(res *mcp.CallToolResult) (map[string]any, error) {
	raw, err := structuredJSON(res)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		raw = []byte(Text(res))
	}
	return decode(raw)
}

// structured returns the JSON and the decoded object of a result's
// structured content, which a successful call must have.
func structured(t testing.TB, name string, res *mcp.CallToolResult) ([]byte, map[string]any) {
	t.Helper()
	raw, err := structuredJSON(res)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(raw) == 0 {
		t.Fatalf("%s: no structured content: %s", name, Text(res))
	}
	out, err := decode(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return raw, out
}

// structuredJSON is the JSON of a result's structured content, nil
// without it.
func structuredJSON(res *mcp.CallToolResult) ([]byte, error) {
	if len(res.RawStructuredContent) > 0 {
		return res.RawStructuredContent, nil
	}
	if res.StructuredContent == nil {
		return nil, nil
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return nil, fmt.Errorf("encode structured content: %w", err)
	}
	return raw, nil
}

func decode(raw []byte) (map[string]any, error) {
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("result is not a JSON object: %w: %s", err, raw)
	}
	return out, nil
}

// Get walks a decoded result: Get(m, "work_item", "id"). It is nil where
// the path leaves the objects.
func Get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// Num reads a number from a decoded result (0 when absent).
func Num(v any, path ...string) int64 {
	f, _ := Get(v, path...).(float64)
	return int64(f)
}

// List reads a list of objects from a decoded result, leaving out what is
// not an object.
func List(v any, path ...string) []map[string]any {
	items, _ := Get(v, path...).([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
