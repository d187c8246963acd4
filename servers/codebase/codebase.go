package codebase

// Language names the language of a file. The six languages chunked with
// tree-sitter have constants below; every other text file carries a short
// lowercase name chosen by its extension (see the walk package), or
// LanguageText when the extension is unknown.
type Language string

// The languages chunked by syntax. TypeScript includes TSX.
const (
	LanguageGo         Language = "go"
	LanguagePython     Language = "python"
	LanguageJavaScript Language = "javascript"
	LanguageTypeScript Language = "typescript"
	LanguageRust       Language = "rust"
	LanguageJava       Language = "java"
)

// LanguageText is the language of a text file whose extension names no
// known language. Such files are chunked into line windows.
const LanguageText Language = "text"

// File is one file a walk found to index.
type File struct {
	// Path is slash-separated and relative to the repository root.
	Path     string
	Language Language
	// Size is the length of the content in bytes.
	Size int64
	// Hash is the lowercase hex SHA-256 of the content.
	Hash string
}

// SkipReason says why a walk left a file or directory out.
type SkipReason string

// The reasons a walk skips an entry.
const (
	// SkipIgnored: matched by a .gitignore, .git/info/exclude or a default
	// exclusion (such as .git or node_modules).
	SkipIgnored SkipReason = "ignored"
	// SkipTooLarge: larger than the size limit.
	SkipTooLarge SkipReason = "too_large"
	// SkipBinary: a NUL byte in the first 8 KiB.
	SkipBinary SkipReason = "binary"
	// SkipInvalidUTF8: text that is not valid UTF-8.
	SkipInvalidUTF8 SkipReason = "invalid_utf8"
	// SkipUnreadable: permission denied, a dangling symbolic link, a link
	// loop, a device or pipe, or any other error reading it.
	SkipUnreadable SkipReason = "unreadable"
	// SkipSymlinkOutside: a symbolic link that resolves outside the root.
	SkipSymlinkOutside SkipReason = "symlink_outside"
	// SkipSymlinkDir: a symbolic link to a directory inside the root; the
	// directory is walked under its own path, never through the link, so
	// nothing is indexed twice and link loops cannot occur.
	SkipSymlinkDir SkipReason = "symlink_dir"
	// SkipVanished: listed by its directory but gone when it was opened.
	SkipVanished SkipReason = "vanished"
)

// Skipped is an entry a walk left out, and why.
type Skipped struct {
	// Path is slash-separated and relative to the repository root.
	Path string
	// Dir reports that the entry is a directory: nothing under it was walked.
	Dir    bool
	Reason SkipReason
	// Detail is a short human-readable elaboration, such as the pattern that
	// ignored the entry or the error that made it unreadable.
	Detail string
}

// Kind is what a chunk holds.
type Kind string

// The kinds of chunk.
const (
	KindFunction Kind = "function"
	KindMethod   Kind = "method"
	// KindType is a type declaration that is not a class: a Go type, a
	// TypeScript interface, type alias or enum, a Rust struct, enum or trait,
	// a Java interface.
	KindType  Kind = "type"
	KindClass Kind = "class"
	// KindBlock is code between declarations: imports, constants, statements.
	KindBlock Kind = "block"
	// KindWindow is a window of lines of a file that is not chunked by syntax.
	KindWindow Kind = "window"
)

// Chunk is a unit of a file that is embedded and searched on its own.
type Chunk struct {
	// Path is slash-separated and relative to the repository root.
	Path     string
	Language Language
	// Symbol names the declaration the chunk belongs to, qualified by its
	// container ("Server.Start"); empty for blocks and windows outside any
	// declaration.
	Symbol string
	Kind   Kind
	// StartLine and EndLine are 1-based and inclusive: the lines of the file
	// the chunk covers.
	StartLine int
	EndLine   int
	// Content is the text embedded and shown. For the continuation of a
	// declaration split in parts it starts with the declaration's signature,
	// which lies before StartLine.
	Content string
	// Hash is the lowercase hex SHA-256 of Content.
	Hash string
}
