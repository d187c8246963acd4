package chunk

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	sitter "github.com/tree-sitter/go-tree-sitter"
	tsgo "github.com/tree-sitter/tree-sitter-go/bindings/go"
	tsjava "github.com/tree-sitter/tree-sitter-java/bindings/go"
	tsjs "github.com/tree-sitter/tree-sitter-javascript/bindings/go"
	tspython "github.com/tree-sitter/tree-sitter-python/bindings/go"
	tsrust "github.com/tree-sitter/tree-sitter-rust/bindings/go"
	tsts "github.com/tree-sitter/tree-sitter-typescript/bindings/go"

	"github.com/perfgate/perfgate/servers/codebase"
)

// Defaults for Config.
const (
	DefaultMaxLines      = 120
	DefaultMaxBytes      = 6 << 10
	DefaultWindowLines   = 60
	DefaultWindowOverlap = 10
)

// Config sets the chunk budget. The zero value uses the defaults.
type Config struct {
	// MaxLines and MaxBytes bound a chunk: a declaration over either is split
	// at statement boundaries, code between declarations at line boundaries.
	// Defaults DefaultMaxLines and DefaultMaxBytes.
	MaxLines int
	MaxBytes int
	// WindowLines and WindowOverlap shape the line windows of files that are
	// not chunked by syntax: windows of WindowLines lines, each starting
	// WindowLines-WindowOverlap lines after the previous one, also bounded by
	// MaxBytes. Defaults DefaultWindowLines and DefaultWindowOverlap.
	WindowLines   int
	WindowOverlap int
	// IdleParsers is how many parsers per grammar are kept for reuse between
	// calls. Default GOMAXPROCS: one per goroutine that can run at once.
	IdleParsers int
}

func (c Config) withDefaults() Config {
	if c.MaxLines <= 0 {
		c.MaxLines = DefaultMaxLines
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.WindowLines <= 0 {
		c.WindowLines = DefaultWindowLines
	}
	if c.WindowOverlap < 0 || c.WindowOverlap >= c.WindowLines {
		c.WindowOverlap = 0
	} else if c.WindowOverlap == 0 {
		c.WindowOverlap = min(DefaultWindowOverlap, c.WindowLines/2)
	}
	if c.IdleParsers <= 0 {
		c.IdleParsers = runtime.GOMAXPROCS(0)
	}
	return c
}

// Chunker cuts files into chunks. It is safe for concurrent use; it holds
// compiled queries and idle parsers, which Close frees.
type Chunker struct {
	cfg      Config
	grammars map[string]*grammar // by grammar name: "go", "tsx", ...
	closed   bool
	mu       sync.Mutex // guards closed against Close racing a release
}

// grammar is one tree-sitter language with its compiled query, the role of
// each capture, and parsers ready for reuse.
type grammar struct {
	name  string
	lang  *sitter.Language
	query *sitter.Query
	roles []role // by capture index
	// maxDepth is how deep in the tree a declaration can start: the query
	// cursor does not descend further, into function bodies.
	maxDepth uint
	idle     chan *parser
}

// parser is a tree-sitter parser and query cursor used by one goroutine at a
// time.
type parser struct {
	p      *sitter.Parser
	cursor *sitter.QueryCursor
}

func (p *parser) close() {
	p.cursor.Close()
	p.p.Close()
}

// New compiles the query of every supported grammar.
func New(cfg Config) (*Chunker, error) {
	useLibcAllocator()
	cfg = cfg.withDefaults()
	c := &Chunker{cfg: cfg, grammars: make(map[string]*grammar)}
	for _, g := range []struct {
		name  string
		lang  unsafe.Pointer
		query string
		depth uint
	}{
		// depth: how deep below the root a declaration is looked for, so that
		// the query cursor does not walk through function bodies (for Go that
		// cuts the query's cost by ten). Each reaches a member of a class
		// nested in a class or module, e.g. Rust: mod > declaration_list >
		// impl > declaration_list > fn is 5, TypeScript: statement >
		// namespace > block > export > class > body > method is 7. Anything
		// deeper is chunked with the code around it.
		{"go", tsgo.Language(), queryGo, 1},
		{"python", tspython.Language(), queryPython, 7},
		{"javascript", tsjs.Language(), queryJavaScript, 6},
		{"typescript", tsts.LanguageTypescript(), queryTypeScript, 8},
		{"tsx", tsts.LanguageTSX(), queryTypeScript, 8},
		{"rust", tsrust.Language(), queryRust, 7},
		{"java", tsjava.Language(), queryJava, 7},
	} {
		lang := sitter.NewLanguage(g.lang)
		q, qerr := sitter.NewQuery(lang, g.query)
		if qerr != nil {
			c.Close()
			return nil, fmt.Errorf("compile %s query: %w", g.name, qerr)
		}
		names := q.CaptureNames()
		roles := make([]role, len(names))
		for i, n := range names {
			roles[i] = roleOf(n)
		}
		c.grammars[g.name] = &grammar{name: g.name, lang: lang, query: q, roles: roles, maxDepth: g.depth, idle: make(chan *parser, cfg.IdleParsers)}
	}
	return c, nil
}

// Close frees the queries and idle parsers. Call it once every Chunk call
// has returned; the Chunker is unusable afterwards.
func (c *Chunker) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	for _, g := range c.grammars {
	drain:
		for {
			select {
			case p := <-g.idle:
				p.close()
			default:
				break drain
			}
		}
		g.query.Close()
	}
}

// ErrClosed is returned by Chunk after Close.
var ErrClosed = errors.New("chunker closed")

// Chunk cuts a file's content into chunks, in order. Go, Python, JavaScript,
// TypeScript (TSX when the path ends in .tsx), Rust and Java are chunked by
// syntax; any other language into line windows. Content must be valid UTF-8
// (the walk package guarantees it). An empty or blank file has no chunks.
func (c *Chunker) Chunk(path string, lang codebase.Language, content []byte) ([]codebase.Chunk, error) {
	src := newSource(content)
	b := &builder{cfg: c.cfg, src: src, path: path, lang: lang}
	g := c.grammar(path, lang)
	if g == nil {
		b.windows()
		return b.chunks, nil
	}
	p, err := c.acquire(g)
	if err != nil {
		return nil, err
	}
	defer c.release(g, p)
	if err := b.syntax(g, p); err != nil {
		return nil, fmt.Errorf("chunk %s: %w", path, err)
	}
	return b.chunks, nil
}

func (c *Chunker) grammar(path string, lang codebase.Language) *grammar {
	switch lang {
	case codebase.LanguageTypeScript:
		if strings.HasSuffix(strings.ToLower(path), ".tsx") {
			return c.grammars["tsx"]
		}
		return c.grammars["typescript"]
	case codebase.LanguageGo, codebase.LanguagePython, codebase.LanguageJavaScript, codebase.LanguageRust, codebase.LanguageJava:
		return c.grammars[string(lang)]
	}
	return nil
}

func (c *Chunker) acquire(g *grammar) (*parser, error) {
	select {
	case p := <-g.idle:
		return p, nil
	default:
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	p := &parser{p: sitter.NewParser(), cursor: sitter.NewQueryCursor()}
	if err := p.p.SetLanguage(g.lang); err != nil {
		p.close()
		return nil, fmt.Errorf("set %s language: %w", g.name, err)
	}
	return p, nil
}

func (c *Chunker) release(g *grammar, p *parser) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		select {
		case g.idle <- p:
			return
		default:
		}
	}
	p.close()
}

// hash is the lowercase hex SHA-256 of s.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
