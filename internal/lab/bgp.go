package lab

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

// BGPRouter is FRR's zebra and bgpd running in a lab host as the upstream
// router of BGP-announcing directors (peers-lab.md): eBGP to every
// neighbour, `maximum-paths` so that it installs one path per director,
// every file in a scratch directory.
type BGPRouter struct {
	h   *Host
	dir string
	// Zebra and BGPD are the two processes; BFDD runs with
	// StartBGPRouterBFD.
	Zebra, BGPD, BFDD *netns.Proc
}

// NeedFRRBGP skips t unless root and FRR's bgpd, zebra and vtysh are
// installed (scripts/deps.sh installs frr).
func NeedFRRBGP(t testing.TB) {
	t.Helper()
	netns.SkipUnlessRoot(t)
	for _, p := range []string{"/usr/lib/frr/bgpd", "/usr/lib/frr/zebra", "/usr/bin/vtysh"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh installs frr)", p)
		}
	}
}

// StartBGPRouter starts zebra and bgpd in h as AS asn with the neighbours
// (remote-as external, keepalive 1 s, hold 3 s); IPv6 neighbours are
// activated for IPv6 unicast.
func StartBGPRouter(t testing.TB, h *Host, asn uint32, neighbors []netip.Addr) *BGPRouter {
	t.Helper()
	return startBGPRouter(t, h, asn, neighbors, 0)
}

// StartBGPRouterBFD is StartBGPRouter with FRR's bfdd as well, every
// neighbour's session tied to a BFD session (`neighbor X bfd`) at bfdMs
// intervals and multiplier 3: the router drops a director's paths within
// the BFD detection time instead of its hold time.
func StartBGPRouterBFD(t testing.TB, h *Host, asn uint32, neighbors []netip.Addr, bfdMs int) *BGPRouter {
	t.Helper()
	return startBGPRouter(t, h, asn, neighbors, bfdMs)
}

func startBGPRouter(t testing.TB, h *Host, asn uint32, neighbors []netip.Addr, bfdMs int) *BGPRouter {
	t.Helper()
	dir, err := os.MkdirTemp("", "klg-bgpd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// FRR drops to user frr: its directory must be writable by it.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "log stdout informational\nrouter bgp %d\n bgp router-id %s\n no bgp ebgp-requires-policy\n bgp bestpath as-path multipath-relax\n", asn, h.IPv4.Addr())
	for _, n := range neighbors {
		fmt.Fprintf(&b, " neighbor %s remote-as external\n neighbor %s timers 1 3\n neighbor %s timers connect 1\n", n, n, n)
		if bfdMs > 0 {
			fmt.Fprintf(&b, " neighbor %s bfd profile lab\n", n)
		}
	}
	b.WriteString(" address-family ipv4 unicast\n  maximum-paths 8\n exit-address-family\n")
	b.WriteString(" address-family ipv6 unicast\n  maximum-paths 8\n")
	for _, n := range neighbors {
		if n.Is6() {
			fmt.Fprintf(&b, "  neighbor %s activate\n", n)
		}
	}
	b.WriteString(" exit-address-family\nexit\n")
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	r := &BGPRouter{h: h, dir: dir}
	zserv := filepath.Join(dir, "zserv.api")
	r.Zebra = h.Start(t, "/usr/lib/frr/zebra", "-f", write("zebra.conf", "log stdout informational\n"),
		"-i", filepath.Join(dir, "zebra.pid"), "-z", zserv, "--vty_socket", dir)
	r.waitFile(t, "zebra.vty", r.Zebra)
	r.BGPD = h.Start(t, "/usr/lib/frr/bgpd", "-f", write("bgpd.conf", b.String()),
		"-i", filepath.Join(dir, "bgpd.pid"), "-z", zserv, "--vty_socket", dir)
	r.waitFile(t, "bgpd.vty", r.BGPD)
	if bfdMs > 0 {
		conf := fmt.Sprintf("log stdout informational\nbfd\n profile lab\n  receive-interval %d\n  transmit-interval %d\n  detect-multiplier 3\n exit\nexit\n", bfdMs, bfdMs)
		r.BFDD = h.Start(t, "/usr/lib/frr/bfdd", "-f", write("bfdd.conf", conf), "-i", filepath.Join(dir, "bfdd.pid"),
			"-z", zserv, "--vty_socket", dir, "--bfdctl", filepath.Join(dir, "bfdd.sock"))
		r.waitFile(t, "bfdd.vty", r.BFDD)
	}
	return r
}

func (r *BGPRouter) waitFile(t testing.TB, name string, p *netns.Proc) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(r.dir, name)); err == nil {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("FRR did not open %s: %s", name, p.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Vtysh runs one vtysh command against this router.
func (r *BGPRouter) Vtysh(cmd string) (string, error) {
	return r.h.Run("vtysh", "--vty_socket", r.dir, "-c", cmd)
}

// Paths returns the next hops zebra has installed in the kernel for
// prefix (`show ip route PREFIX json`: the selected route's nexthops with
// fib set), sorted; nil when there is no such route.
func (r *BGPRouter) Paths(t testing.TB, prefix netip.Prefix) []string {
	t.Helper()
	cmd := "show ip route " + prefix.String() + " json"
	if prefix.Addr().Is6() {
		cmd = "show ipv6 route " + prefix.String() + " json"
	}
	out, err := r.Vtysh(cmd)
	if err != nil {
		t.Logf("vtysh: %v %s", err, out)
		return nil
	}
	var routes map[string][]struct {
		Protocol string `json:"protocol"`
		Selected bool   `json:"selected"`
		Nexthops []struct {
			IP  string `json:"ip"`
			FIB bool   `json:"fib"`
		} `json:"nexthops"`
	}
	if err := json.Unmarshal([]byte(out), &routes); err != nil {
		t.Logf("vtysh json: %v: %s", err, out)
		return nil
	}
	var hops []string
	for _, rt := range routes[prefix.String()] {
		if !rt.Selected {
			continue
		}
		for _, nh := range rt.Nexthops {
			if nh.FIB {
				hops = append(hops, nh.IP)
			}
		}
	}
	sort.Strings(hops)
	return hops
}

// Established returns the neighbours whose session is Established.
func (r *BGPRouter) Established(t testing.TB) []string {
	t.Helper()
	out, err := r.Vtysh("show bgp neighbors json")
	if err != nil {
		return nil
	}
	var ns map[string]struct {
		State string `json:"bgpState"`
	}
	if err := json.Unmarshal([]byte(out), &ns); err != nil {
		return nil
	}
	var up []string
	for a, n := range ns {
		if n.State == "Established" {
			up = append(up, a)
		}
	}
	sort.Strings(up)
	return up
}
