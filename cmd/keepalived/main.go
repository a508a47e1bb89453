// Command keepalived is keepalived-go: a drop-in replacement for keepalived.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "Keepalived v2.2.7 (keepalived-go)")
}
