package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// maxErrors bounds how many mistakes one Parse reports; past that the
// first ones are enough to go on.
const maxErrors = 20

// decoder walks the YAML syntax tree of one file and collects every
// mistake with its position, instead of stopping at the first.
type decoder struct {
	file    string
	errs    ErrorList
	anchors map[string]ast.Node
}

// field is one key and its value in a mapping.
type field struct {
	key   string
	keyAt ast.Node
	value ast.Node
	// path names the value in messages: "suites[1].count".
	path string
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// position returns the 1-based line and column where n starts.
func position(n ast.Node) (line, col int) {
	switch m := n.(type) {
	case nil:
		return 1, 1
	case *ast.MappingNode:
		// A block mapping's token is its first colon; its first key is
		// where a reader's eye goes.
		if !m.IsFlowStyle && len(m.Values) > 0 {
			return position(m.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return position(m.Key)
	case *ast.DocumentNode:
		if m.Body != nil {
			return position(m.Body)
		}
		if m.Start != nil {
			return m.Start.Position.Line, m.Start.Position.Column
		}
		return 1, 1
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 1, 1
	}
	return tk.Position.Line, tk.Position.Column
}

func (d *decoder) errorf(n ast.Node, format string, args ...any) {
	line, col := position(n)
	d.errorAtf(line, col, format, args...)
}

func (d *decoder) errorAtf(line, col int, format string, args ...any) {
	if len(d.errs) >= maxErrors {
		return
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

// collectAnchors records every anchor of the document so that aliases
// can be resolved wherever they appear.
func (d *decoder) collectAnchors(n ast.Node) {
	if n == nil {
		return
	}
	ast.Walk(anchorVisitor{d}, n)
}

type anchorVisitor struct{ d *decoder }

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
		v.d.anchors[a.Name.GetToken().Value] = a.Value
	}
	return v
}

// resolve looks through anchors, aliases and tags to the node that holds
// the value. It returns nil for an alias to an unknown anchor, after
// reporting it.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for range 32 { // aliases of aliases, but never forever
		switch m := n.(type) {
		case *ast.AnchorNode:
			n = m.Value
		case *ast.TagNode:
			n = m.Value
		case *ast.AliasNode:
			name := m.Value.GetToken().Value
			target, ok := d.anchors[name]
			if !ok {
				d.errorf(m, "unknown alias *%s; define it first with &%s", name, name)
				return nil
			}
			n = target
		case *ast.CommentGroupNode:
			return nil
		default:
			return n
		}
	}
	return n
}

// describe names the kind of a node for "expected X, got Y" messages.
func describe(n ast.Node) string {
	switch m := n.(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode:
		return strconv.Quote(m.Value)
	case *ast.LiteralNode:
		return "a block of text"
	default:
		return n.GetToken().Value
	}
}

// mapping returns the fields of a mapping node, with merge keys (<<)
// expanded: a merged field is used only where the mapping does not set
// the key itself. what describes the expected value in the error.
func (d *decoder) mapping(n ast.Node, path, what string) ([]field, bool) {
	n = d.resolve(n)
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	case nil, *ast.NullNode:
		return nil, true
	default:
		if path == "" {
			d.errorf(n, "expected %s, got %s", what, describe(n))
		} else {
			d.errorf(n, "%s: expected %s, got %s", path, what, describe(n))
		}
		return nil, false
	}
	var own, merged []field
	seen := make(map[string]bool)
	for _, mv := range values {
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			src := d.resolve(mv.Value)
			var srcs []ast.Node
			if seq, ok := src.(*ast.SequenceNode); ok {
				srcs = seq.Values
			} else {
				srcs = []ast.Node{src}
			}
			for _, s := range srcs {
				fs, _ := d.mapping(s, path, "a mapping to merge with <<")
				merged = append(merged, fs...)
			}
			continue
		}
		key := mv.Key.GetToken().Value
		seen[key] = true
		own = append(own, field{key: key, keyAt: mv.Key, value: mv.Value, path: join(path, key)})
	}
	for _, f := range merged {
		if !seen[f.key] {
			seen[f.key] = true
			f.path = join(path, f.key)
			own = append(own, f)
		}
	}
	return own, true
}

