package schema_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/servers/workflow"
	"github.com/perfgate/perfgate/servers/workflow/schema"
)

func TestValidateNamesFieldAndRule(t *testing.T) {
	t.Parallel()
	s, err := schema.Compile(map[string]any{
		"type":                 "object",
		"required":             []any{"title"},
		"additionalProperties": false,
		"properties": map[string]any{
			"title": map[string]any{"type": "string"},
			"n":     map[string]any{"type": "integer", "maximum": 5},
			"tags":  map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			"a/b":   map[string]any{"type": "string"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		data map[string]any
		want []string // field: rule prefix
	}{
		{map[string]any{"title": "ok", "n": 5.0}, nil},
		{map[string]any{}, []string{"/title: required"}},
		{map[string]any{"title": "x", "n": 7.0}, []string{"/n: maximum"}},
		{map[string]any{"title": "x", "tags": []any{"a", 3.0}}, []string{"/tags/1: type"}},
		{map[string]any{"title": "x", "extra": 1.0}, []string{"/extra: additionalProperties"}},
		{map[string]any{"title": "x", "a/b": 1.0}, []string{"/a~1b: type"}},
	} {
		got := s.Validate(tc.data)
		if len(got) != len(tc.want) {
			t.Errorf("Validate(%v) = %v, want %v", tc.data, got, tc.want)
			continue
		}
		for i, v := range got {
			if !strings.HasPrefix(v.String(), tc.want[i]) {
				t.Errorf("Validate(%v)[%d] = %q, want prefix %q", tc.data, i, v, tc.want[i])
			}
		}
	}
}

func TestCompileRefusesBadSchemas(t *testing.T) {
	t.Parallel()
	for _, doc := range []map[string]any{
		nil,
		{"type": "objekt"},
		{"$ref": "https://example.com/schema.json"},
		{"$ref": "file:///etc/passwd"},
		{"pattern": "("},
	} {
		_, err := schema.Compile(doc)
		var ise *workflow.InvalidSchemaError
		if !errors.As(err, &ise) {
			t.Errorf("Compile(%v) = %v, want *InvalidSchemaError", doc, err)
			continue
		}
		if strings.Contains(err.Error(), "mem:///") {
			t.Errorf("Compile(%v) error %q shows the internal URL", doc, err)
		}
	}
	// A local $ref is fine.
	if _, err := schema.Compile(map[string]any{"$defs": map[string]any{"id": map[string]any{"type": "integer"}},
		"properties": map[string]any{"x": map[string]any{"$ref": "#/$defs/id"}}}); err != nil {
		t.Errorf("local $ref: %v", err)
	}
}

func TestCacheCompilesOncePerVersion(t *testing.T) {
	t.Parallel()
	var c schema.Cache
	loads := 0
	load := func() (map[string]any, error) {
		loads++
		return map[string]any{"type": "object"}, nil
	}
	for range 3 {
		if _, err := c.Get(1, 1, load); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Get(1, 2, load); err != nil {
		t.Fatal(err)
	}
	if loads != 2 {
		t.Errorf("%d loads, want 2 (one per version)", loads)
	}
	boom := fmt.Errorf("boom")
	if _, err := c.Get(2, 1, func() (map[string]any, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("load error = %v", err)
	}
}
