// Package cli is the dsas-init command: flags, commands and exit codes
// around dsas/conf, host, plan and apply. It lives outside cmd/dsas-init so
// that the VM tests can run the very command in a network namespace.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/dsas/apply"
	"github.com/dsas/keepalived-go/dsas/conf"
	"github.com/dsas/keepalived-go/dsas/host"
	"github.com/dsas/keepalived-go/dsas/plan"
)

const usage = `usage: dsas-init [flags] [apply|plan|check|status]

Reads /etc/dsas.conf (a bash assignment file, read without running a shell)
and brings this host to the state it describes. Idempotent: a second run
changes nothing.

commands:
  apply    make the changes and print each one (default)
  plan     print the changes apply would make, one per line; nothing else
  check    validate the file only; print warnings
  status   like plan, but exit 3 when changes are pending, 4 on error (LSB)

flags:
  -c, --config FILE   configuration file (default $DSAS_CONF, else /etc/dsas.conf)
  -n, --dry-run       same as the plan command
  --root DIR          write DIR/etc/hostname instead of /etc/hostname
  --keep-hostname     do not call sethostname(2) (still writes /etc/hostname)
  --wait DURATION     wait up to DURATION (e.g. 30s) for the NICs the file
                      names to appear (boot: drivers and udev may be late)
  --skip-missing      exit 0 with a note when the file does not exist
                      (init scripts: a host without /etc/dsas.conf)
  -q, --quiet         no warnings or notes on stderr

keys (seed keys work as written):
  SYSTEMNAME=NAME          host name (sethostname + /etc/hostname)
  IPADDRESSn=ADDR/LEN      address of interface n (also IPADDRESS[n])
  GATEWAY[n]=ADDR          default route via interface n, metric n (also GATEWAYn)
  HWTYPE=TEXT              informational
  MODULES=("bond0 opt=val ...")  a bondN entry creates the bond; options:
                           mode primary miimon arp_interval arp_ip_target
                           updelay downdelay. Defaults: mode=active-backup
                           primary=first slave (eth0) miimon=100. Other
                           entries are kernel modules, loaded with their
                           name=value parameters when not loaded yet.
  BTDEVICE SWDEVICE DBDEVICE FSDEVICE=/dev/...  mounted on /boot, swap,
                           /var/lib/mysql, /data; skipped when absent or empty
 extra keys:
  INTERFACEn=NAME          the interface IPADDRESSn/GATEWAY[n] live on
                           (default bondn if MODULES has bondn, else ethn);
                           PARENT.VID (e.g. bond0.2) makes an 802.1Q VLAN
  BONDSLAVESn="eth0 eth1"  NICs enslaved to bondn (default eth2n eth2n+1)
  VLANS=(bond0.3 ...)      more VLANs, without addresses
  ROUTES=("10.0.0.0/8 via 192.168.1.254")  static routes
  BTMOUNT DBMOUNT FSMOUNT=DIR   mount points for the devices above

An unset $VAR expands to the empty string, as in bash, with a warning; an
empty arp_ip_target list leaves the bond on MII monitoring.
`

type options struct {
	config       string
	dryRun       bool
	root         string
	keepHostname bool
	quiet        bool
	wait         time.Duration
	skipMissing  bool
}

