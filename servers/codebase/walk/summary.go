package walk

import "github.com/perfgate/perfgate/servers/codebase"

// Summary is what a preview reports: what would be indexed, by language,
// and how many entries were skipped for each reason.
type Summary struct {
	Files      int
	Bytes      int64
	ByLanguage map[codebase.Language]Count
	// Skipped counts skipped entries by reason; an ignored directory counts
	// once, whatever it holds.
	Skipped map[codebase.SkipReason]int
}

// Count is a number of files and their total size.
type Count struct {
	Files int
	Bytes int64
}

// Summary totals the result.
func (r *Result) Summary() Summary {
	s := Summary{
		ByLanguage: make(map[codebase.Language]Count),
		Skipped:    make(map[codebase.SkipReason]int),
	}
	for _, f := range r.Files {
		s.Files++
		s.Bytes += f.Size
		c := s.ByLanguage[f.Language]
		c.Files++
		c.Bytes += f.Size
		s.ByLanguage[f.Language] = c
	}
	for _, sk := range r.Skipped {
		s.Skipped[sk.Reason]++
	}
	return s
}
