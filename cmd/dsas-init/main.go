// Command dsas-init brings a DSAS host to the state /etc/dsas.conf
// describes: host name, bonds, 802.1Q VLANs, addresses, routes, swap and
// mounts. It replaces the boot scripts that used to `source` that file.
// See docs/dsas.md.
package main

import (
	"os"

	"github.com/dsas/keepalived-go/dsas/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
