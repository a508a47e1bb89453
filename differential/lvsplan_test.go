package differential

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/parser"
)

// The LVS differential (issue 11) runs in the VM, where the kernel has
// IPVS: lvs_vm_test.go drives it, scripts/differential-lvs.sh boots the
// VM. What it compares and how it plans a file is here, so that the host's
// unit tests cover it.

// lvsAspects are the LVS table's columns: `ipvsadm -Sn` at the end of
// each of the three phases and after stop, the checker log lines, the notify_up/down and
// quorum_up/down trail, keepalived_check.data and the exit code.
var lvsAspects = []string{"ipvs", "log", "notify", "data", "exit"}

// lvsCISubset is what `make vmtest` runs (about 3–4 minutes of VM time):
// the project's own files (TCP_CHECK, HTTP_GET status codes, quorum with
// its scripts, inhibit_on_failure, alpha, sorry_server), one corpus file
// with quorum (012) and, when the corpus is there, one that keepalived -t
// exits 5 with (113, a docker image's: deprecated nb_get_retry, a bad
// persistence_timeout, a virtual_server_group with a sorry server and
// inhibited real servers), which keepalived's daemon runs all the same.
var lvsCISubset = []string{
	"differential/testdata/lvs/tcp_http_quorum.conf",
	"differential/testdata/lvs/inhibit_alpha_sorry.conf",
	"corpus/012-ka-sample-quorum.conf",
	"corpus/113-docker-keepalived-reload_conf.conf",
}

// Endpoint kinds a responder serves.
const (
	epHTTP = "http" // HTTP/1.x, 200 "ok" on every path; TCP_CHECK connects to it too
	epTLS  = "tls"  // the same over TLS (SSL_GET)
	epSMTP = "smtp" // a 220 banner and 250 to everything
	epUDP  = "udp"  // echoes datagrams (UDP_CHECK)
)

// Roles of an endpoint over the three phases of a run. Servers come up
// (phase 2) before others go down (phase 3), one change at a time, so that
// the order of quorum changes does not depend on each daemon's random
// warmup.
const (
	roleAlive = iota // answers throughout
	roleDies         // answers in phases 1 and 2, dead in phase 3 (checkers go down)
	roleBorn         // dead in phase 1, answers from phase 2 (checkers come up)
)

type lvsEndpoint struct {
	addr netip.AddrPort
	kind string
	role int
}

// lvsPlan is what one configuration needs in the VM.
type lvsPlan struct {
	name, path, dir string
	ifaces          []string     // dummy links the file names
	locals          []netip.Addr // put on lo: real servers, connect_ip, bindto, sorry servers
	ends            []lvsEndpoint
	phase           time.Duration // each of the three phases
	extra           []string
	note, skip      string
	netns           string // net_namespace: bound to the lab's namespace
}

const (
	lvsMinPhase = 12 * time.Second
	lvsMaxPhase = 80 * time.Second
	// lvsSlack covers TCG (5–8× slower) and another engineer's VM.
	lvsSlack = 6 * time.Second
)

// makeLVSPlan parses file as the host plan does (every interface exists)
// and lists the addresses and endpoints its checkers need. Per virtual
// server, the second real server's endpoints come up after the first phase
// and the first's die after the second; the others answer throughout, so
// that every file sees checkers go down and up.
func makeLVSPlan(name, file string) lvsPlan {
	p := lvsPlan{name: name, path: file, dir: filepath.Dir(file)}
	text, err := os.ReadFile(file)
	if err != nil {
		p.skip = err.Error()
		return p
	}
	if !lvsRe.Match(text) {
		p.skip = "no virtual_server"
		return p
	}
	seen := map[string]bool{}
	cfg, _, _ := parser.Parse(file, parser.Options{
		ConfigID:        configID,
		TestMode:        true,
		InterfaceExists: func(n string) bool { seen[n] = true; return true },
		UserExists:      func(string) bool { return true },
		GroupExists:     func(string) bool { return true },
		NamespaceExists: func(string) bool { return true },
	})
	if cfg == nil {
		p.skip = "our parser returned no configuration"
		return p
	}
	p.netns = cfg.Global.NetNamespace // see lvsRunScript
	if instanceRe.Match(text) {
		p.extra = []string{"-C"}
		p.note = "checker side only (-C); VRRP: host differential"
	}
	delete(seen, "lo")
	for n := range seen {
		if devNameRe.MatchString(n) {
			p.ifaces = append(p.ifaces, n)
		}
	}
	sort.Strings(p.ifaces)
	p.addServers(cfg.LVS.VirtualServers)
	p.phase = lvsPhase(cfg.LVS.VirtualServers)
	return p
}

