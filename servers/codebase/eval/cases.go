package eval

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Case is a query and the function that answers it.
type Case struct {
	Query string
	// Path is the file, slash-separated and relative to the corpus root.
	Path string
	// Symbol is the function as the chunker names it: "Name", or
	// "Type.Name" for a method.
	Symbol string
}

// CaseOptions shape the cases drawn from a corpus.
type CaseOptions struct {
	// MinWords is the fewest words a query keeps once the function's name
	// is removed (default 5): shorter doc comments say too little.
	MinWords int
	// MaxBytes cuts a query at a word boundary (default 400).
	MaxBytes int
	// Limit is the most cases, spread evenly over the corpus (0: all).
	Limit int
}

// GoFiles lists the Go source files of a corpus that cases are drawn
// from, slash-separated and sorted: not tests, and nothing under testdata,
// vendor or a directory starting with "." or "_".
func GoFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// Spread returns n of items evenly spaced, in order; all of them when n is
// 0 or not less than len(items).
func Spread[T any](items []T, n int) []T {
	if n <= 0 || n >= len(items) {
		return items
	}
	out := make([]T, n)
	for i := range n {
		out[i] = items[i*len(items)/n]
	}
	return out
}

// GoCases draws a case from every function and method of the files (paths
// relative to root) that has a doc comment: the query is the comment's
// first paragraph with the function's own name removed, the answer the
// function.
func GoCases(root string, files []string, o CaseOptions) ([]Case, error) {
	if o.MinWords == 0 {
		o.MinWords = 5
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = 400
	}
	var cases []Case
	fset := token.NewFileSet()
	for _, f := range files {
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return nil, err
		}
		file, err := parser.ParseFile(fset, f, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			continue // a file the corpus keeps broken on purpose
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Doc == nil || fn.Name.Name == "_" {
				continue
			}
			q := query(fn.Doc.Text(), fn.Name.Name, o.MaxBytes)
			if len(strings.Fields(q)) < o.MinWords {
				continue
			}
			cases = append(cases, Case{Query: q, Path: f, Symbol: symbol(fn)})
		}
	}
	return Spread(cases, o.Limit), nil
}

// query is a doc comment's first paragraph without the name, on one line.
func query(doc, name string, maxBytes int) string {
	para, _, _ := strings.Cut(strings.TrimSpace(doc), "\n\n")
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b`)
	q := strings.Join(strings.Fields(re.ReplaceAllString(para, " ")), " ")
	if len(q) > maxBytes {
		q = q[:maxBytes]
		if i := strings.LastIndexByte(q, ' '); i > 0 {
			q = q[:i]
		}
	}
	return q
}

// symbol names a function as the chunker does.
func symbol(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	t := fn.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		case *ast.ParenExpr:
			t = x.X
			continue
		case *ast.Ident:
			return x.Name + "." + fn.Name.Name
		}
		return fmt.Sprintf("%s", fn.Name.Name)
	}
}
