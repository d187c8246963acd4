package pgstore

import (
	"bytes"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/perfgate/perfgate/servers/codebase"
)

// The lexical side of the index: chunks and queries are cut into the same
// lexemes in Go, so that Postgres only stores and matches them (a tsvector
// built here, a tsquery of OR-ed lexemes) and no text search configuration
// is involved. Identifiers are kept whole (lowercased, underscores dropped,
// so max_retries and maxRetries meet) and split into their words on case,
// underscores and digits ("parseHTTPRequest" gives "parsehttprequest",
// "pars", "http", "request"); words are reduced to a crude stem; stop words
// (English and the six languages' keywords) and one-letter words are left
// out.

// maxPositions bounds the positions kept per lexeme (Postgres keeps 256):
// ts_rank's credit for repetition flattens out long before, and every
// position is bytes to store and to read back for each candidate.
const maxPositions = 8

// maxLexPosition is the largest position a tsvector holds.
const maxLexPosition = 16383

// lexer builds tsvectors, reusing its buffers from one chunk to the next.
// It is not safe for concurrent use.
type lexer struct {
	intern map[string]string // words seen, so that each is allocated once
	index  map[string]int    // word -> position in words, for one chunk
	words  []string
	occ    []occurrence
	counts []int
}

type occurrence struct {
	word int
	pos  pgtype.TSVectorPosition
}

func newLexer() *lexer {
	return &lexer{intern: map[string]string{}, index: map[string]int{}}
}

// vector returns the tsvector of a chunk: the words of its symbol
// weighted A, the words of its content D, each with its positions (up to
// maxPositions), so that ts_rank counts how often a word occurs and
// prefers a chunk whose name holds it.
func (lx *lexer) vector(symbol, content string) pgtype.TSVector {
	clear(lx.index)
	lx.words, lx.occ = lx.words[:0], lx.occ[:0]
	n := 0
	add := func(b []byte, weight pgtype.TSVectorWeight) {
		i, ok := lx.index[string(b)]
		if !ok {
			w, ok := lx.intern[string(b)]
			if !ok {
				w = string(b)
				if len(lx.intern) < 1<<20 {
					lx.intern[w] = w
				}
			}
			i = len(lx.words)
			lx.index[w] = i
			lx.words = append(lx.words, w)
		}
		if n < maxLexPosition {
			n++
		}
		lx.occ = append(lx.occ, occurrence{word: i, pos: pgtype.TSVectorPosition{Position: uint16(n), Weight: weight}})
	}
	eachLexeme(symbol, func(b []byte) { add(b, pgtype.TSVectorWeightA) })
	eachLexeme(content, func(b []byte) { add(b, pgtype.TSVectorWeightD) })

	// Group the occurrences by word: a counting sort into one array.
	lx.counts = append(lx.counts[:0], make([]int, len(lx.words)+1)...)
	for _, o := range lx.occ {
		if lx.counts[o.word+1] < maxPositions {
			lx.counts[o.word+1]++
		}
	}
	for i := 1; i < len(lx.counts); i++ {
		lx.counts[i] += lx.counts[i-1]
	}
	positions := make([]pgtype.TSVectorPosition, lx.counts[len(lx.words)])
	next := append([]int(nil), lx.counts[:len(lx.words)]...)
	for _, o := range lx.occ {
		if next[o.word] < lx.counts[o.word+1] {
			positions[next[o.word]] = o.pos
			next[o.word]++
		}
	}
	v := pgtype.TSVector{Valid: true, Lexemes: make([]pgtype.TSVectorLexeme, len(lx.words))}
	for i, w := range lx.words {
		v.Lexemes[i] = pgtype.TSVectorLexeme{Word: w, Positions: positions[lx.counts[i]:lx.counts[i+1]:lx.counts[i+1]]}
	}
	return v
}

// queryLexemes returns the distinct lexemes of a query, in order of first
// appearance.
func queryLexemes(q string) []string {
	seen := map[string]bool{}
	var out []string
	eachLexeme(q, func(b []byte) {
		if !seen[string(b)] {
			w := string(b)
			seen[w] = true
			out = append(out, w)
		}
	})
	return out
}

// eachLexeme calls f with each lexeme of text: each identifier of several
// words whole, then each of its words, stemmed; stop words, numbers and
// one-letter words left out. f must not keep the slice.
func eachLexeme(text string, f func([]byte)) {
	var buf []byte
	var spans []int
	for i := 0; i < len(text); {
		if !codebase.IsWordByte(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && codebase.IsWordByte(text[j]) {
			j++
		}
		id := text[i:j]
		i = j
		if len(id) > 4*maxLexemeBytes {
			continue // base64, a hash, a minified line: not words
		}
		spans = codebase.SplitIdentifier(id, spans[:0])
		if len(spans) > 2 {
			buf = buf[:0]
			for k := 0; k < len(id); k++ {
				if id[k] != '_' {
					buf = append(buf, id[k])
				}
			}
			if buf = lowerWord(buf); len(buf) <= maxLexemeBytes && !isNumber(buf) {
				f(buf)
			}
		}
		for k := 0; k < len(spans); k += 2 {
			buf = lowerWord(append(buf[:0], id[spans[k]:spans[k+1]]...))
			if len(buf) < 2 || len(buf) > maxLexemeBytes || isNumber(buf) || stopwords[string(buf)] {
				continue
			}
			f(codebase.Stem(buf))
		}
	}
}

// maxLexemeBytes leaves out tokens too long to be words (base64, hashes).
const maxLexemeBytes = 40

func isNumber(w []byte) bool {
	for _, c := range w {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// lowerWord lowercases a word in place when it is ASCII, and with Unicode
// rules otherwise.
func lowerWord(b []byte) []byte {
	ascii := true
	for i, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
		b[i] = codebase.Lower(c)
	}
	if ascii {
		return b
	}
	return bytes.ToLower(b)
}

// stopwords are too common in code and prose to tell chunks apart.
var stopwords = map[string]bool{}

func init() {
	for _, w := range []string{
		"the", "and", "for", "that", "this", "with", "from", "are", "was", "were", "been", "has", "have",
		"had", "not", "but", "its", "into", "than", "then", "there", "these", "those", "which", "when",
		"will", "would", "can", "could", "should", "may", "might", "must", "does", "did", "all", "any",
		"each", "other", "such", "only", "also", "our", "your", "their", "what", "who", "how", "whether",
		"is", "it", "in", "of", "to", "on", "or", "an", "as", "at", "be", "by", "if", "no", "so", "we", "do",
		"func", "def", "function", "var", "let", "const", "self", "nil", "null", "none", "true", "false",
		"else", "elif", "import", "package", "public", "private", "protected", "static", "final", "void",
		"new", "struct", "impl", "pub", "mut", "async", "await", "export",
		"case", "switch", "break", "continue", "while", "undefined", "lambda", "pass",
	} {
		stopwords[w] = true
	}
}