func (p *lvsPlan) addLocal(a netip.Addr) {
	if !a.IsValid() || a.IsUnspecified() || a.IsLoopback() {
		return
	}
	for _, x := range p.locals {
		if x == a {
			return
		}
	}
	p.locals = append(p.locals, a)
}

func (p *lvsPlan) addServers(vss []*config.VirtualServer) {
	have := map[string]bool{}
	for _, vs := range vss {
		if vs.Sorry != nil {
			p.addLocal(vs.Sorry.Addr.Addr())
		}
		for i, rs := range vs.RealServers {
			p.addLocal(rs.Addr.Addr())
			role := roleAlive
			switch i {
			case 0:
				role = roleDies
			case 1:
				role = roleBorn
			}
			for _, ck := range rs.Checkers {
				if ck.Conn == nil {
					continue
				}
				p.addLocal(ck.Conn.BindAddr)
				dst := ck.Conn.Dst
				p.addLocal(dst.Addr())
				kind := endpointKind(ck.Type)
				if kind == "" || dst.Port() == 0 {
					continue
				}
				key := kind + " " + dst.String()
				if kind != epUDP {
					key = "tcp " + dst.String() // one listener per TCP port
				}
				if have[key] {
					continue
				}
				have[key] = true
				p.ends = append(p.ends, lvsEndpoint{addr: dst, kind: kind, role: role})
			}
		}
	}
}

// endpointKind is what answers a checker: none for the checkers that do
// not connect, for PING (lo answers) and for DNS (no server: dead).
func endpointKind(t config.CheckerType) string {
	switch t {
	case config.CheckHTTP, config.CheckTCP:
		return epHTTP
	case config.CheckSSL:
		return epTLS
	case config.CheckSMTP:
		return epSMTP
	case config.CheckUDP:
		return epUDP
	}
	return ""
}

// lvsPhase is long enough for every checker to see a change: the first
// check comes within the warmup (or delay_loop), a failure needs retry
// more attempts delay_before_retry apart, each of which may wait for the
// connect timeout. The operator's timing is never changed; a file whose
// timing exceeds the cap gets the cap.
func lvsPhase(vss []*config.VirtualServer) time.Duration {
	var need time.Duration
	for _, vs := range vss {
		for _, rs := range vs.RealServers {
			for _, ck := range rs.Checkers {
				to := time.Duration(0)
				if ck.Conn != nil {
					to = ck.Conn.Timeout
				}
				if ck.Misc != nil {
					to = ck.Misc.Timeout
				}
				first := max(ck.Warmup, ck.DelayLoop)
				d := first + time.Duration(ck.Retry)*ck.DelayBeforeRetry + time.Duration(ck.Retry+1)*to
				need = max(need, d)
			}
		}
	}
	return min(max(need+lvsSlack, lvsMinPhase), lvsMaxPhase)
}

