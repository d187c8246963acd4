package mcptest

import (
	"reflect"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

func TestResult(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		res  *mcp.CallToolResult
		want map[string]any
	}{
		{"raw structured", &mcp.CallToolResult{RawStructuredContent: []byte(`{"a":1}`),
			Content: []mcp.Content{mcp.NewTextContent(`{"a":2}`)}}, map[string]any{"a": 1.0}},
		{"structured", &mcp.CallToolResult{StructuredContent: map[string]any{"a": 3}}, map[string]any{"a": 3.0}},
		{"text", &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(`{"a":4}`)}}, map[string]any{"a": 4.0}},
	} {
		got, err := Result(tc.res)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Result = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if _, err := Result(&mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent("not json")}}); err == nil {
		t.Error("Result of a text that is not JSON: no error")
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	v := map[string]any{"p": map[string]any{"id": 7.0, "items": []any{map[string]any{"n": 1.0}, "x"}}}
	if got := Num(v, "p", "id"); got != 7 {
		t.Errorf("Num = %d, want 7", got)
	}
	if got := Get(v, "p", "id", "deeper"); got != nil {
		t.Errorf("Get past a number = %v, want nil", got)
	}
	if got := List(v, "p", "items"); len(got) != 1 || got[0]["n"] != 1.0 {
		t.Errorf("List = %v, want the one object", got)
	}
	if got := Text(nil); got != "" {
		t.Errorf("Text(nil) = %q", got)
	}
}

func TestSyncBufferLines(t *testing.T) {
	t.Parallel()
	var b SyncBuffer
	if got := b.Lines(); got != nil {
		t.Errorf("Lines of nothing = %q", got)
	}
	b.Write([]byte("one\ntwo\nthr"))
	if got, want := b.Lines(), []string{"one", "two"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}