// object decodes a mapping whose keys must be among known: it calls set
// for each known key, in the file's order, and reports the others.
func (d *decoder) object(n ast.Node, path, what string, known []string, set func(field)) bool {
	fields, ok := d.mapping(n, path, what)
	if !ok {
		return false
	}
	for _, f := range fields {
		if !contains(known, f.key) {
			d.unknownKey(f, path, known)
			continue
		}
		set(f)
	}
	return true
}

func (d *decoder) unknownKey(f field, path string, known []string) {
	where := ""
	if path != "" {
		where = " in " + path
	}
	if hint := didYouMean(f.key, known); hint != "" {
		d.errorf(f.keyAt, "unknown key %q%s%s", f.key, where, hint)
		return
	}
	d.errorf(f.keyAt, "unknown key %q%s; known keys: %s", f.key, where, strings.Join(known, ", "))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sequence returns the entries of a list.
func (d *decoder) sequence(n ast.Node, path, what string) ([]ast.Node, bool) {
	n = d.resolve(n)
	switch m := n.(type) {
	case *ast.SequenceNode:
		return m.Values, true
	case nil, *ast.NullNode:
		return nil, true
	}
	d.errorf(n, "%s: expected %s, got %s", path, what, describe(n))
	return nil, false
}

// scalar returns the text of a scalar value as written (without quotes)
// and whether the value was a YAML number.
func (d *decoder) scalar(n ast.Node) (text string, number, ok bool) {
	switch m := d.resolve(n).(type) {
	case *ast.StringNode:
		return m.Value, false, true
	case *ast.LiteralNode:
		return m.Value.Value, false, true
	case *ast.IntegerNode, *ast.FloatNode:
		return m.GetToken().Value, true, true
	case *ast.BoolNode:
		return m.GetToken().Value, false, true
	case *ast.InfinityNode, *ast.NanNode:
		return m.GetToken().Value, true, true
	}
	return "", false, false
}

// str decodes a non-empty string.
func (d *decoder) str(f field, example string) (string, bool) {
	v := d.resolve(f.value)
	switch v.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		s, _, _ := d.scalar(v)
		if strings.TrimSpace(s) == "" {
			d.errorf(f.value, "%s is empty; write %s", f.path, example)
			return "", false
		}
		return s, true
	case nil, *ast.NullNode:
		d.errorf(f.keyAt, "%s is empty; write %s", f.path, example)
		return "", false
	}
	if s, _, ok := d.scalar(v); ok {
		// A number or a boolean where text is expected, like a commit
		// of digits, is still meant as text.
		return s, true
	}
	d.errorf(v, "%s: expected text, got %s; write %s", f.path, describe(v), example)
	return "", false
}

// oneOf decodes a string that must be one of choices.
func (d *decoder) oneOf(f field, what string, choices []string) (string, bool) {
	s, ok := d.str(f, "one of "+strings.Join(choices, ", "))
	if !ok {
		return "", false
	}
	if !contains(choices, s) {
		d.errorf(f.value, "%s: unknown %s %q; use one of %s%s", f.path, what, s, strings.Join(choices, ", "), didYouMean(s, choices))
		return "", false
	}
	return s, true
}

// boolean decodes true or false.
func (d *decoder) boolean(f field) (bool, bool) {
	if b, ok := d.resolve(f.value).(*ast.BoolNode); ok {
		return b.Value, true
	}
	d.errorf(nodeOr(d.resolve(f.value), f.keyAt), "%s: expected true or false", f.path)
	return false, false
}

// integer decodes a whole number of at least min.
func (d *decoder) integer(f field, min int) (int, bool) {
	v := d.resolve(f.value)
	in, isInt := v.(*ast.IntegerNode)
	if !isInt {
		d.errorf(nodeOr(v, f.keyAt), "%s: expected a whole number such as 3, got %s", f.path, describe(v))
		return 0, false
	}
	n, err := strconv.Atoi(in.GetToken().Value)
	if err != nil {
		// Hex, octal and friends: use the value the parser computed.
		switch x := in.Value.(type) {
		case int64:
			n, err = int(x), nil
		case uint64:
			if x <= math.MaxInt32 {
				n, err = int(x), nil
			}
		}
	}
	if err != nil {
		d.errorf(v, "%s: %s is too large", f.path, in.GetToken().Value)
		return 0, false
	}
	if n < min {
		d.errorf(v, "%s: %d is too small; use %d or more", f.path, n, min)
		return 0, false
	}
	return n, true
}

