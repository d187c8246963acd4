// Package chunk cuts source files into the chunks that are embedded and
// searched: one per function, method, type or class, with its doc comment
// and signature, by tree-sitter for Go, Python, JavaScript, TypeScript (and
// TSX), Rust and Java; windows of lines for any other text.
//
// For each grammar one query, compiled once by New, finds the declarations
// and the comments and attributes that may document them; no Go code walks
// the tree node by node, since every node visited from Go is a call into C.
// The declarations are nested by byte range: a method of a class becomes a
// chunk of its own with the symbol "Class.method", the class a chunk of its
// header (doc, signature, fields before the first method); a function nested
// in a function stays part of it. The code between declarations (package
// clause, imports, constants, top-level statements) is grouped into block
// chunks; lines holding only closing punctuation are left out.
//
// A declaration over the budget (Config.MaxLines, Config.MaxBytes) is split
// at statement boundaries, each continuation starting with the signature so
// that it can be understood, and embedded, on its own; a statement over the
// budget is split by lines, a line over it by characters. Every line of a
// file is in exactly one chunk but for a repeated signature and blank or
// closing lines, and chunks are returned in file order.
//
// Parsers and query cursors are pooled: one per goroutine that is chunking at
// the moment, kept for the next call up to Config.IdleParsers per grammar.
// Close frees them and the queries. New also points tree-sitter's allocator
// at the C library's malloc, once per process (see useLibcAllocator).
//
// Parsing dominates the cost: chunking Go files runs at 85-90% of the speed
// of tree-sitter's parse alone (BenchmarkChunkGoroot against
// BenchmarkParseGoroot). The query cursor is kept out of function bodies by
// a maximum start depth per grammar, so declarations nested deeper than a
// member of a class in a class or module are chunked with the code around
// them.
//
// Example:
//
//	c, err := chunk.New(chunk.Config{}) // defaults: 120 lines, 6 KiB
//	if err != nil {
//		return err
//	}
//	defer c.Close()
//	chunks, err := c.Chunk("cache/lru.go", codebase.LanguageGo, src)
//	if err != nil {
//		return err
//	}
//	for _, ch := range chunks {
//		fmt.Println(ch.Kind, ch.Symbol, ch.StartLine, ch.EndLine)
//		// function New 30 36
//		// method Cache.Get 38 50
//	}
package chunk
