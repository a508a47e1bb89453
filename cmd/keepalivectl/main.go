// Command keepalivectl reads and reloads a running keepalived-go daemon
// through its control socket.
//
//	keepalivectl status  [--json] [--socket PATH]
//	keepalivectl lvs     [--json] [--socket PATH]
//	keepalivectl reload  [--json] [--socket PATH] [--timeout DURATION]
//	keepalivectl version [--json] [--socket PATH]
//
// status prints the VRRP instances (state, priorities, master, VIPs, FAULT
// reasons), sync groups, trackers and the virtual servers with their real
// servers' health and weights; lvs prints the virtual and real servers with
// the kernel's counters and every checker's last failure; reload checks the
// daemon's configuration file with the daemon's own `-t` and, only when it
// passes, sends SIGHUP and waits for the outcome; version prints this
// program's build and the daemon's. --json prints documents for tools.
//
// Exit status: 0 on success, 1 when the daemon answered but the command
// failed (a refused configuration, a failed reload), 2 on usage errors, 3
// when no daemon is running (as LSB's "program is not running").
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/control"
	"github.com/dsas/keepalived-go/status"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK        = 0
	exitFailed    = 1
	exitUsage     = 2
	exitNoDaemon  = 3
	commandsUsage = `usage: keepalivectl COMMAND [--json] [--socket PATH]

Commands:
  status    VRRP instances, sync groups, trackers, virtual and real servers
  lvs       virtual and real servers with weights, checkers and IPVS counters
  bfd       BFD sessions: state, peer, intervals, detection time
  reload    check the daemon's configuration file with -t, then SIGHUP it
  version   this program's version and the daemon's

Flags:
  --json          print JSON for tools
  --socket PATH   control socket (default %s; the flags below,
                  or running in a named network namespace, pick another)
  --namespace NS  the daemon started with -s NS or net_namespace NS
  --instance NAME the daemon with global_defs instance NAME
  --use-pid-dir   the daemon with use_pid_dir
  --pid-file PATH the daemon started with -p PATH
  --timeout D     reload: how long to wait for the outcome (default 30s)
`
)

// command is one subcommand: it gets parsed flags and a connected client.
type command func(c *cli) int

var commands = map[string]command{
	"status":  statusCmd,
	"lvs":     lvsCmd,
	"bfd":     bfdCmd,
	"reload":  reloadCmd,
	"version": versionCmd,
}

// cli carries what every command shares.
type cli struct {
	name           string
	asJSON         bool
	socket         string
	timeout        time.Duration
	stdout, stderr io.Writer
	client         *control.Client
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, commandsUsage, control.DefaultSocket)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintf(stdout, commandsUsage, control.DefaultSocket)
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "keepalivectl: unknown command %q\n"+commandsUsage, args[0], control.DefaultSocket)
		return exitUsage
	}
	c := &cli{name: args[0], stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&c.asJSON, "json", false, "print JSON for tools")
	var where daemonAddr
	fs.StringVar(&c.socket, "socket", "", "control socket `path`")
	fs.StringVar(&where.namespace, "namespace", "", "the daemon's network namespace (-s)")
	fs.StringVar(&where.instance, "instance", "", "the daemon's instance name")
	fs.BoolVar(&where.usePIDDir, "use-pid-dir", false, "the daemon uses use_pid_dir")
	fs.StringVar(&where.pidFile, "pid-file", "", "the daemon's main pid file (-p)")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "reload: how long to wait for the outcome")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "keepalivectl %s: unexpected argument %q\n", args[0], fs.Arg(0))
		return exitUsage
	}
	if c.socket == "" {
		c.socket = where.socket(currentNamespace())
	}
	c.client = control.NewClient(c.socket)
	return cmd(c)
}

// fetch reads the daemon's status; when it cannot, it prints one line
// saying why and returns the exit code to use.
func (c *cli) fetch() (*control.Status, int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.client.Status(ctx)
	if err != nil {
		return nil, c.fail(err)
	}
	return st, exitOK
}

// fail prints err on one line; a daemon that is not running gets its own
// message and exit code, so scripts can tell it from a broken one.
func (c *cli) fail(err error) int {
	if errors.Is(err, control.ErrNoDaemon) {
		fmt.Fprintf(c.stderr, "keepalivectl: no keepalived-go daemon is running (nothing answers on %s)\n", c.socket)
		return exitNoDaemon
	}
	fmt.Fprintf(c.stderr, "keepalivectl %s: %v\n", c.name, err)
	return exitFailed
}

// printJSON writes v indented, as the daemon does.
func (c *cli) printJSON(v any) int {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return c.fail(err)
	}
	return exitOK
}

func statusCmd(c *cli) int {
	if c.asJSON {
		// The daemon's document unchanged, so fields newer than this
		// client are not lost.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		raw, err := c.client.StatusRaw(ctx)
		if err != nil {
			return c.fail(err)
		}
		c.stdout.Write(raw)
		return exitOK
	}
	st, code := c.fetch()
	if st == nil {
		return code
	}
	if err := control.WriteText(c.stdout, st, time.Now()); err != nil {
		return c.fail(err)
	}
	return exitOK
}

func lvsCmd(c *cli) int {
	st, code := c.fetch()
	if st == nil {
		return code
	}
	if c.asJSON {
		return c.printJSON(struct {
			VirtualServers []control.VirtualServer `json:"virtual_servers"`
		}{st.VirtualServers})
	}
	if err := control.WriteLVS(c.stdout, st, time.Now()); err != nil {
		return c.fail(err)
	}
	return exitOK
}

func bfdCmd(c *cli) int {
	st, code := c.fetch()
	if st == nil {
		return code
	}
	if c.asJSON {
		s := st.BFD
		if s == nil {
			s = []control.BFDSession{}
		}
		return c.printJSON(struct {
			BFD []control.BFDSession `json:"bfd_sessions"`
		}{s})
	}
	if err := control.WriteBFD(c.stdout, st, time.Now()); err != nil {
		return c.fail(err)
	}
	return exitOK
}

// versionInfo is `keepalivectl version --json`.
type versionInfo struct {
	Client string `json:"client"`
	Daemon string `json:"daemon,omitempty"`
	PID    int    `json:"pid,omitempty"`
}

// versionCmd prints both versions; a missing daemon is said, not an
// error, since the client's own version is still an answer.
func versionCmd(c *cli) int {
	v := versionInfo{Client: status.BuildVersion()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.client.Status(ctx)
	switch {
	case err == nil:
		v.Daemon, v.PID = st.Version, st.PID
	case !errors.Is(err, control.ErrNoDaemon):
		return c.fail(err)
	}
	if c.asJSON {
		return c.printJSON(v)
	}
	fmt.Fprintf(c.stdout, "keepalivectl: %s\n", v.Client)
	if v.Daemon == "" {
		fmt.Fprintf(c.stdout, "daemon: not running (nothing answers on %s)\n", c.socket)
		return exitOK
	}
	fmt.Fprintf(c.stdout, "daemon (pid %d): %s\n", v.PID, strings.TrimSpace(v.Daemon))
	return exitOK
}
