// Command keepalived-bgp is keepalived-go's BGP speaker (gobgp, see
// bgpspeaker) in a process of its own. keepalived starts it only when the
// configuration has a bgp_speaker block and drives it over stdin and
// stdout (package bgpproc); it is not meant to be run by hand. Keeping
// gobgp out of keepalived saves every daemon without BGP the memory and
// start-up time of gobgp's package init.
package main

import (
	"os"

	"github.com/dsas/keepalived-go/bgphelper"
)

func main() { os.Exit(bgphelper.Main(os.Args)) }
