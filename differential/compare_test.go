package differential

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// aspects are the table's columns, in order.
var aspects = []string{"wire", "link", "addr", "route", "rule", "sysctl", "nft", "notify", "exit", "log", "data", "stats"}

// Cell verdicts.
const (
	same       = "same"
	differs    = "DIFFERS"
	documented = "documented"
)

var (
	ifindexRe  = regexp.MustCompile(`^\d+: `)
	peerIdxRe  = regexp.MustCompile(`@if\d+`)
	macRe      = regexp.MustCompile(`\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b`)
	netnsRe    = regexp.MustCompile(` link-netns(id)? \S+`)
	llRe       = regexp.MustCompile(`fe80::[0-9a-f:]+`)
	expiresRe  = regexp.MustCompile(` expires \d+sec`)
	counterRe  = regexp.MustCompile(`\bcounter packets \d+ bytes \d+`)
	lifetimeRe = regexp.MustCompile(`\b(valid|preferred)_lft \d+sec\b`)
	stampRe    = regexp.MustCompile(`^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \d{4}: `)
	smtpFdRe   = regexp.MustCompile(`^(smtp fd )\d+`)
	pidRe      = regexp.MustCompile(`\b(process|pid|PID)([ (=])\d+`)
	numRe      = regexp.MustCompile(`\d+`)
	vrrpLLRe   = regexp.MustCompile(`^fe80::200:5eff:fe00:[12][0-9a-f]{2}$`)
	dataTimeRe = regexp.MustCompile(`(?i)(time|date|timer|last|since|uptime|next)[^=:]*[=:].*$`)
	logKeepRe  = regexp.MustCompile(`\(|VRRP_Group|[Ss]ync|Stopp|Starting|Entering|VIPs|E-VIPs|gratuitous|priority|[Ss]cript|fault|FAULT|interface|route|rule|address|vmac|VMAC|nftables|[Ee]rror|WARNING|SECURITY|[Uu]nable|[Ff]ailed`)
	logDropRe  = regexp.MustCompile(`^(Command line:|Configuration file|Running on|Starting Keepalived|Starting VRRP child|Opening file|Unable to load ipset|Script user|Assigned address|Registering|Netlink|VRRP sockpool|Stopped - used|Stopped Keepalived|Remove a zombie|Kernel)`)
	cpuRe      = regexp.MustCompile(`^(CPU usage \(self/children\)).*`)
	deliveryRe = regexp.MustCompile(`(delivered in )\d+( usec)`)
	dumpIdxRe  = regexp.MustCompile(`ifindex \d+`)
	cfgDiagRe  = regexp.MustCompile(`^\((?:\S+: )?Line \d+\) (.*)$`)
	sectionRe  = regexp.MustCompile(`^-+< (.*) >-+$`)
	linkCols   = regexp.MustCompile(` (addrgenmode|numtxqueues|numrxqueues|gso_max_size|gso_max_segs|tso_max_size|tso_max_segs|gro_max_size|gso_ipv4_max_size|gro_ipv4_max_size|parentbus|parentdev) \S+`)
)

// normAddr hides a link-local address derived from the lab's random MACs,
// and keeps the ones derived from a VRRP virtual MAC.
func normAddr(s string) string {
	return llRe.ReplaceAllStringFunc(s, func(a string) string {
		if vrrpLLRe.MatchString(a) {
			return a
		}
		return "fe80::LL"
	})
}

func normMAC(s string) string {
	return macRe.ReplaceAllStringFunc(s, func(m string) string {
		if m == "ff:ff:ff:ff:ff:ff" || m == "00:00:00:00:00:00" {
			return m
		}
		return macKind(m)
	})
}

// lines splits, applies f to each line, drops empty results and sorts:
// host state is a set, its order is the kernel's, not the daemon's.
func lines(s string, f func(string) string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, x := range strings.Split(f(l), "\n") {
			if x = strings.TrimRight(x, " "); x != "" {
				out = append(out, x)
			}
		}
	}
	sort.Strings(out)
	return out
}

