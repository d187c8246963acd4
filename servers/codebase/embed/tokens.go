package embed

// The builtin embedder's view of text: identifiers split into words as
// programmers write them, words reduced to a crude stem, and character
// trigrams of each word for partial matches.

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
