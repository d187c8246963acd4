package chunk

import (
	"bytes"
	"sort"
)

// source is a file's content with the offset of every line, so that byte
// offsets from tree-sitter map to lines without another call into C.
// Lines are 0-based here and 1-based in chunks.
type source struct {
	text  []byte
	start []int // start[i] is the offset of line i
}

func newSource(text []byte) *source {
	s := &source{text: text, start: make([]int, 1, len(text)/32+1)}
	for off := 0; ; {
		i := bytes.IndexByte(text[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
		if off < len(text) {
			s.start = append(s.start, off)
		}
	}
	return s
}

// lines is the number of lines; a final newline does not start another.
func (s *source) lines() int {
	if len(s.text) == 0 {
		return 0
	}
	return len(s.start)
}

// lineOf returns the line holding byte offset off.
func (s *source) lineOf(off int) int {
	return sort.Search(len(s.start), func(i int) bool { return s.start[i] > off }) - 1
}

// endLineOf returns the last line of the byte range [from, to).
func (s *source) endLineOf(from, to int) int {
	if to > from {
		to--
	}
	return s.lineOf(to)
}

// lineEnd is the offset just past line i's text, before its newline.
func (s *source) lineEnd(i int) int {
	end := len(s.text)
	if i+1 < len(s.start) {
		end = s.start[i+1]
	}
	if end > s.start[i] && s.text[end-1] == '\n' {
		end--
	}
	return end
}

// slice returns lines [a, b] without the final newline.
func (s *source) slice(a, b int) string {
	return string(s.text[s.start[a]:s.lineEnd(b)])
}

// line returns line i without its newline.
func (s *source) line(i int) []byte { return s.text[s.start[i]:s.lineEnd(i)] }

// size is the number of bytes of lines [a, b], newlines included.
func (s *source) size(a, b int) int {
	return s.lineEnd(b) - s.start[a] + 1
}

// blank reports whether line i holds only white space.
func (s *source) blank(i int) bool {
	return len(bytes.TrimSpace(s.line(i))) == 0
}

// trivial reports whether lines [a, b] hold nothing but white space and
// closing punctuation: the tail of a class or an empty line between two
// functions is not worth a chunk.
func (s *source) trivial(a, b int) bool {
	for i := a; i <= b; i++ {
		for _, c := range s.line(i) {
			switch c {
			case ' ', '\t', '\r', '\f', '\v', '}', ')', ']', ';', ',':
			default:
				return false
			}
		}
	}
	return true
}

// atLineStart reports whether only white space precedes offset off on its
// line.
func (s *source) atLineStart(off int) bool {
	l := s.lineOf(off)
	return len(bytes.TrimSpace(s.text[s.start[l]:off])) == 0
}
