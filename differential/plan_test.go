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

	"github.com/dsas/keepalived-go/parser"
)

// configID is the -i both daemons run with: the corpus verdicts were
// recorded on a host of that name, and a fixed id keeps @id lines from
// depending on the test host's name.
const configID = "recorder-host"

// plan is what one configuration needs from the lab, and how long to run.
type plan struct {
	name   string // row name: the corpus file name or the testdata path
	path   string // the file as found
	dir    string // working directory of the daemons (relative includes)
	ifaces []string
	// addrs and peers are per interface: addresses given to it (unicast
	// source addresses first, so they are primary), and unicast peers,
	// which are routed through it and answer ARP/ND from the capture side.
	addrs  map[string][]netip.Prefix
	peers  map[string][]netip.Addr
	window time.Duration
	extra  []string // extra command-line options, the same for both daemons
	note   string   // why extra was needed, for the report
	skip   string   // non-empty: not run, and why
	netns  string   // net_namespace: the name the lab's namespace is bound to
}

var (
	// devNameRe is the subset of kernel-valid names the lab creates (as
	// parser/live_diff_test.go).
	devNameRe   = regexp.MustCompile(`^[A-Za-z0-9._-]{1,15}$`)
	instanceRe  = regexp.MustCompile(`(?m)^\s*(@\^?\S+\s+)?vrrp_instance\b`)
	lvsRe       = regexp.MustCompile(`(?m)^\s*(@\^?\S+\s+)?virtual_server(_group)?\b`)
	maxWindow   = 25 * time.Second
	minWindow   = 4 * time.Second
	settleAfter = 2 * time.Second
)

// makePlan reads file and decides how to run it. The interface discovery
// is parser/live_diff_test.go's: parse answering "exists" to every
// interface question, so that no branch that only runs for present
// interfaces is missed, then drop the VMAC interfaces the daemon creates.
func makePlan(name, file string) plan {
	p := plan{name: name, path: file, dir: filepath.Dir(file),
		addrs: map[string][]netip.Prefix{}, peers: map[string][]netip.Addr{}}
	text, err := os.ReadFile(file)
	if err != nil {
		p.skip = err.Error()
		return p
	}
	hasLVS := lvsRe.Match(text)
	if !instanceRe.Match(text) && hasLVS {
		p.skip = "LVS: VM (no vrrp_instance; IPVS is not available on this host)"
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
	// The run binds the lab's namespace to this name, so that entering
	// it keeps both daemons in the lab (see runScript).
	p.netns = cfg.Global.NetNamespace
	if hasLVS {
		// Both daemons run the VRRP side only: the checker side needs
		// IPVS, which this host lacks.
		p.extra = []string{"-P"}
		p.note = "VRRP side only (-P); LVS: VM"
	}
	adv := time.Duration(0)
	for _, in := range cfg.VRRP.Instances {
		if v := in.VMAC; v.Enabled || v.IPVLAN {
			n := v.IfName
			if n == "" {
				n = fmt.Sprintf("%s.%d", cfg.Global.VRRP.VMACPrefix, in.VRID)
			}
			delete(seen, n)
		}
		adv = max(adv, in.AdvertInt)
		if in.Interface == "" {
			continue
		}
		if in.SrcIP.IsValid() {
			p.addPrefix(in.Interface, in.SrcIP)
		}
		for _, peer := range in.UnicastPeers {
			if !containsAddr(p.peers[in.Interface], peer.Addr) {
				p.peers[in.Interface] = append(p.peers[in.Interface], peer.Addr)
			}
		}
	}
	delete(seen, "lo")
	for n := range seen {
		if devNameRe.MatchString(n) {
			p.ifaces = append(p.ifaces, n)
		}
	}
	sort.Strings(p.ifaces)
	for i, n := range p.ifaces {
		// A usable address of each family on every interface, after any
		// unicast source, so that an instance finds a primary address.
		p.addrs[n] = append(p.addrs[n],
			netip.MustParsePrefix(fmt.Sprintf("10.99.%d.2/24", i+1)),
			netip.MustParsePrefix(fmt.Sprintf("fd99:0:0:%x::2/64", i+1)))
	}
	p.window = windowFor(adv, cfg.Global.VRRP.StartupDelay)
	return p
}

// windowFor is how long a daemon runs before it is dumped and stopped:
// long enough for a lone instance to become MASTER (3 advert intervals
// plus the skew, after the startup delay), plus time for the GARP burst
// that follows, but short of the second burst garp_master_delay (5 s)
// sends. Capped so that a slow-advert file cannot stall the run (25 s
// lets advert_int 5 reach MASTER: 3·5 s plus the skew).
func windowFor(adv, startup time.Duration) time.Duration {
	if adv <= 0 {
		adv = time.Second
	}
	w := startup + 3*adv + adv + settleAfter
	return min(max(w, minWindow), maxWindow)
}

func (p *plan) addPrefix(dev string, a netip.Addr) {
	bits := 24
	if a.Is6() {
		bits = 64
	}
	pf := netip.PrefixFrom(a, bits)
	for _, x := range p.addrs[dev] {
		if x == pf {
			return
		}
	}
	p.addrs[dev] = append(p.addrs[dev], pf)
}

func containsAddr(l []netip.Addr, a netip.Addr) bool {
	for _, x := range l {
		if x == a {
			return true
		}
	}
	return false
}

// scriptRe finds the lines naming a script keepalived runs on the VRRP
// side. Their command is replaced by the lab's recorder (notify lines) or
// by a script that succeeds (vrrp_script), so that both daemons run the
// same harmless commands and the notify trail can be compared.
var scriptRe = regexp.MustCompile(`^(\s*(?:@\^?\S+\s+)?)(notify|notify_master|notify_backup|notify_fault|notify_stop|notify_deleted|notify_master_rx_lower_pri|script)(\s+)(.*?)(\s*\}?\s*)$`)

// rewrite returns the configuration with its script paths pointing at the
// recorder (rec) and the always-true track script (ok).
func rewrite(text, rec, ok string) (string, int) {
	lines := strings.Split(text, "\n")
	n := 0
	for i, l := range lines {
		m := scriptRe.FindStringSubmatch(l)
		if m == nil || m[4] == "" || strings.HasPrefix(m[4], "{") {
			continue
		}
		cmd := fmt.Sprintf(`"%s %s"`, rec, m[2])
		if m[2] == "script" {
			cmd = fmt.Sprintf(`"%s"`, ok)
		}
		// A line continuing a multiline definition keeps its "\"
		// (corpus 043): without it the definition ends there and both
		// daemons read another file than the user's.
		if strings.HasSuffix(m[4], `\`) {
			cmd += ` \`
		}
		lines[i] = m[1] + m[2] + m[3] + cmd + m[5]
		n++
	}
	return strings.Join(lines, "\n"), n
}
