// Command hello stands in for keyholder in the image builder's test: a
// static binary that is quick to compile.
package main

import "fmt"

func main() { fmt.Println("hello from the image test") }
