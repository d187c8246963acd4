package codebase

// The vocabulary of code, shared by the builtin embedder and the lexical
// index so that both see the same words: identifiers split as programmers
// write them, lowercased, and reduced to a crude stem.

// IsWordByte reports bytes that belong to identifiers and words: ASCII
// letters, digits, underscore, and any byte of a multi-byte UTF-8 character.
func IsWordByte(c byte) bool {
	return c == '_' || c >= 0x80 || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' || c >= 0x80 }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Lower lowercases an ASCII letter and returns any other byte as it is.
func Lower(c byte) byte {
	if isUpper(c) {
		return c + ('a' - 'A')
	}
	return c
}

// SplitIdentifier appends to spans the start and end of each word of an
// identifier, in order: "parseHTTPRequest2" gives "parse", "HTTP",
// "Request", "2"; "max_retry_count" gives "max", "retry", "count".
func SplitIdentifier(id string, spans []int) []int {
	start := -1
	for i := 0; i <= len(id); i++ {
		boundary := i == len(id) || id[i] == '_'
		if !boundary && start >= 0 {
			prev, c := id[i-1], id[i]
			switch {
			case isLower(prev) && isUpper(c): // parse|Request
				boundary = true
			case isUpper(prev) && isUpper(c) && i+1 < len(id) && isLower(id[i+1]) && id[i+1] < 0x80: // HTTP|Request
				boundary = true
			case isDigit(prev) != isDigit(c): // sha|256, v2|Config
				boundary = true
			}
		}
		if boundary {
			if start >= 0 {
				spans = append(spans, start, i)
				start = -1
			}
			if i < len(id) && id[i] != '_' {
				start = i
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return spans
}

// Stem strips a few English suffixes so that "parse", "parses", "parsed" and
// "parsing" meet. It works in place on a lowercase word and keeps at least
// three bytes.
func Stem(w []byte) []byte {
	for _, r := range [...][2]string{
		{"ations", "at"}, {"ation", "at"}, {"ings", ""}, {"ing", ""}, {"ies", "y"}, {"ied", "y"},
		{"ers", ""}, {"er", ""}, {"ed", ""}, {"es", ""}, {"s", ""}, {"e", ""},
	} {
		suf := r[0]
		if len(w) >= len(suf)+3 && string(w[len(w)-len(suf):]) == suf {
			if suf == "s" && w[len(w)-2] == 's' { // class, process
				return w
			}
			return append(w[:len(w)-len(suf)], r[1]...)
		}
	}
	return w
}
