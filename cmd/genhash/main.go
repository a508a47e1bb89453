// Command genhash computes the MD5 digest of a web page as keepalived's
// HTTP_GET/SSL_GET checkers do, for the `digest` lines of keepalived.conf.
// It is keepalived 2.2.7's genhash: same options, output and statuses
// (check/genhash); `keepalived --genhash` runs the same code.
package main

import (
	"os"

	"github.com/dsas/keepalived-go/check/genhash"
)

func main() {
	os.Exit(genhash.Main(os.Args[0], true, os.Args[1:], len(os.Args), os.Stdout, os.Stderr))
}
