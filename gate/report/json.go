package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/perfgate/perfgate/gate"
)

// JSON writes r as report.json: the gate.Report with its JSON field names,
// indented. JSON has no NaN or infinity, which a report holds where a
// number is undefined (the delta of a new benchmark, the interval of too
// few samples), so those numbers are written as null.
func JSON(w io.Writer, r *gate.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(toJSON(r)); err != nil {
		return fmt.Errorf("write report json: %w", err)
	}
	return nil
}

// ReadJSON reads a report written by JSON, for example in a later workflow
// that posts the comment. Numbers written as null read back as NaN.
func ReadJSON(rd io.Reader) (*gate.Report, error) {
	j := jsonReport{Report: &gate.Report{}}
	if err := json.NewDecoder(rd).Decode(&j); err != nil {
		return nil, fmt.Errorf("read report json: %w", err)
	}
	r := j.Report
	r.Comparisons = make([]gate.Comparison, len(j.Comparisons))
	for i, c := range j.Comparisons {
		r.Comparisons[i] = c.comparison()
	}
	r.Targets = nil
	if len(j.Targets) > 0 {
		r.Targets = make([]gate.TargetResult, len(j.Targets))
		for i, t := range j.Targets {
			r.Targets[i] = t.target()
		}
	}
	return r, nil
}

// jfloat is a float64 that encodes NaN and ±Inf as null and decodes null
// as NaN.
type jfloat float64

func (f jfloat) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, x, 'g', -1, 64), nil
}

func (f *jfloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jfloat(math.NaN())
		return nil
	}
	x, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*f = jfloat(x)
	return nil
}

// The json* types shadow the float fields of the gate types: a field of
// the outer struct wins over the embedded one with the same JSON name.
type jsonReport struct {
	*gate.Report
	Comparisons []jsonComparison `json:"comparisons"`
	Targets     []jsonTarget     `json:"targets,omitempty"`
}

type jsonComparison struct {
	gate.Comparison
	Old       *jsonStat `json:"old,omitempty"`
	New       *jsonStat `json:"new,omitempty"`
	Delta     jfloat    `json:"delta"`
	P         jfloat    `json:"p"`
	PAdjusted jfloat    `json:"p_adjusted"`
}

type jsonStat struct {
	gate.Stat
	Center     jfloat   `json:"center"`
	Lo         jfloat   `json:"lo"`
	Hi         jfloat   `json:"hi"`
	Confidence jfloat   `json:"confidence"`
	Values     []jfloat `json:"values,omitempty"`
}

type jsonTarget struct {
	gate.TargetResult
	Limit  jfloat `json:"limit"`
	Value  jfloat `json:"value"`
	Lo     jfloat `json:"lo"`
	Hi     jfloat `json:"hi"`
	Bound  jfloat `json:"bound"`
	Margin jfloat `json:"margin"`
}

func toJSON(r *gate.Report) jsonReport {
	j := jsonReport{Report: r, Comparisons: make([]jsonComparison, len(r.Comparisons))}
	for i, c := range r.Comparisons {
		j.Comparisons[i] = jsonComparison{
			Comparison: c,
			Old:        toJSONStat(c.Old),
			New:        toJSONStat(c.New),
			Delta:      jfloat(c.Delta),
			P:          jfloat(c.P),
			PAdjusted:  jfloat(c.PAdjusted),
		}
	}
	for _, t := range r.Targets {
		j.Targets = append(j.Targets, jsonTarget{
			TargetResult: t,
			Limit:        jfloat(t.Limit),
			Value:        jfloat(t.Value),
			Lo:           jfloat(t.Lo),
			Hi:           jfloat(t.Hi),
			Bound:        jfloat(t.Bound),
			Margin:       jfloat(t.Margin),
		})
	}
	return j
}

func toJSONStat(s *gate.Stat) *jsonStat {
	if s == nil {
		return nil
	}
	j := &jsonStat{Stat: *s, Center: jfloat(s.Center), Lo: jfloat(s.Lo), Hi: jfloat(s.Hi), Confidence: jfloat(s.Confidence)}
	if len(s.Values) > 0 {
		j.Values = make([]jfloat, len(s.Values))
		for i, v := range s.Values {
			j.Values[i] = jfloat(v)
		}
	}
	return j
}

func (j jsonComparison) comparison() gate.Comparison {
	c := j.Comparison
	c.Old, c.New = j.Old.stat(), j.New.stat()
	c.Delta, c.P, c.PAdjusted = float64(j.Delta), float64(j.P), float64(j.PAdjusted)
	return c
}

func (j *jsonStat) stat() *gate.Stat {
	if j == nil {
		return nil
	}
	s := j.Stat
	s.Center, s.Lo, s.Hi, s.Confidence = float64(j.Center), float64(j.Lo), float64(j.Hi), float64(j.Confidence)
	s.Values = nil
	if len(j.Values) > 0 {
		s.Values = make([]float64, len(j.Values))
		for i, v := range j.Values {
			s.Values[i] = float64(v)
		}
	}
	return &s
}

func (j jsonTarget) target() gate.TargetResult {
	t := j.TargetResult
	t.Limit, t.Value, t.Lo, t.Hi = float64(j.Limit), float64(j.Value), float64(j.Lo), float64(j.Hi)
	t.Bound, t.Margin = float64(j.Bound), float64(j.Margin)
	return t
}
