package codebase

import (
	"slices"
	"testing"
)

func TestSplitIdentifier(t *testing.T) {
	t.Parallel()
	for id, want := range map[string][]string{
		"parseHTTPRequest2": {"parse", "HTTP", "Request", "2"},
		"max_retry_count":   {"max", "retry", "count"},
		"__init__":          {"init"},
		"XMLHttpRequest":    {"XML", "Http", "Request"},
		"sha256Sum":         {"sha", "256", "Sum"},
		"ID":                {"ID"},
		"getV2Config":       {"get", "V", "2", "Config"},
		"café_crème":        {"café", "crème"},
	} {
		var got []string
		spans := SplitIdentifier(id, nil)
		for i := 0; i < len(spans); i += 2 {
			got = append(got, id[spans[i]:spans[i+1]])
		}
		if !slices.Equal(got, want) {
			t.Errorf("SplitIdentifier(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestStem(t *testing.T) {
	t.Parallel()
	for _, group := range [][]string{
		{"parse", "parses", "parsed", "parsing"},
		{"invoice", "invoices"},
		{"query", "queries", "queried"},
		{"validate", "validation", "validated"},
	} {
		want := string(Stem([]byte(group[0])))
		for _, w := range group[1:] {
			if got := string(Stem([]byte(w))); got != want {
				t.Errorf("Stem(%q) = %q, want %q like %q", w, got, want, group[0])
			}
		}
	}
	if got := string(Stem([]byte("class"))); got != "class" {
		t.Errorf("Stem(class) = %q", got)
	}
}
