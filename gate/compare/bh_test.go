package compare_test

import (
	"math"
	"testing"

	"github.com/perfgate/perfgate/gate/compare"
)

func TestAdjustBH(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []float64
		// want is R's p.adjust(in, method = "BH").
		want []float64
	}{
		{
			// The example of Benjamini & Hochberg (1995); R prints
			// 0.00150000 0.00300000 0.00950000 0.03562500 0.06030000
			// 0.06385714 0.06385714 0.06450000 0.07650000 0.48600000
			// 0.58118182 0.71487500 0.75323077 0.81321429 1.00000000.
			name: "Benjamini-Hochberg 1995",
			in:   []float64{0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000},
			want: []float64{0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.06385714, 0.06385714, 0.0645, 0.0765, 0.486, 0.58118182, 0.714875, 0.75323077, 0.81321429, 1},
		},
		{
			name: "unsorted input keeps its order",
			in:   []float64{0.7590, 0.0001, 0.0298, 1.000, 0.0278, 0.0004, 0.6528, 0.0019, 0.0459, 0.0095, 0.5719, 0.3240, 0.0201, 0.4262, 0.0344},
			want: []float64{0.81321429, 0.0015, 0.06385714, 1, 0.06385714, 0.003, 0.75323077, 0.0095, 0.0765, 0.035625, 0.714875, 0.486, 0.0603, 0.58118182, 0.0645},
		},
		{
			// p.adjust(c(0.01, 0.04, 0.10, 0.20), "BH")
			name: "four",
			in:   []float64{0.01, 0.04, 0.10, 0.20},
			want: []float64{0.04, 0.08, 0.13333333, 0.2},
		},
		{
			// p.adjust(c(0.02, 0.02, 0.5), "BH"): ties share a value.
			name: "ties",
			in:   []float64{0.02, 0.5, 0.02},
			want: []float64{0.03, 0.5, 0.03},
		},
		{
			name: "capped at one",
			in:   []float64{0.9, 0.8},
			want: []float64{0.9, 0.9},
		},
		{
			name: "NaN is not part of the family",
			in:   []float64{0.01, math.NaN(), 0.04},
			want: []float64{0.02, math.NaN(), 0.04},
		},
		{name: "empty", in: nil, want: []float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := compare.AdjustBH(tt.in)
			if len(got) != len(tt.want) {
				t.Fatalf("AdjustBH(%v) = %v, want %v", tt.in, got, tt.want)
			}
			for i := range got {
				if math.IsNaN(tt.want[i]) != math.IsNaN(got[i]) || math.Abs(got[i]-tt.want[i]) > 5e-9 {
					t.Errorf("AdjustBH(%v)[%d] = %.8f, want %.8f", tt.in, i, got[i], tt.want[i])
				}
			}
		})
	}
}
