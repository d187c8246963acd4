package embed

// The builtin embedder's view of text: identifiers split into words as
// programmers write them, words reduced to a crude stem, and character
// trigrams of each word for partial matches.

// isWordByte reports bytes that belong to identifiers and words: ASCII
// letters, digits, underscore, and any byte of a multi-byte UTF-8 character.
func isWordByte(c byte) bool {
	return c == '_' || c >= 0x80 || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' || c >= 0x80 }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func lower(c byte) byte {
	if isUpper(c) {
		return c + ('a' - 'A')
	}
	return c
}

// splitIdentifier appends to spans the start and end of each word of an
// identifier, in order: "parseHTTPRequest2" gives "parse", "HTTP",
// "Request", "2"; "max_retry_count" gives "max", "retry", "count".
func splitIdentifier(id string, spans []int) []int {
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

// stem strips a few English suffixes so that "parse", "parses", "parsed" and
// "parsing" meet. It works in place on a lowercase word and keeps at least
// three bytes.
func stem(w []byte) []byte {
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

// stopwords are words too common in code and prose to tell chunks apart.
var stopwords = map[string]bool{}

func init() {
	for _, w := range []string{
		// English
		"the", "and", "for", "that", "this", "with", "from", "are", "was", "were", "been", "has", "have",
		"had", "not", "but", "its", "into", "than", "then", "there", "these", "those", "which", "when",
		"will", "would", "can", "could", "should", "may", "might", "must", "does", "did", "all", "any",
		"each", "other", "such", "only", "also", "our", "your", "their", "what", "who", "how", "whether",
		"returns", "return", "given", "use", "used", "uses", "using",
		// keywords and common names across the six languages
		"func", "def", "function", "var", "let", "const", "self", "nil", "null", "none", "true", "false",
		"else", "elif", "import", "package", "public", "private", "protected", "static", "final", "void",
		"new", "class", "struct", "type", "interface", "impl", "pub", "mut", "async", "await", "export",
		"default", "case", "switch", "break", "continue", "while", "err", "error", "string", "int", "bool",
		"byte", "float", "double", "long", "char", "str", "ctx", "context", "undefined", "lambda", "pass",
	} {
		stopwords[w] = true
	}
}
