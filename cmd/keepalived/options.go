package main

// keepalived 2.2.7's command line (keepalived/core/main.c parse_cmdline),
// parsed GNU getopt_long style: options and arguments may be mixed,
// short options cluster (-ln), long options may be abbreviated to any
// unambiguous prefix, required arguments come attached or as the next
// word, optional ones only attached (-tFILE, --config-test=FILE).
// Hand-written because the standard flag package supports none of that.

import (
	"fmt"
	"io"
	"strings"
)

// Options is everything the command line can set.
type Options struct {
	ConfigFile   string // -f; default /etc/keepalived/keepalived.conf
	VRRPOnly     bool   // -P
	CheckOnly    bool   // -C
	NoBFD        bool   // -B
	All          bool   // --all
	LogConsole   bool   // -l
	LogDetail    bool   // -D
	LogFacility  string // -S
	LogFile      string // -g (not in Debian's build: rejected like there)
	NoSyslog     bool   // -G
	Umask        string // -u
	ReleaseVIPs  bool   // -X
	DontRelVRRP  bool   // -V
	DontRelIPVS  bool   // -I
	DontRespawn  bool   // -R
	DontFork     bool   // -n
	DumpConf     bool   // -d
	DumpFormat   string // --dump-conf=json (ours)
	PIDFile      string // -p
	VRRPPIDFile  string // -r
	CheckPIDFile string // -c
	BFDPIDFile   string // -b
	Genhash      bool   // -T
	AddrMonitor  bool   // -a
	SNMP         bool   // -x
	SNMPSocket   string // -A
	Namespace    string // -s
	CoreDump     bool   // -m
	CorePattern  string // -M
	AllConfig    bool   // -e
	ConfigID     string // -i
	ConfigTest   bool   // -t
	TestLogFile  string // -t FILE
	ConfigFD     string // --config-fd
	IgnoreSIGINT bool   // --ignore-sigint
	Version      bool   // -v
	Help         bool   // -h
	Signum       string // --signum (acted on at once, like keepalived)
	// Ours: observability, off unless asked for.
	MetricsListen    string // --metrics-listen ADDR
	MetricsGen2brain bool   // --metrics-gen2brain
	ControlSocket    string // --control-socket PATH ("-" = none)
	IPVSDriftCheck   string // --ipvs-drift-check PERIOD (a duration, or seconds)
	// Unexpected are the non-option arguments (printed and ignored).
	Unexpected []string
}

type argKind int

const (
	noArg argKind = iota
	requiredArg
	optionalArg
)

type optDef struct {
	long  string
	short byte
	kind  argKind
	set   func(o *Options, v string)
}

var optDefs = []optDef{
	{"use-file", 'f', requiredArg, func(o *Options, v string) { o.ConfigFile = v }},
	{"vrrp", 'P', noArg, func(o *Options, _ string) { o.VRRPOnly = true }},
	{"check", 'C', noArg, func(o *Options, _ string) { o.CheckOnly = true }},
	{"no_bfd", 'B', noArg, func(o *Options, _ string) { o.NoBFD = true }},
	{"all", 0, noArg, func(o *Options, _ string) { o.All = true }},
	{"log-console", 'l', noArg, func(o *Options, _ string) { o.LogConsole = true }},
	{"log-detail", 'D', noArg, func(o *Options, _ string) { o.LogDetail = true }},
	{"log-facility", 'S', requiredArg, func(o *Options, v string) { o.LogFacility = v }},
	{"log-file", 'g', optionalArg, func(o *Options, v string) { o.LogFile = v }},
	{"all-config", 'e', noArg, func(o *Options, _ string) { o.AllConfig = true }},
	{"no-syslog", 'G', noArg, func(o *Options, _ string) { o.NoSyslog = true }},
	{"umask", 'u', requiredArg, func(o *Options, v string) { o.Umask = v }},
	{"release-vips", 'X', noArg, func(o *Options, _ string) { o.ReleaseVIPs = true }},
	{"dont-release-vrrp", 'V', noArg, func(o *Options, _ string) { o.DontRelVRRP = true }},
	{"dont-release-ipvs", 'I', noArg, func(o *Options, _ string) { o.DontRelIPVS = true }},
	{"dont-respawn", 'R', noArg, func(o *Options, _ string) { o.DontRespawn = true }},
	{"dont-fork", 'n', noArg, func(o *Options, _ string) { o.DontFork = true }},
	// keepalived's --dump-conf takes no argument; ours accepts =json.
	{"dump-conf", 'd', optionalArg, func(o *Options, v string) { o.DumpConf, o.DumpFormat = true, v }},
	{"pid", 'p', requiredArg, func(o *Options, v string) { o.PIDFile = v }},
	{"vrrp_pid", 'r', requiredArg, func(o *Options, v string) { o.VRRPPIDFile = v }},
	{"genhash", 'T', noArg, func(o *Options, _ string) { o.Genhash = true }},
	{"checkers_pid", 'c', requiredArg, func(o *Options, v string) { o.CheckPIDFile = v }},
	{"address-monitoring", 'a', noArg, func(o *Options, _ string) { o.AddrMonitor = true }},
	{"bfd_pid", 'b', requiredArg, func(o *Options, v string) { o.BFDPIDFile = v }},
	{"snmp", 'x', noArg, func(o *Options, _ string) { o.SNMP = true }},
	{"snmp-agent-socket", 'A', requiredArg, func(o *Options, v string) { o.SNMPSocket = v }},
	{"core-dump", 'm', noArg, func(o *Options, _ string) { o.CoreDump = true }},
	{"core-dump-pattern", 'M', optionalArg, func(o *Options, v string) { o.CorePattern = v }},
	{"namespace", 's', requiredArg, func(o *Options, v string) { o.Namespace = v }},
	{"config-id", 'i', requiredArg, func(o *Options, v string) { o.ConfigID = v }},
	{"signum", 0, requiredArg, func(o *Options, v string) { o.Signum = v }},
	{"metrics-listen", 0, requiredArg, func(o *Options, v string) { o.MetricsListen = v }},
	{"metrics-gen2brain", 0, noArg, func(o *Options, _ string) { o.MetricsGen2brain = true }},
	{"control-socket", 0, requiredArg, func(o *Options, v string) { o.ControlSocket = v }},
	{"ipvs-drift-check", 0, requiredArg, func(o *Options, v string) { o.IPVSDriftCheck = v }},
	{"config-test", 't', optionalArg, func(o *Options, v string) { o.ConfigTest, o.TestLogFile = true, v }},
	{"config-fd", 0, requiredArg, func(o *Options, v string) { o.ConfigFD = v }},
	{"ignore-sigint", 0, noArg, func(o *Options, _ string) { o.IgnoreSIGINT = true }},
	{"version", 'v', noArg, func(o *Options, _ string) { o.Version = true }},
	{"help", 'h', noArg, func(o *Options, _ string) { o.Help = true }},
}

