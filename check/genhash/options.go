package genhash

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Options is genhash's command line.
type Options struct {
	SSL, SNI, Verbose bool
	Server            netip.Addr
	Port              uint16
	URL               string
	VirtualHost       string
	FWMark            uint32
	Protocol          string // "1.0", "1.0C" or "1.1"
	// Timeout bounds each step (connect, handshake, write, every read), as
	// keepalived's connection_to; keepalived's default is UINT_MAX µs.
	Timeout time.Duration
}

const defaultTimeout = 4294967295 * time.Microsecond

type genOpt struct {
	long  string
	short byte
	arg   bool
}

// genOpts is keepalived 2.2.7's genhash option table, in its order (the
// order decides which long option an ambiguous prefix would name).
var genOpts = []genOpt{
	{"help", 'h', false}, {"verbose", 'v', false}, {"use-ssl", 'S', false},
	{"use-sni", 'I', false}, {"server", 's', true}, {"use-virtualhost", 'V', true},
	{"port", 'p', true}, {"url", 'u', true}, {"fwmark", 'm', true},
	{"protocol", 'P', true}, {"timeout", 't', true},
}

// parseArgs reads args as GNU getopt_long does (options and operands may
// mix; operands are reported at the end). argc is keepalived's argc, which
// for `keepalived --genhash` counts the options before --genhash too. It
// returns false when keepalived would print the usage and exit 1.
func parseArgs(args []string, argc int, stderr io.Writer) (Options, bool) {
	o := Options{Protocol: "1.0", Timeout: defaultTimeout}
	if argc <= 2 {
		return o, false
	}
	var operands []string
	bad := false
	have := map[byte]bool{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			operands = append(operands, a)
			continue
		}
		var steps []optStep
		var ok bool
		steps, i, ok = splitArg(args, i, stderr)
		if !ok {
			bad = true
		}
		for _, st := range steps {
			if st.short == 'h' {
				bad = true
				continue
			}
			if err := o.set(st.short, st.val); err != nil {
				fmt.Fprintln(stderr, err)
				return o, false
			}
			have[st.short] = true
		}
	}
	if bad {
		return o, false
	}
	if len(operands) > 0 {
		fmt.Fprintf(stderr, "Unexpected argument(s): %s\n", strings.Join(operands, " "))
		return o, false
	}
	return o, have['s'] && have['p'] && have['u']
}

type optStep struct {
	short byte
	val   string
}

// splitArg decodes args[i] (and its separate value, if any) into option
// steps, reporting unknown options and missing values as getopt_long does.
func splitArg(args []string, i int, stderr io.Writer) ([]optStep, int, bool) {
	a := args[i]
	if strings.HasPrefix(a, "--") {
		name, val, hasVal := strings.Cut(a[2:], "=")
		d := findLong(name)
		switch {
		case d == nil || !d.arg && hasVal:
			fmt.Fprintf(stderr, "Unknown option %s\n", a)
			return nil, i, false
		case d.arg && !hasVal:
			if i+1 >= len(args) {
				fmt.Fprintf(stderr, "Missing parameter for option --%s\n", d.long)
				return nil, i, false
			}
			i++
			val = args[i]
		}
		return []optStep{{d.short, val}}, i, true
	}
	var steps []optStep
	for j := 1; j < len(a); j++ {
		d := findShort(a[j])
		if d == nil {
			fmt.Fprintf(stderr, "Unknown option -%c\n", a[j])
			return steps, i, false
		}
		if !d.arg {
			steps = append(steps, optStep{d.short, ""})
			continue
		}
		val := a[j+1:]
		if val == "" {
			if i+1 >= len(args) {
				fmt.Fprintf(stderr, "Missing parameter for option -%c\n", a[j])
				return steps, i, false
			}
			i++
			val = args[i]
		}
		return append(steps, optStep{d.short, val}), i, true
	}
	return steps, i, true
}

func findLong(name string) *genOpt {
	var hit *genOpt
	for k := range genOpts {
		d := &genOpts[k]
		if d.long == name {
			return d
		}
		if name != "" && strings.HasPrefix(d.long, name) {
			if hit != nil {
				return nil // ambiguous
			}
			hit = d
		}
	}
	return hit
}

func findShort(c byte) *genOpt {
	for k := range genOpts {
		if genOpts[k].short == c {
			return &genOpts[k]
		}
	}
	return nil
}

// set applies one option with keepalived's checks and messages.
func (o *Options) set(c byte, v string) error {
	switch c {
	case 'v':
		o.Verbose = true
	case 'S':
		o.SSL = true
	case 'I':
		o.SNI = true
	case 's':
		a, err := netip.ParseAddr(strings.Trim(v, "[]"))
		if err != nil {
			return fmt.Errorf("server should be an IP, not %s", v)
		}
		o.Server = a
	case 'V':
		o.VirtualHost = v
	case 'p':
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n > 65535 {
			return fmt.Errorf("invalid port number '%s'", v)
		}
		o.Port = uint16(n)
	case 'u':
		o.URL = v
	case 'm':
		n, ok := unsignedArg(v, false)
		if !ok {
			return fmt.Errorf("invalid fwmark '%s'", v)
		}
		o.FWMark = uint32(n)
	case 'P':
		switch v {
		case "1.0", "1.1":
			o.Protocol = v
		case "1.0c", "1.0C":
			o.Protocol = "1.0C"
		default:
			return fmt.Errorf("invalid HTTP protocol version '%s'", v)
		}
	case 't':
		n, ok := unsignedArg(v, true)
		if !ok {
			return fmt.Errorf("invalid timeout '%s'", v)
		}
		o.Timeout = time.Duration(uint32(n*1000000)) * time.Microsecond
	}
	return nil
}

// unsignedArg is keepalived's strtoul check for -m and -t: leading blanks
// skipped, no sign, nothing after the digits; -t also refuses an empty value.
func unsignedArg(v string, nonEmpty bool) (uint64, bool) {
	s := strings.TrimLeft(v, " \t")
	if strings.HasPrefix(s, "-") || nonEmpty && s == "" {
		return 0, false
	}
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, 32)
	return n, err == nil
}
