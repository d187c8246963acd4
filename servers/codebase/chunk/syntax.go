package chunk

import (
	"errors"
	"slices"
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"

	"github.com/perfgate/perfgate/servers/codebase"
)

// role is what a query capture stands for.
type role uint8

const (
	roleNone role = iota
	roleFunction
	roleMethod
	roleClass
	roleType
	roleImpl
	roleModule
	roleName
	roleBody
	roleReceiver
	roleDoc
)

func roleOf(capture string) role {
	switch capture {
	case "function":
		return roleFunction
	case "method":
		return roleMethod
	case "class":
		return roleClass
	case "type":
		return roleType
	case "impl":
		return roleImpl
	case "module":
		return roleModule
	case "name":
		return roleName
	case "body":
		return roleBody
	case "receiver":
		return roleReceiver
	case "doc":
		return roleDoc
	}
	return roleNone
}

// isDecl reports whether the role marks a declaration's outer node.
func (r role) isDecl() bool { return r >= roleFunction && r <= roleModule }

// span is a byte range and the lines it covers.
type span struct {
	start, end    int
	line, endLine int
}

// def is a declaration found by the query.
type def struct {
	role      role
	span      span
	name      span
	receiver  span
	body      sitter.Node
	hasBody   bool
	children  []*def
	symbol    string
	kind      codebase.Kind
	docLine   int // the first line of its doc comments and attributes
	container bool
}

func (b *builder) spanOf(n *sitter.Node) span {
	s, e := int(n.StartByte()), int(n.EndByte())
	return span{start: s, end: e, line: b.src.lineOf(s), endLine: b.src.endLineOf(s, e)}
}

func (b *builder) text(s span) string { return string(b.src.text[s.start:s.end]) }

// syntax parses the file, finds its declarations with the grammar's query,
// and emits their chunks and the code between them.
func (b *builder) syntax(g *grammar, p *parser) error {
	tree := p.p.Parse(b.src.text, nil)
	if tree == nil {
		return errors.New("tree-sitter returned no tree")
	}
	defer tree.Close()
	root := tree.RootNode()

	var defs []*def
	var docs []span
	depth := g.maxDepth
	p.cursor.SetMaxStartDepth(&depth)
	matches := p.cursor.Matches(g.query, root, b.src.text)
	for m := matches.Next(); m != nil; m = matches.Next() {
		d := &def{}
		for _, c := range m.Captures {
			switch r := g.roles[c.Index]; {
			case r == roleDoc:
				docs = append(docs, b.spanOf(&c.Node))
			case r.isDecl():
				d.role, d.span = r, b.spanOf(&c.Node)
			case r == roleName:
				d.name = b.spanOf(&c.Node)
			case r == roleReceiver:
				d.receiver = b.spanOf(&c.Node)
			case r == roleBody:
				d.body, d.hasBody = c.Node, true
			}
		}
		if d.role != roleNone {
			defs = append(defs, d)
		}
	}
	slices.SortStableFunc(docs, func(x, y span) int { return x.start - y.start })
	roots := b.tree(defs)
	b.prepare(roots, "", roleNone, docs)
	b.region(roots, 0, b.src.lines()-1, "", false)
	return nil
}

// tree nests the declarations by containment and drops those that are not
// chunked on their own: anything inside a function or method, and the inner
// half of a declaration matched twice (a decorated Python function).
func (b *builder) tree(defs []*def) []*def {
	slices.SortStableFunc(defs, func(x, y *def) int {
		if x.span.start != y.span.start {
			return x.span.start - y.span.start
		}
		return y.span.end - x.span.end
	})
	var roots, stack []*def
	for i, d := range defs {
		if i > 0 && d.span == defs[i-1].span && d.role == defs[i-1].role {
			continue // one node matched twice, as each spec of a Go type group is
		}
		for len(stack) > 0 && stack[len(stack)-1].span.end <= d.span.start {
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			roots = append(roots, d)
			stack = append(stack, d)
			continue
		}
		parent := stack[len(stack)-1]
		switch {
		case d.span.end > parent.span.end:
			continue // overlapping, not nested: only in a broken tree
		case parent.role == roleFunction || parent.role == roleMethod:
			continue
		case d.name == parent.name:
			continue
		}
		parent.children = append(parent.children, d)
		stack = append(stack, d)
	}
	return roots
}

// prepare sets each declaration's symbol, kind and first doc line.
func (b *builder) prepare(defs []*def, scope string, parent role, docs []span) {
	for _, d := range defs {
		name := b.text(d.name)
		switch {
		case d.role == roleImpl:
			name = typeName(name)
		case d.receiver.end > d.receiver.start:
			if recv := receiverType(b.text(d.receiver)); recv != "" {
				name = recv + "." + name
			}
		}
		d.symbol = name
		if scope != "" {
			d.symbol = scope + "." + name
		}
		switch d.role {
		case roleFunction:
			d.kind = codebase.KindFunction
			if parent == roleClass || parent == roleType || parent == roleImpl {
				d.kind = codebase.KindMethod
			}
		case roleMethod:
			d.kind = codebase.KindMethod
		case roleClass:
			d.kind = codebase.KindClass
		case roleType:
			d.kind = codebase.KindType
		default:
			d.kind = codebase.KindBlock
		}
		d.docLine = b.docLine(d, docs)
		b.prepare(d.children, d.symbol, d.role, docs)
		// A container is chunked as a header and its members, unless its first
		// member starts on its first line (a one-line class): then it is kept
		// whole.
		d.container = len(d.children) > 0 && d.children[0].docLine > d.span.line
	}
}

// docLine walks back from a declaration over the comments and attributes
// that end on the line just above it, each starting its own line.
func (b *builder) docLine(d *def, docs []span) int {
	line := d.span.line
	i, _ := slices.BinarySearchFunc(docs, d.span.start, func(s span, off int) int { return s.start - off })
	for i--; i >= 0; i-- {
		doc := docs[i]
		if doc.end > d.span.start {
			continue
		}
		if doc.endLine != line-1 && doc.endLine != line {
			break
		}
		if !b.src.atLineStart(doc.start) || innerDoc(b.src.text[doc.start:doc.end]) {
			break
		}
		line = doc.line
	}
	return line
}

// innerDoc reports a Rust inner doc comment, which documents the enclosing
// module rather than the item after it.
func innerDoc(text []byte) bool {
	s := string(text[:min(len(text), 3)])
	return s == "//!" || s == "/*!"
}

// receiverType returns the type of a Go method receiver: "Server" for
// "(s *Server[T])".
func receiverType(recv string) string {
	recv = strings.Trim(strings.TrimSpace(recv), "()")
	fields := strings.Fields(recv)
	if len(fields) == 0 {
		return ""
	}
	t := strings.TrimLeft(fields[len(fields)-1], "*")
	if i := strings.IndexByte(t, '['); i >= 0 {
		t = t[:i]
	}
	return t
}

// typeName returns the bare name of a Rust impl's type: "Map" for
// "&mut std::collections::Map<K, V>".
func typeName(t string) string {
	if i := strings.IndexByte(t, '<'); i >= 0 {
		t = t[:i]
	}
	t = strings.TrimSpace(strings.TrimLeft(t, "&"))
	t = strings.TrimPrefix(t, "mut ")
	t = strings.TrimPrefix(t, "dyn ")
	if i := strings.LastIndex(t, "::"); i >= 0 {
		t = t[i+2:]
	}
	return strings.TrimSpace(t)
}