// signums are keepalived 2.2.7's --signum names with Debian/glibc numbers.
var signums = map[string]int{"STOP": 15, "RELOAD": 1, "DATA": 10, "STATS": 12, "STATS_CLEAR": 63, "JSON": 36}

// parseArgs parses argv[1:]. Options acting at once in keepalived
// (-v, -h, --signum) stop the scan there, as there; bad reports whether
// an unknown option or missing parameter was seen (keepalived exits 1
// after the whole scan).
func parseArgs(args []string, stderr io.Writer) (o Options, bad bool) {
	o.ConfigFile = ""
	noMore := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case noMore || a == "-" || !strings.HasPrefix(a, "-"):
			o.Unexpected = append(o.Unexpected, a)
		case a == "--":
			noMore = true
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			d := findLong(name)
			if d == nil {
				fmt.Fprintf(stderr, "Unknown option %s\n", a)
				bad = true
				continue
			}
			switch d.kind {
			case noArg:
				if hasVal {
					fmt.Fprintf(stderr, "Unknown option %s\n", a)
					bad = true
					continue
				}
			case requiredArg:
				if !hasVal && i+1 < len(args) {
					i++
					val, hasVal = args[i], true
				}
				if !hasVal || val == "" {
					fmt.Fprintf(stderr, "Missing parameter for option --%s\n", d.long)
					bad = true
					continue
				}
			}
			d.set(&o, val)
			if o.Version || o.Help || o.Signum != "" {
				return o, bad
			}
		default:
			for j := 1; j < len(a); j++ {
				d := findShort(a[j])
				if d == nil {
					fmt.Fprintf(stderr, "Unknown option -%c\n", a[j])
					bad = true
					continue
				}
				val := ""
				if d.kind != noArg {
					val = a[j+1:]
					if val == "" && d.kind == requiredArg {
						if i+1 >= len(args) {
							fmt.Fprintf(stderr, "Missing parameter for option -%c\n", a[j])
							bad = true
							break
						}
						i++
						val = args[i]
					}
					d.set(&o, val)
					break
				}
				d.set(&o, val)
				if o.Version || o.Help {
					return o, bad
				}
			}
		}
	}
	return o, bad
}

// findLong matches an exact name or an unambiguous prefix.
func findLong(name string) *optDef {
	var hit *optDef
	n := 0
	for i := range optDefs {
		d := &optDefs[i]
		if d.long == name {
			return d
		}
		if name != "" && strings.HasPrefix(d.long, name) {
			hit = d
			n++
		}
	}
	if n == 1 {
		return hit
	}
	return nil
}

func findShort(c byte) *optDef {
	for i := range optDefs {
		if optDefs[i].short == c {
			return &optDefs[i]
		}
	}
	return nil
}

// genhashArgs finds -T/--genhash as keepalived's getopt loop meets it:
// rest is what genhash parses (the words after it, with the rest of a
// short-option cluster), name how the warning names it, first whether no
// option came before it.
func genhashArgs(args []string) (rest []string, name string, first, ok bool) {
	first = true
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return nil, "", false, false
		case strings.HasPrefix(a, "--"):
			n, _, hasVal := strings.Cut(a[2:], "=")
			d := findLong(n)
			if d != nil && d.short == 'T' {
				return args[i+1:], d.long, first, true
			}
			if d != nil && d.kind == requiredArg && !hasVal {
				i++
			}
			first = false
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				d := findShort(a[j])
				if d != nil && d.short == 'T' {
					rest = args[i+1:]
					if j+1 < len(a) {
						rest = append([]string{"-" + a[j+1:]}, rest...)
					}
					return rest, "-T", first, true
				}
				first = false
				if d != nil && d.kind != noArg {
					if j+1 == len(a) && d.kind == requiredArg {
						i++
					}
					break
				}
			}
		}
	}
	return nil, "", false, false
}