func nodeOr(n, fallback ast.Node) ast.Node {
	if n == nil {
		return fallback
	}
	if _, ok := n.(*ast.NullNode); ok {
		return fallback
	}
	return n
}

// duration decodes a positive Go duration such as 10m or 1h30m.
func (d *decoder) duration(f field) (time.Duration, bool) {
	v := d.resolve(f.value)
	s, number, ok := d.scalar(v)
	if !ok {
		d.errorf(nodeOr(v, f.keyAt), "%s: expected a duration such as 10m or 90s, got %s", f.path, describe(v))
		return 0, false
	}
	if number {
		d.errorf(v, "%s: %s has no unit; write a duration such as %ss or 10m", f.path, s, s)
		return 0, false
	}
	dur, err := time.ParseDuration(s)
	if err != nil {
		d.errorf(v, "%s: %q is not a duration; write one such as 10m, 90s or 1h30m", f.path, s)
		return 0, false
	}
	if dur <= 0 {
		d.errorf(v, "%s: %s is not positive; write a duration such as 10m", f.path, s)
		return 0, false
	}
	return dur, true
}

// fraction decodes a percentage ("10%") or a fraction (0.10) as a
// fraction. A plain number above 1 is refused as ambiguous: 10 is far
// more likely to mean 10% than 1000%.
func (d *decoder) fraction(f field, example string) (float64, bool) {
	v := d.resolve(f.value)
	s, number, ok := d.scalar(v)
	if !ok {
		d.errorf(nodeOr(v, f.keyAt), "%s: expected a number such as %s, got %s", f.path, example, describe(v))
		return 0, false
	}
	text := strings.TrimSpace(s)
	percent := strings.HasSuffix(text, "%")
	x, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(text, "%")), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		d.errorf(v, "%s: %q is not a number; write one such as %s", f.path, s, example)
		return 0, false
	}
	if percent {
		x /= 100
	} else if x > 1 {
		what := "number"
		if !number {
			what = "text"
		}
		d.errorf(v, "%s: the %s %s would mean %s%%; write %s%% for a percentage (plain numbers are fractions: 0.1 = 10%%)",
			f.path, what, s, strconv.FormatFloat(x*100, 'f', -1, 64), s)
		return 0, false
	}
	if x < 0 {
		d.errorf(v, "%s: %s is negative; use 0%% or more", f.path, s)
		return 0, false
	}
	return x, true
}

// env decodes a mapping of environment variables. Numbers and
// booleans are kept as written: N: 1000 sets N=1000.
func (d *decoder) env(n ast.Node, path string) map[string]string {
	fields, ok := d.mapping(n, path, "a mapping of environment variables (NAME: value)")
	if !ok || len(fields) == 0 {
		return nil
	}
	env := make(map[string]string, len(fields))
	for _, f := range fields {
		if !validEnvName(f.key) {
			d.errorf(f.keyAt, "%s: %q is not a valid environment variable name; use letters, digits and '_', not starting with a digit", path, f.key)
			continue
		}
		v := d.resolve(f.value)
		if v == nil {
			env[f.key] = ""
			continue
		}
		if _, null := v.(*ast.NullNode); null {
			env[f.key] = ""
			continue
		}
		s, _, ok := d.scalar(v)
		if !ok {
			d.errorf(v, "%s: expected a value such as \"1000\", got %s", f.path, describe(v))
			continue
		}
		env[f.key] = s
	}
	return env
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// tokenPos is the position of a token, for errors on a token rather than
// a node.
func tokenPos(tk *token.Token) (int, int) {
	if tk == nil || tk.Position == nil {
		return 1, 1
	}
	return tk.Position.Line, tk.Position.Column
}