// lvsScriptRe finds the scripts of the checker side. notify_up/down and
// quorum_up/down are replaced by the recorder, tagged with the keyword and
// the line (so that the trail tells the real servers apart); misc_path by a
// script that succeeds. A line continued with a backslash (inside a $MACRO
// definition) stays continued.
var lvsScriptRe = regexp.MustCompile(`^(\s*(?:@\^?\S+\s+)?)(notify_up|notify_down|quorum_up|quorum_down|misc_path)(\s+)(.*?)(\s*\}?\s*(?:\\)?)$`)

// rewriteLVS returns the configuration with the VRRP scripts rewritten as
// the host differential does and the checker scripts as above.
func rewriteLVS(text, rec, ok string) string {
	text, _ = rewrite(text, rec, ok)
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		m := lvsScriptRe.FindStringSubmatch(l)
		if m == nil || m[4] == "" || strings.HasPrefix(m[4], "{") {
			continue
		}
		cmd := fmt.Sprintf(`"%s %s@L%d"`, rec, m[2], i+1)
		if m[2] == "misc_path" {
			cmd = fmt.Sprintf(`"%s"`, ok)
		}
		lines[i] = m[1] + m[2] + m[3] + cmd + m[5]
	}
	return strings.Join(lines, "\n")
}

var (
	// lvsLogKeepRe: the checker and IPVS lines an operator greps.
	lvsLogKeepRe = regexp.MustCompile(`service|[Cc]heck|[Cc]onnect|[Qq]uorum|HTTP|SSL|SMTP|UDP|DNS|[Pp]ing|MD5|digest|status code|Removing|Adding|Executing|[Ss]orry|IPVS|[Vv]irtual|[Ee]rror|WARNING|SECURITY|[Uu]nable|[Ff]ailed|[Tt]imeout|[Ww]eight|[Ss]cript`)
	lvsLogDropRe = regexp.MustCompile(`^(Command line:|Configuration file|Running on|Starting Keepalived|Starting Healthcheck child|Opening file|Unable to load ipset|Script user|Registering|Netlink|Stopped - used|Stopped Keepalived|Remove a zombie|Kernel|Printing checker data)`)
)

// lvsLogLines keeps the distinct checker log lines without timestamps and
// pids, sorted: how often a check repeats depends on the window and on
// each daemon's random warmup, which lines appear does not.
func lvsLogLines(s string) []string {
	seen := map[string]bool{}
	return lines(s, func(l string) string {
		l = stampRe.ReplaceAllString(l, "")
		if m := cfgDiagRe.FindStringSubmatch(l); m != nil {
			l = m[1]
		}
		l = pidRe.ReplaceAllString(l, "${1}${2}N")
		l = smtpFdRe.ReplaceAllString(l, "${1}N")
		if lvsLogDropRe.MatchString(l) || !lvsLogKeepRe.MatchString(l) || seen[l] {
			return ""
		}
		seen[l] = true
		return l
	})
}

// ipvsLines is one phase's `ipvsadm -Sn`, sorted (the kernel lists its
// hash table, not the daemon's order) and prefixed with the phase.
func ipvsLines(phase, s string) []string {
	out := lines(s, func(l string) string { return l })
	for i, l := range out {
		out[i] = phase + ": " + l
	}
	return out
}

// lvsTestVerdict says from keepalived -t's exit code whether the file runs.
// keepalived refuses outright only with 4 (file not found, a missing
// interface, a fatal error: config_test_exit); 5 (non-fatal configuration
// errors) and 6 (script security) are files its daemon runs, reporting the
// errors and ignoring or defaulting the items (grammar notes §5.12), so
// they run here with a note. Whether the daemon then exits at start is
// compared like any other behaviour (the exit and log columns).
func lvsTestVerdict(rc int, out string) (note, skip string) {
	switch rc {
	case 0:
		return "", ""
	case 5:
		return "-t exit 5 (non-fatal configuration errors)", ""
	case 6:
		return "-t exit 6 (script security warning)", ""
	}
	return "", fmt.Sprintf("keepalived -t exit %d: %s", rc, firstLine(out))
}
