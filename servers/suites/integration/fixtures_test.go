package integration_test

// The repositories the scenarios index: small, in three languages, with
// functions a search finds by what they do.

const calcGo = `// Package calc holds small numeric helpers.
package calc

// Add returns the sum of two integers.
func Add(a, b int) int {
	return a + b
}

// Scale multiplies every element of a slice by a factor, in place.
func Scale(xs []float64, factor float64) {
	for i := range xs {
		xs[i] *= factor
	}
}

// Mean returns the arithmetic mean of the values, or zero when there are none.
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}
`

const shippingPy = `"""Shipping costs for parcels."""


def parcel_cost(weight_kg, distance_km):
    """Price of sending a parcel: a base fee plus weight and distance rates."""
    return 4.5 + 1.2 * weight_kg + 0.05 * distance_km


class Route:
    """A delivery route through a list of depots."""

    def __init__(self, depots):
        self.depots = list(depots)

    def total_distance(self, legs):
        """Sum of the leg distances between consecutive depots."""
        return sum(legs.get((a, b), 0) for a, b in zip(self.depots, self.depots[1:]))
`

const invoiceTS = `/** Invoice totals for the billing service. */

export interface Line {
  description: string;
  quantity: number;
  unitPrice: number;
}

/** Total of the invoice lines with the tax rate applied, rounded to cents. */
export function invoiceTotal(lines: Line[], taxRate: number): number {
  const net = lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
  return Math.round(net * (1 + taxRate) * 100) / 100;
}
`

const greetGo = `package greet

import "fmt"

// Hello greets a person by name with a friendly message.
func Hello(name string) string {
	return fmt.Sprintf("hello, %s", name)
}
`
