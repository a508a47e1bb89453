// Command keepalived is keepalived-go: a drop-in replacement for keepalived.
//
// The command line is keepalived 2.2.7's (options.go). What runs is
// decided in run: the early-exit modes (-v, -h, --signum), the
// configuration test (-t) and dump (-d), and the daemon (daemon.go).
package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/dsas/keepalived-go/check/genhash"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/daemon"
	"github.com/dsas/keepalived-go/internal/early" // before the heavy packages' init: no heap-profile sampling, one P
	"github.com/dsas/keepalived-go/parser"
	"github.com/dsas/keepalived-go/vmac"
)

const defaultConfigFile = "/etc/keepalived/keepalived.conf"

// version is what -v prints first; keepalived's own string is kept so
// that tools parsing it keep working.
const version = "Keepalived v2.2.7 (keepalived-go)"

//go:embed usage.txt
var usage string

func main() {
	stop := startProfile()
	startMemStats()
	code := run(os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(argv []string, stdout, stderr io.Writer) int {
	// keepalived becomes genhash when called by that name (Debian's
	// /usr/bin/genhash is a link to it) or given -T/--genhash.
	if filepath.Base(argv[0]) == "genhash" {
		early.Unpin()
		return genhash.Main(argv[0], true, argv[1:], len(argv), stdout, stderr)
	}
	if rest, name, first, ok := genhashArgs(argv[1:]); ok {
		if !first {
			fmt.Fprintf(stderr, "Warning -- `%s` not used as first option, previous options ignored\n", name)
		}
		early.Unpin()
		return genhash.Main(argv[0], false, rest, len(argv), stdout, stderr)
	}
	o, bad := parseArgs(argv[1:], stderr)
	switch {
	case o.Version:
		printVersion(stderr)
		return 0
	case o.Help:
		io.WriteString(stderr, usage)
		return 0
	case o.Signum != "":
		n, ok := signums[o.Signum]
		if !ok {
			fmt.Fprintf(stderr, "Unknown sigfunc %s\n", o.Signum)
			return 1
		}
		fmt.Fprintf(stdout, "%d\n", n)
		return 0
	}
	if len(o.Unexpected) > 0 {
		fmt.Fprintf(stdout, "Unexpected argument(s): %s \n", strings.Join(o.Unexpected, " "))
	}
	if bad {
		return 1
	}
	if o.ConfigFile == "" {
		o.ConfigFile = defaultConfigFile
	}
	if o.ConfigTest {
		early.Unpin()
		return configTest(o, stdout, stderr)
	}
	daemon.StartupGC()
	cfg, diags, err := parser.Parse(o.ConfigFile, parserOptions(o))
	if o.DumpConf {
		dump(stdout, cfg, o.DumpFormat)
	}
	if err != nil {
		io.WriteString(stderr, diags.String())
		if errors.Is(err, parser.ErrNoConfig) {
			return 6 // KEEPALIVED_EXIT_NO_CONFIG
		}
		return 2
	}
	return startDaemon(o, cfg, diags, stderr)
}

func parserOptions(o Options) parser.Options {
	return parserOptionsFor(o, nil)
}

// parserOptionsFor are the parser's options for a start (running nil)
// or a reload of the running configuration. The daemon has an interface
// list for use_vmac/use_ipvlan names; -t has none.
func parserOptionsFor(o Options, running *config.Config) parser.Options {
	p := parser.Options{ConfigID: o.ConfigID, TestMode: o.ConfigTest, AllConfig: o.AllConfig}
	if !o.ConfigTest {
		p.LinkReusable = linkReusable(running)
	}
	return p
}

// linkReusable is keepalived's interface list as use_vmac and use_ipvlan
// names meet it: the host's links and, at a reload, the names the running
// configuration gave its VMAC and ipvlan links that never came to exist
// (keepalived keeps an entry for them that is neither a macvlan nor an
// ipvlan, so a reload drops such a name: issue 11 item 4).
func linkReusable(running *config.Config) func(string, bool) (bool, bool) {
	placeholder := map[string]bool{}
	if running != nil {
		for _, in := range running.VRRP.Instances {
			if (in.VMAC.Enabled || in.VMAC.IPVLAN) && in.VMAC.IfName != "" {
				placeholder[in.VMAC.IfName] = true
			}
		}
	}
	return func(name string, ipvlan bool) (bool, bool) {
		exists, ok, err := vmac.Reusable(name, ipvlan)
		if err != nil {
			return false, false // no list to ask: keep the name
		}
		if !exists && placeholder[name] {
			return true, false
		}
		return exists, ok
	}
}

// configTest is -t: print every diagnostic and exit with keepalived's
// config-test status.
func configTest(o Options, stdout, stderr io.Writer) int {
	out := stderr
	if o.TestLogFile != "" {
		f, err := os.OpenFile(o.TestLogFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "Unable to open config-test log file %s - %v\n", o.TestLogFile, err)
			return 1
		}
		defer f.Close()
		out = f
	}
	cfg, diags, _ := parser.Parse(o.ConfigFile, parserOptions(o))
	diags.WriteTo(out)
	if o.DumpConf && cfg != nil {
		dump(stdout, cfg, o.DumpFormat)
	}
	return diags.ExitCode()
}

func dump(w io.Writer, cfg *config.Config, format string) {
	if cfg == nil {
		return
	}
	if format == "json" {
		b, err := json.MarshalIndent(cfg, "", "  ")
		if err != nil {
			fmt.Fprintf(w, "cannot encode configuration: %v\n", err)
			return
		}
		w.Write(append(b, '\n'))
		return
	}
	io.WriteString(w, parser.Dump(cfg))
}

// configOptions are keepalived's build options that this binary honours;
// only what works is listed (tools read this line to decide what to use).
var configOptions = []string{"NFTABLES", "LVS", "REGEX", "VRRP", "VRRP_AUTH", "VRRP_VMAC", "JSON", "BFD",
	"SNMP_V3_FOR_V2", "SNMP_VRRP", "SNMP_CHECKER", "SNMP_RFCV2", "SNMP_RFCV3", "DBUS"}

// configureOptions are the ./configure switches keepalived would need for
// the same features. Exporters read this line: mehdy's keepalived-exporter
// (-ka.json) refuses to start unless it shows --enable-json.
var configureOptions = []string{"--enable-dbus", "--enable-json", "--enable-bfd", "--enable-regex",
	"--enable-snmp-vrrp", "--enable-snmp-checker", "--enable-snmp-rfc", "--enable-snmp-reply-v3-for-v2"}

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "%s\n\n", version)
	// Not keepalived's copyright line: this is another program, which
	// implements keepalived's configuration and behaviour.
	fmt.Fprintf(w, "keepalived-go: an implementation in Go of Keepalived's configuration and behaviour\n\n")
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		fmt.Fprintf(w, "Running on %s %s %s\n", cstr(u.Sysname[:]), cstr(u.Release[:]), cstr(u.Version[:]))
	}
	fmt.Fprintf(w, "Built with %s\n\n", runtime.Version())
	fmt.Fprintf(w, "configure options: %s\n\n", strings.Join(configureOptions, " "))
	fmt.Fprintf(w, "Config options:  %s\n", strings.Join(configOptions, " "))
}

func cstr(b []int8) string {
	var s strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		s.WriteByte(byte(c))
	}
	return s.String()
}