// hostLines normalises a snapshot file: ifindexes, MACs, link-netns ids,
// link-local addresses and timers are per lab, not per daemon.
func hostLines(s string) []string {
	return lines(s, func(l string) string {
		l = ifindexRe.ReplaceAllString(l, "")
		l = peerIdxRe.ReplaceAllString(l, "@ifN")
		l = netnsRe.ReplaceAllString(l, "")
		l = expiresRe.ReplaceAllString(l, "")
		// An nftables counter counts what the wire carried in the window:
		// the rule is behaviour, its count timing.
		l = counterRe.ReplaceAllString(l, "counter packets N bytes N")
		// A finite address lifetime counts down: the snapshot's second
		// is timing, "forever" against a number is behaviour.
		l = lifetimeRe.ReplaceAllString(l, "${1}_lft Nsec")
		l = linkCols.ReplaceAllString(l, "")
		l = strings.ReplaceAll(l, `\`, " ")
		l = strings.Join(strings.Fields(l), " ")
		return normAddr(normMAC(l))
	})
}

// logLines keeps the log lines an operator greps for (instance, group,
// address and script lines), without timestamps and pids, and the daemons'
// own start-up chatter that describes their implementation.
//
// A configuration diagnostic keepalived prefixes with "(FILE: Line N)" is
// compared without it (keepalived-go writes the same messages bare), and
// the prefix is counted as one line of its own.
func logLines(s string) []string {
	seen := map[string]bool{}
	return lines(s, func(l string) string {
		l = stampRe.ReplaceAllString(l, "")
		mark := ""
		if m := cfgDiagRe.FindStringSubmatch(l); m != nil {
			l = m[1]
			if !seen[cfgDiagMark] {
				seen[cfgDiagMark] = true
				mark = cfgDiagMark + "\n"
			}
		}
		l = pidRe.ReplaceAllString(l, "${1}${2}N")
		// A socket's descriptor number is the implementation's.
		l = smtpFdRe.ReplaceAllString(l, "${1}N")
		l = cpuRe.ReplaceAllString(l, "${1}")
		// An event's delivery time is the machine's.
		l = deliveryRe.ReplaceAllString(l, "${1}N${2}")
		if logDropRe.MatchString(l) || !logKeepRe.MatchString(l) || seen[l] {
			return mark
		}
		// Repeats (one GARP line per burst) depend on the window; the
		// set of distinct lines does not.
		seen[l] = true
		return mark + l
	})
}

// transitions is the ordered "Entering X STATE" trail per instance.
func transitions(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = stampRe.ReplaceAllString(l, "")
		if strings.Contains(l, "Entering") && strings.Contains(l, "STATE") {
			out = append(out, "order: "+l)
		}
	}
	return out
}

// notifyLines keeps, per tag (the keyword the script was configured
// with) and, for the generic notify, per instance or group, the order the
// recorder saw: scripts of different keywords and instances run
// concurrently, so only the order within one is the daemon's.
func notifyLines(s string) []string {
	byKey := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l == "" {
			continue
		}
		key, _, _ := strings.Cut(l, " ")
		if f := strings.Fields(l); key == "notify" && len(f) >= 3 {
			key = strings.Join(f[:3], " ") // notify INSTANCE VI_1
		}
		byKey[key] = append(byKey[key], l)
	}
	var keys []string
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, k+": "+strings.Join(byKey[k], " | "))
	}
	return out
}

// cfgDiagMark stands for keepalived's "(FILE: Line N)" prefixes in a log.
const cfgDiagMark = "configuration diagnostics prefixed (FILE: Line N)"

// dumpLines normalises a dump file: times and counters vary by run. Each
// line is prefixed with its section ("------< VRRP Topology >------"), so
// that the allow-list can name a section.
func dumpLines(s string) []string {
	section := "top"
	return lines(s, func(l string) string {
		l = strings.TrimSpace(l)
		if m := sectionRe.FindStringSubmatch(l); m != nil {
			section = m[1]
			return "[" + section + "]"
		}
		if l == "" {
			return ""
		}
		if !strings.Contains(l, "debounce timer = ") { // configured, not a clock
			l = dataTimeRe.ReplaceAllString(l, "${1} = T")
		}
		l = pidRe.ReplaceAllString(l, "${1}${2}N")
		l = dumpIdxRe.ReplaceAllString(l, "ifindex N")
		return "[" + section + "] " + normAddr(normMAC(l))
	})
}

// statsLines keeps the counters' names: their values depend on the
// window.
func statsLines(s string) []string {
	return lines(s, func(l string) string { return numRe.ReplaceAllString(strings.TrimSpace(l), "N") })
}

// aspectLines is the normalised view of one aspect of one run. withStop
// is false when a daemon had to be killed after SIGTERM: the host state
// after a kill is not the one a stop leaves, so it is not compared (the
// exit aspect shows the hang).
func aspectLines(r daemonRun, aspect string, withStop bool) []string {
	switch aspect {
	case "wire":
		return r.wire
	case "link", "addr", "route", "rule", "sysctl", "nft":
		var out []string
		for _, ph := range []string{"run", "stop"} {
			if ph == "stop" && !withStop {
				continue
			}
			for _, l := range hostLines(r.files[ph+"/"+aspect]) {
				out = append(out, ph+": "+l)
			}
		}
		return out
	case "notify":
		return notifyLines(r.files["notify"])
	case "exit":
		out := []string{fmt.Sprint("exit ", r.rc)}
		if r.hung {
			out = append(out, "no exit within 20 s of SIGTERM")
		}
		return append(out, stackLines(r.files["log"])...)
	case "log":
		log, _, _ := strings.Cut(r.files["log"], goDumpMark)
		return append(logLines(log), transitions(log)...)
	case "data":
		return dumpLines(r.files["keepalived.data"])
	case "stats":
		return statsLines(r.files["keepalived.stats"])
	}
	return nil
}

// goDumpMark starts the goroutine dump a Go daemon writes on SIGQUIT.
const goDumpMark = "SIGQUIT: quit"

// stackLines summarises a SIGQUIT goroutine dump: the project's own
// functions, once each, in order, so that the report shows where a stop
// hung.
func stackLines(log string) []string {
	_, dump, ok := strings.Cut(log, goDumpMark)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, l := range strings.Split(dump, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "github.com/dsas/keepalived-go/") {
			continue
		}
		// Drop the arguments and the frame addresses: they change by run.
		if i := strings.Index(l, " +0x"); i > 0 {
			l = l[:i]
		} else if i := strings.LastIndex(l, "("); i > 0 {
			l = l[:i]
		}
		if l = strings.TrimPrefix(l, "github.com/dsas/keepalived-go/"); !seen[l] {
			seen[l] = true
			out = append(out, "stack: "+l)
		}
	}
	return out
}

// diffLines is the multiset difference: "-ka X" for a line only keepalived
// has, "+go X" for one only keepalived-go has.
func diffLines(ka, gol []string) []string {
	count := map[string]int{}
	for _, l := range ka {
		count[l]++
	}
	for _, l := range gol {
		count[l]--
	}
	var out []string
	for _, l := range ka {
		if count[l] > 0 {
			out = append(out, "-ka "+l)
			count[l]--
		}
	}
	for _, l := range gol {
		if count[l] < 0 {
			out = append(out, "+go "+l)
			count[l]++
		}
	}
	return out
}

// allowEntry is one row of testdata/allow.tsv: a difference line of the
// aspect, in a file matching the glob, matching the regular expression,
// is a documented one.
type allowEntry struct {
	glob, aspect string
	re           *regexp.Regexp
	reason       string
}

func readAllow(path string) ([]allowEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []allowEntry
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		col := strings.Split(l, "\t")
		if len(col) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 tab-separated columns, got %d", path, n, len(col))
		}
		re, err := regexp.Compile(col[2])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		if _, err := filepath.Match(col[0], ""); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		out = append(out, allowEntry{col[0], col[1], re, col[3]})
	}
	return out, sc.Err()
}

// globMatch matches a file glob against a row name ("corpus/F.conf",
// "parser/testdata/vrrp/F.conf") or its base name; "*" matches every row.
func globMatch(glob, name string) bool {
	if glob == "*" {
		return true
	}
	ok, _ := filepath.Match(glob, name)
	if !ok {
		ok, _ = filepath.Match(glob, filepath.Base(name))
	}
	return ok
}

// cell is one file × aspect verdict.
type cell struct {
	verdict string
	diff    []string // the lines no allow entry covers
	reasons []string // the allow entries that covered the others
}

// judge compares an aspect: same when the normalised views are equal,
// documented when every difference line is covered by an allow entry,
// differs otherwise.
func judge(file, aspect string, ka, gol []string, allow []allowEntry) cell {
	d := diffLines(ka, gol)
	if len(d) == 0 {
		return cell{verdict: same}
	}
	c := cell{verdict: documented}
	used := map[string]bool{}
	for _, l := range d {
		covered := false
		for _, a := range allow {
			if a.aspect != aspect || !a.re.MatchString(l) {
				continue
			}
			if !globMatch(a.glob, file) {
				continue
			}
			covered = true
			if !used[a.reason] {
				used[a.reason] = true
				c.reasons = append(c.reasons, a.reason)
			}
			break
		}
		if !covered {
			c.diff = append(c.diff, l)
		}
	}
	if len(c.diff) > 0 {
		c.verdict = differs
	}
	return c
}

// TestDumpLinesKeepDebounce: the dump's debounce timers are configuration
// (interface_up_down_delays), compared as they are; clocks are not.
func TestDumpLinesKeepDebounce(t *testing.T) {
	got := dumpLines("------< Interfaces >------\n   Up debounce timer = 1500000us\n   Last transition = 1765000000.5\n")
	want := []string{"[Interfaces]", "[Interfaces] Last = T", "[Interfaces] Up debounce timer = 1500000us"} // sorted
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", got, want)
	}
}
