package chunk

import (
	"unicode/utf8"

	sitter "github.com/tree-sitter/go-tree-sitter"

	"github.com/perfgate/perfgate/servers/codebase"
)

// builder accumulates the chunks of one file.
type builder struct {
	cfg    Config
	src    *source
	path   string
	lang   codebase.Language
	chunks []codebase.Chunk
}

// region emits the declarations among lines [from, to] and the code between
// them. Every non-blank line is covered by exactly one chunk, except
// trivial ones (closing braces) between declarations.
//
// With absorb, the first declaration's chunk starts at from: it takes in the
// opening line of its container.
func (b *builder) region(defs []*def, from, to int, scope string, absorb bool) {
	cursor := from
	for i, d := range defs {
		s := max(d.docLine, cursor)
		if i == 0 && absorb {
			s = from
		}
		if s > d.span.endLine {
			continue // its lines were taken by the declaration before it
		}
		b.gap(cursor, s-1, scope)
		b.decl(d, s)
		cursor = d.span.endLine + 1
	}
	b.gap(cursor, to, scope)
}

// decl emits a declaration whose chunk starts at line s (its first doc line).
func (b *builder) decl(d *def, s int) {
	if !d.container {
		b.leaf(d, s)
		return
	}
	// The header: doc, signature and anything before the first member, such
	// as fields.
	h := max(d.children[0].docLine, s+1)
	end := h - 1
	for end > s && b.src.blank(end) {
		end--
	}
	if d.kind == codebase.KindBlock && end == d.span.line && s == d.span.line {
		// The header of an impl or module that is just its opening line
		// ("impl Display for Ring {") goes with its first member.
		b.region(d.children, s, d.span.endLine, d.symbol, true)
		return
	}
	b.pieces(s, end, d.kind, d.symbol, b.src.slice(d.span.line, d.span.line), true)
	b.region(d.children, h, d.span.endLine, d.symbol, false)
}

// leaf emits a declaration that is not split into members: whole if it fits,
// else in parts at statement boundaries, each continuation headed by the
// signature.
func (b *builder) leaf(d *def, s int) {
	e := d.span.endLine
	if b.fits(s, e, 0, 0) {
		b.emit(d.kind, d.symbol, s, e, "")
		return
	}
	var members []span
	if d.hasBody {
		members = b.members(d.body)
	}
	// The signature: from the declaration's first line to the line before
	// its first statement; its first line alone when that is too long.
	sigEnd := d.span.line
	if len(members) > 0 && members[0].line > d.span.line {
		sigEnd = members[0].line - 1
	}
	if sigEnd-d.span.line+1 > b.cfg.MaxLines/4 || b.src.size(d.span.line, sigEnd) > b.cfg.MaxBytes/4 {
		sigEnd = d.span.line
	}
	sig := b.src.slice(d.span.line, sigEnd)
	if len(sig) > b.cfg.MaxBytes/4 {
		sig = truncate(sig, b.cfg.MaxBytes/4)
	}

	// Segments start at statement boundaries after the signature.
	var cuts []int
	for _, m := range members {
		if m.line > sigEnd && m.line > s && (len(cuts) == 0 || m.line > cuts[len(cuts)-1]) && m.line <= e {
			cuts = append(cuts, m.line)
		}
	}
	cuts = append(cuts, e+1)

	segStart, first := s, true
	for segStart <= e {
		sigLines, sigBytes := 0, 0
		if !first {
			sigLines, sigBytes = lineCount(sig), len(sig)+1
		}
		next := -1 // the first cut after segStart
		best := -1 // the furthest cut the segment can reach
		for j, c := range cuts {
			if c <= segStart {
				continue
			}
			if next < 0 {
				next = j
			}
			if !b.fits(segStart, c-1, sigLines, sigBytes) {
				break
			}
			best = j
		}
		prefix := ""
		if !first {
			prefix = sig
		}
		if best < 0 {
			// One statement over the budget: cut it by lines.
			segEnd := cuts[next] - 1
			b.lines(segStart, segEnd, d.kind, d.symbol, prefix, sig)
			segStart = segEnd + 1
		} else {
			segEnd := cuts[best] - 1
			b.emit(d.kind, d.symbol, segStart, segEnd, prefix)
			segStart = segEnd + 1
		}
		first = false
	}
}

