package chunk_test

import (
	"fmt"

	"github.com/perfgate/perfgate/servers/codebase"
	"github.com/perfgate/perfgate/servers/codebase/chunk"
)

func Example() {
	c, err := chunk.New(chunk.Config{})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	src := []byte(`package shop

import "errors"

// Cart holds the items a customer is buying.
type Cart struct{ items []string }

// Add puts an item in the cart.
func (c *Cart) Add(item string) error {
	if item == "" {
		return errors.New("empty item")
	}
	c.items = append(c.items, item)
	return nil
}
`)
	chunks, err := c.Chunk("shop/cart.go", codebase.LanguageGo, src)
	if err != nil {
		panic(err)
	}
	for _, ch := range chunks {
		fmt.Printf("%-6s %-8q lines %d-%d\n", ch.Kind, ch.Symbol, ch.StartLine, ch.EndLine)
	}
	// Output:
	// block  ""       lines 1-3
	// type   "Cart"   lines 5-6
	// method "Cart.Add" lines 8-15
}
