// Command keepalivectl reads a running keepalived-go daemon through its
// control socket.
//
//	keepalivectl status [--json] [--socket PATH]
//
// status prints the VRRP instances (state, priorities, master, VIPs) and
// the virtual servers with their real servers' health and weights; --json
// prints the daemon's status document unchanged, for tools. Exit status is
// 0 on success, 1 when the daemon cannot be read, 2 on usage errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dsas/keepalived-go/control"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: keepalivectl status [--json] [--socket PATH]

Commands:
  status    show VRRP instances, virtual servers and real servers

Flags of status:
  --json          print the daemon's JSON status document
  --socket PATH   control socket (default %s)
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, usage, control.DefaultSocket)
		return 2
	}
	switch args[0] {
	case "status":
		return status(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintf(stdout, usage, control.DefaultSocket)
		return 0
	}
	fmt.Fprintf(stderr, "keepalivectl: unknown command %q\n"+usage, args[0], control.DefaultSocket)
	return 2
}

func status(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the daemon's JSON status document")
	socket := fs.String("socket", control.DefaultSocket, "control socket `path`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "keepalivectl status: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := control.NewClient(*socket)
	if *asJSON {
		raw, err := c.StatusRaw(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "keepalivectl: %v\n", err)
			return 1
		}
		stdout.Write(raw)
		return 0
	}
	st, err := c.Status(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "keepalivectl: %v\n", err)
		return 1
	}
	if err := control.WriteText(stdout, st, time.Now()); err != nil {
		fmt.Fprintf(stderr, "keepalivectl: %v\n", err)
		return 1
	}
	return 0
}