// members returns the statements (or fields, or members) of a body, looking
// through the wrapper lists some grammars put in between.
func (b *builder) members(body sitter.Node) []span {
	n := &body
	for n.NamedChildCount() == 1 {
		c := n.NamedChild(0)
		k := c.Kind()
		if k != "statement_list" && k != "field_declaration_list" {
			break
		}
		n = c
	}
	count := n.NamedChildCount()
	out := make([]span, 0, count)
	for i := range count {
		out = append(out, b.spanOf(n.NamedChild(i)))
	}
	return out
}

// gap emits the code in lines [a, b] between declarations as blocks.
func (b *builder) gap(a, z int, scope string) {
	for a <= z && b.src.blank(a) {
		a++
	}
	for z >= a && b.src.blank(z) {
		z--
	}
	if a > z || b.src.trivial(a, z) {
		return
	}
	b.pieces(a, z, codebase.KindBlock, scope, "", false)
}

// pieces emits lines [a, z] as one chunk if they fit, else as consecutive
// parts; with repeatSig, every part after the first starts with sig.
func (b *builder) pieces(a, z int, kind codebase.Kind, symbol, sig string, repeatSig bool) {
	if b.fits(a, z, 0, 0) {
		b.emit(kind, symbol, a, z, "")
		return
	}
	if !repeatSig {
		sig = ""
	}
	b.lines(a, z, kind, symbol, "", sig)
}

// lines cuts lines [a, z] into consecutive chunks that fit the budget. The
// first starts with prefix (if any), the others with sig (if any). A single
// line over the byte budget is cut at character boundaries.
func (b *builder) lines(a, z int, kind codebase.Kind, symbol, prefix, sig string) {
	for a <= z {
		pl, pb := 0, 0
		if prefix != "" {
			pl, pb = lineCount(prefix), len(prefix)+1
		}
		end := a
		for end < z && b.fits(a, end+1, pl, pb) {
			end++
		}
		if !b.fits(a, end, pl, pb) {
			b.longLine(a, kind, symbol, prefix)
		} else {
			b.emit(kind, symbol, a, end, prefix)
		}
		a = end + 1
		prefix = sig
	}
}

// longLine emits one line over the byte budget in parts.
func (b *builder) longLine(l int, kind codebase.Kind, symbol, prefix string) {
	line := string(b.src.line(l))
	room := max(b.cfg.MaxBytes-len(prefix)-1, b.cfg.MaxBytes/2)
	for len(line) > 0 {
		part := truncate(line, room)
		if part == "" { // room smaller than one character
			part = line[:1]
		}
		content := part
		if prefix != "" {
			content = prefix + "\n" + part
		}
		b.add(kind, symbol, l, l, content)
		line = line[len(part):]
	}
}

// windows cuts a file that is not chunked by syntax into overlapping windows
// of lines.
func (b *builder) windows() {
	n := b.src.lines()
	step := b.cfg.WindowLines - b.cfg.WindowOverlap
	for start := 0; start < n; {
		end := min(start+b.cfg.WindowLines-1, n-1)
		for end > start && !b.fits(start, end, 0, 0) {
			end--
		}
		switch {
		case !b.fits(start, end, 0, 0):
			b.longLine(start, codebase.KindWindow, "", "")
		case !allBlank(b.src, start, end):
			b.emit(codebase.KindWindow, "", start, end, "")
		}
		if end == n-1 {
			break
		}
		start = max(start+1, min(start+step, end+1-b.cfg.WindowOverlap))
	}
}

func allBlank(s *source, a, z int) bool {
	for i := a; i <= z; i++ {
		if !s.blank(i) {
			return false
		}
	}
	return true
}

// fits reports whether lines [a, z], plus extra lines and bytes, are within
// the budget.
func (b *builder) fits(a, z, extraLines, extraBytes int) bool {
	return z-a+1+extraLines <= b.cfg.MaxLines && b.src.size(a, z)+extraBytes <= b.cfg.MaxBytes
}

// emit adds lines [a, z], after prefix if any.
func (b *builder) emit(kind codebase.Kind, symbol string, a, z int, prefix string) {
	content := b.src.slice(a, z)
	if prefix != "" {
		content = prefix + "\n" + content
	}
	b.add(kind, symbol, a, z, content)
}

func (b *builder) add(kind codebase.Kind, symbol string, a, z int, content string) {
	b.chunks = append(b.chunks, codebase.Chunk{
		Path:      b.path,
		Language:  b.lang,
		Symbol:    symbol,
		Kind:      kind,
		StartLine: a + 1,
		EndLine:   z + 1,
		Content:   content,
		Hash:      hash(content),
	})
}

func lineCount(s string) int {
	n := 1
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			n++
		}
	}
	return n
}

// truncate returns the longest prefix of s of at most n bytes that ends on a
// character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
