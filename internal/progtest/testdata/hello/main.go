// hello is the program progtest's tests build.
package main

import "fmt"

func main() { fmt.Println("hello from a built program") }
