package walk

import (
	"path"
	"strings"

	"github.com/perfgate/perfgate/servers/codebase"
)

// extensions maps a lowercase file extension to its language. The six
// languages chunked by syntax use the codebase constants; the rest are names
// for filtering and for line windows.
var extensions = map[string]codebase.Language{
	".go":   codebase.LanguageGo,
	".py":   codebase.LanguagePython,
	".pyi":  codebase.LanguagePython,
	".js":   codebase.LanguageJavaScript,
	".jsx":  codebase.LanguageJavaScript,
	".mjs":  codebase.LanguageJavaScript,
	".cjs":  codebase.LanguageJavaScript,
	".ts":   codebase.LanguageTypeScript,
	".tsx":  codebase.LanguageTypeScript,
	".mts":  codebase.LanguageTypeScript,
	".cts":  codebase.LanguageTypeScript,
	".rs":   codebase.LanguageRust,
	".java": codebase.LanguageJava,

	".c": "c", ".h": "c",
	".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hh": "cpp", ".hpp": "cpp", ".hxx": "cpp",
	".cs": "csharp", ".kt": "kotlin", ".kts": "kotlin", ".scala": "scala", ".swift": "swift",
	".rb": "ruby", ".php": "php", ".lua": "lua", ".pl": "perl", ".pm": "perl", ".r": "r",
	".m": "objc", ".mm": "objc", ".dart": "dart", ".ex": "elixir", ".exs": "elixir",
	".erl": "erlang", ".hs": "haskell", ".ml": "ocaml", ".clj": "clojure", ".zig": "zig",
	".sh": "shell", ".bash": "shell", ".zsh": "shell", ".fish": "shell", ".ps1": "powershell",
	".sql": "sql", ".proto": "protobuf", ".graphql": "graphql", ".gql": "graphql",
	".html": "html", ".htm": "html", ".css": "css", ".scss": "scss", ".less": "less",
	".vue": "vue", ".svelte": "svelte",
	".md": "markdown", ".markdown": "markdown", ".rst": "rst", ".adoc": "asciidoc", ".txt": "text",
	".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".xml": "xml",
	".ini": "ini", ".cfg": "ini", ".tf": "terraform", ".mod": "gomod", ".s": "assembly",
}

// basenames maps well-known file names without a telling extension.
var basenames = map[string]codebase.Language{
	"makefile":       "make",
	"gnumakefile":    "make",
	"dockerfile":     "dockerfile",
	"containerfile":  "dockerfile",
	"cmakelists.txt": "cmake",
	"jenkinsfile":    "groovy",
	"gemfile":        "ruby",
	"rakefile":       "ruby",
}

// LanguageOf returns the language of a file from its name:
// codebase.LanguageGo for "x.go", "markdown" for "README.md", and
// codebase.LanguageText when the name tells nothing.
func LanguageOf(name string) codebase.Language {
	base := strings.ToLower(path.Base(name))
	if l, ok := basenames[base]; ok {
		return l
	}
	if l, ok := extensions[path.Ext(base)]; ok {
		return l
	}
	return codebase.LanguageText
}