func parseArgs(args []string, stderr io.Writer) (*options, string, error) {
	o := &options{config: os.Getenv("DSAS_CONF")}
	if o.config == "" {
		o.config = "/etc/dsas.conf"
	}
	fs := flag.NewFlagSet("dsas-init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // run prints usage where it belongs
	for _, n := range []string{"c", "config"} {
		fs.StringVar(&o.config, n, o.config, "")
	}
	for _, n := range []string{"n", "dry-run"} {
		fs.BoolVar(&o.dryRun, n, false, "")
	}
	for _, n := range []string{"q", "quiet"} {
		fs.BoolVar(&o.quiet, n, false, "")
	}
	fs.StringVar(&o.root, "root", "", "")
	fs.BoolVar(&o.keepHostname, "keep-hostname", false, "")
	fs.DurationVar(&o.wait, "wait", 0, "")
	fs.BoolVar(&o.skipMissing, "skip-missing", false, "")
	// Flags may come before or after the command.
	if err := fs.Parse(args); err != nil {
		return nil, "", err
	}
	cmd := "apply"
	rest := fs.Args()
	if len(rest) > 0 {
		cmd = rest[0]
		if err := fs.Parse(rest[1:]); err != nil {
			return nil, "", err
		}
		if fs.NArg() > 0 {
			return nil, "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
		}
	}
	switch cmd {
	case "apply", "plan", "check", "status":
	default:
		return nil, "", fmt.Errorf("unknown command %q", cmd)
	}
	if o.dryRun && cmd == "apply" {
		cmd = "plan"
	}
	return o, cmd, nil
}

// Run runs dsas-init with args (without the program name) and returns its
// exit status.
func Run(args []string, stdout, stderr io.Writer) int {
	o, cmd, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "dsas-init: %v\n", err)
		fmt.Fprint(stderr, usage)
		return 2
	}
	// LSB status reports "unknown" (4) when it cannot tell.
	fail := 1
	if cmd == "status" {
		fail = 4
	}
	if _, err := os.Stat(o.config); o.skipMissing && errors.Is(err, fs.ErrNotExist) {
		if !o.quiet {
			fmt.Fprintf(stderr, "dsas-init: note: %s does not exist; nothing to do\n", o.config)
		}
		return 0
	}
	cfg, err := load(o.config)
	if err != nil {
		// One line per validation error, each with its position.
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "dsas-init: %s\n", line)
		}
		return fail
	}
	if !o.quiet {
		for _, w := range cfg.Warnings {
			fmt.Fprintf(stderr, "dsas-init: %s\n", w)
		}
	}
	if cmd == "check" {
		return 0
	}
	n, err := apply.DialNet(0)
	if err != nil {
		fmt.Fprintf(stderr, "dsas-init: %v\n", err)
		return fail
	}
	defer n.Close()
	h := &apply.Host{Net: n, Sys: &apply.System{Root: o.root, KeepHostname: o.keepHostname}}
	if cmd == "apply" && len(cfg.Modules) > 0 {
		// Drivers first: the NICs they bring are what --wait waits for.
		steps, _, err := h.Plan(cfg)
		if err != nil {
			fmt.Fprintf(stderr, "dsas-init: %v\n", err)
			return fail
		}
		var load []plan.Step
		for _, s := range steps {
			if s.Op == plan.LoadModule {
				load = append(load, s)
			}
		}
		if err := h.Run(load, stdout); err != nil {
			fmt.Fprintf(stderr, "dsas-init: %v\n", err)
			return 1
		}
	}
	if o.wait > 0 {
		missing, err := h.WaitLinks(cfg, o.wait)
		if err != nil {
			fmt.Fprintf(stderr, "dsas-init: %v\n", err)
			return fail
		}
		if len(missing) > 0 && !o.quiet {
			fmt.Fprintf(stderr, "dsas-init: note: still missing after %v: %s\n", o.wait, strings.Join(missing, " "))
		}
	}
	steps, notes, err := h.Plan(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "dsas-init: %v\n", err)
		return fail
	}
	if !o.quiet {
		for _, nt := range notes {
			fmt.Fprintf(stderr, "dsas-init: note: %s\n", nt)
		}
	}
	switch cmd {
	case "plan", "status":
		printPlan(stdout, steps)
		if cmd == "status" && len(steps) > 0 {
			return 3
		}
		return 0
	}
	if err := h.Run(steps, stdout); err != nil {
		fmt.Fprintf(stderr, "dsas-init: %v\n", err)
		return 1
	}
	return 0
}

func printPlan(w io.Writer, steps []plan.Step) {
	for _, s := range steps {
		fmt.Fprintln(w, s)
	}
}

// load reads and validates the file; nothing is applied unless it passes.
func load(path string) (*host.Config, error) {
	f, err := conf.ReadFile(path, nil)
	if err != nil {
		return nil, err
	}
	return host.FromFile(f)
}
