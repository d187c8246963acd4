package report

import (
	"io"
	"strings"
	"unicode/utf8"
)

// align says how a grid column pads its cells.
type align int

const (
	left align = iota
	right
)

// grid lays out rows of cells in aligned columns for fixed-width fonts.
// Widths count runes, as benchstat's tables do.
type grid struct {
	aligns []align
	// gaps[i] separates column i from column i+1; default two spaces.
	gaps []string
	rows [][]string
}

func (g *grid) add(cells ...string) { g.rows = append(g.rows, cells) }

func (g *grid) widths() []int {
	var ws []int
	for _, r := range g.rows {
		for i, c := range r {
			if i >= len(ws) {
				ws = append(ws, 0)
			}
			ws[i] = max(ws[i], utf8.RuneCountInString(c))
		}
	}
	return ws
}

func (g *grid) gap(i int) string {
	if i < len(g.gaps) {
		return g.gaps[i]
	}
	return "  "
}

func (g *grid) align(i int) align {
	if i < len(g.aligns) {
		return g.aligns[i]
	}
	return left
}

// write writes the grid, each line prefixed by indent, without trailing
// blanks.
func (g *grid) write(w io.Writer, indent string) error {
	ws := g.widths()
	var b strings.Builder
	for _, r := range g.rows {
		b.WriteString(indent)
		for i, c := range r {
			if i > 0 {
				b.WriteString(g.gap(i - 1))
			}
			pad := strings.Repeat(" ", ws[i]-utf8.RuneCountInString(c))
			if g.align(i) == right {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		line := strings.TrimRight(b.String(), " ")
		b.Reset()
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			return err
		}
	}
	return nil
}
