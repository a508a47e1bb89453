package nftfilter

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

func needNft(t *testing.T) {
	t.Helper()
	netns.SkipUnlessRoot(t)
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("needs the nft command (apt-get install nftables) to read the ruleset back")
	}
}

// pair is two namespaces on a veth: host (10.77.0.1, fd77::1) where the
// filter runs, and peer (10.77.0.2, fd77::2).
func pair(t *testing.T) (host, peer *netns.NS) {
	host, peer = netns.New(t, "nfh"), netns.New(t, "nfp")
	netns.Veth(t, host, "eth0", peer, "eth0")
	for _, c := range [][]string{
		{"ip", "addr", "add", "10.77.0.1/24", "dev", "eth0"},
		{"ip", "addr", "add", "fd77::1/64", "dev", "eth0", "nodad"},
		{"ip", "link", "set", "eth0", "up"},
	} {
		host.MustRun(t, c...)
	}
	for _, c := range [][]string{
		{"ip", "addr", "add", "10.77.0.2/24", "dev", "eth0"},
		{"ip", "addr", "add", "fd77::2/64", "dev", "eth0", "nodad"},
		{"ip", "link", "set", "eth0", "up"},
	} {
		peer.MustRun(t, c...)
	}
	return host, peer
}

func ruleset(t *testing.T, ns *netns.NS) string {
	t.Helper()
	return ns.MustRun(t, "nft", "list", "ruleset")
}

func newFilter(t *testing.T, ns *netns.NS, cfg Config) *Filter {
	t.Helper()
	var f *Filter
	ns.MustDo(t, func() (err error) { f, err = New(cfg); return err })
	return f
}

var (
	vip4a = netip.MustParseAddr("10.77.0.100")
	vip4b = netip.MustParseAddr("10.77.0.101")
	vip6  = netip.MustParseAddr("fd77::100")
)

// The ruleset keepalived 2.2.7 leaves for the same VIPs (captured from
// Debian's keepalived with vrrp_strict); TestDifferential checks it against
// the real binary when it is installed.
const keepalivedRuleset = `table ip keepalived {
	set vips {
		type ipv4_addr
		elements = { 10.77.0.100, 10.77.0.101 }
	}

	chain out {
		type filter hook output priority filter - 1; policy accept;
		ip saddr @vips drop
	}

	chain in {
		type filter hook input priority filter - 1; policy accept;
		ip daddr @vips drop
	}
}
table ip6 keepalived {
	set vips {
		type ipv6_addr
		elements = { fd77::100 }
	}

	set neighbor-discovery {
		type icmpv6_type
		flags constant
		elements = { nd-neighbor-solicit,
			     nd-neighbor-advert }
	}

	chain out {
		type filter hook output priority filter - 1; policy accept;
		icmpv6 type @neighbor-discovery accept
		ip6 saddr fe80::/10 goto out_link_local
		ip6 saddr @vips drop
	}

	chain in {
		type filter hook input priority filter - 1; policy accept;
		icmpv6 type @neighbor-discovery accept
		ip6 daddr fe80::/10 goto in_link_local
		ip6 daddr @vips drop
	}

	chain in_link_local {
	}

	chain out_link_local {
	}
}
`

// normalise sorts set elements, which nft prints in hash order.
func normalise(s string) string {
	re := regexp.MustCompile(`elements = \{ ([^}]*) \}`)
	return re.ReplaceAllStringFunc(s, func(m string) string {
		inner := re.FindStringSubmatch(m)[1]
		f := strings.FieldsFunc(inner, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
		slicesSort(f)
		return "elements = { " + strings.Join(f, ", ") + " }"
	})
}

func slicesSort(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestRulesetLikeKeepalived builds the table in a namespace, reads it back
// with nft, and checks that ping to a filtered VIP is dropped while the
// host's own address still answers, and that Del and Close undo it.
func TestRulesetLikeKeepalived(t *testing.T) {
	needNft(t)
	host, peer := pair(t)
	for _, v := range []string{"10.77.0.100/24", "10.77.0.101/24", "fd77::100/64"} {
		host.MustRun(t, "ip", "addr", "add", v, "dev", "eth0", "nodad")
	}
	// A table left by a run killed with -9 is replaced, not merged.
	host.MustRun(t, "nft", "add table ip keepalived; add chain ip keepalived stale")

	f := newFilter(t, host, DefaultConfig())
	t.Cleanup(func() { f.Close() })
	for _, v := range []netip.Addr{vip4a, vip4b, vip6} {
		if err := f.Add(v, 0); err != nil {
			t.Fatal(err)
		}
	}
	if got := ruleset(t, host); normalise(got) != normalise(keepalivedRuleset) {
		t.Fatalf("ruleset differs from keepalived's:\n%s\nwant:\n%s", got, keepalivedRuleset)
	}

	ping := func(ip netip.Addr) bool {
		_, err := peer.Run("ping", "-c", "1", "-W", "1", ip.String())
		return err == nil
	}
	// The neighbour must still resolve the VIP (ND accepted), only the echo
	// is dropped.
	for _, c := range []struct {
		ip   netip.Addr
		want bool
	}{{vip4a, false}, {vip6, false}, {netip.MustParseAddr("10.77.0.1"), true}, {netip.MustParseAddr("fd77::1"), true}} {
		if got := ping(c.ip); got != c.want {
			t.Errorf("ping %s answered=%v, want %v", c.ip, got, c.want)
		}
	}

	// ...but the VIP still resolved: the neighbour-discovery exception.
	if n := peer.MustRun(t, "ip", "-6", "neigh", "show", vip6.String()); !strings.Contains(n, "lladdr") {
		t.Errorf("peer could not resolve %s through the filter: %q", vip6, n)
	}

	// Leaving MASTER (accept mode restored): the VIP answers again.
	for _, v := range []netip.Addr{vip4a, vip6} {
		if err := f.Del(v, 0); err != nil {
			t.Fatal(err)
		}
		if !ping(v) {
			t.Errorf("ping %s dropped after Del", v)
		}
	}
	if got := ruleset(t, host); !strings.Contains(got, "elements = { 10.77.0.101 }") || strings.Contains(got, "fd77::100") {
		t.Errorf("after Del:\n%s", got)
	}

	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := ruleset(t, host); strings.TrimSpace(got) != "" {
		t.Fatalf("Close left:\n%s", got)
	}
}

// TestLinkLocalAndOptions: a link-local VIP goes into vips_link_local
// keyed by interface; nftables_priority, counters and the table name shape
// the chains as keepalived's global_defs do.
func TestLinkLocalAndOptions(t *testing.T) {
	needNft(t)
	host, _ := pair(t)
	f := newFilter(t, host, Config{Table: "ka", Priority: -5, Counters: true})
	t.Cleanup(func() { f.Close() })
	ifindex := ifindex(t, host, "eth0")
	ll := netip.MustParseAddr("fe80::77")
	for _, a := range []netip.Addr{vip4a, ll, ll} {
		if err := f.Add(a, ifindex); err != nil {
			t.Fatal(err)
		}
	}
	got := ruleset(t, host)
	for _, want := range []string{
		"table ip ka {", "table ip6 ka {",
		"type filter hook input priority filter - 5; policy accept;",
		"ip daddr @vips counter packets 0 bytes 0 drop",
		"set vips_link_local {\n\t\ttype ipv6_addr . iface_index\n\t\telements = { fe80::77 . \"eth0\" }",
		"ip6 daddr . iif @vips_link_local counter packets 0 bytes 0 drop",
		"ip6 saddr . oif @vips_link_local counter packets 0 bytes 0 drop",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, got)
		}
	}
	// Added twice (two instances): the first Del keeps it.
	if err := f.Del(ll, ifindex); err != nil {
		t.Fatal(err)
	}
	if got := ruleset(t, host); !strings.Contains(got, "fe80::77") {
		t.Fatalf("one of two Dels removed the shared VIP:\n%s", got)
	}
	if err := f.Del(ll, ifindex); err != nil {
		t.Fatal(err)
	}
	if got := ruleset(t, host); strings.Contains(got, "fe80::77") {
		t.Fatalf("VIP still filtered after both Dels:\n%s", got)
	}
}

// TestDifferential runs Debian's keepalived with vrrp_strict in one
// namespace and this package in another, with the same VIPs, and compares
// `nft list ruleset` of the two.
func TestDifferential(t *testing.T) {
	needNft(t)
	const ka = "/usr/sbin/keepalived"
	if _, err := os.Stat(ka); err != nil {
		t.Skip("needs Debian's keepalived for the differential")
	}
	kaHost, _ := pair(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	if err := os.WriteFile(conf, []byte(`global_defs {
  vrrp_strict
}
vrrp_instance V4 {
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  virtual_ipaddress {
    10.77.0.100/24
    10.77.0.101/24
  }
}
vrrp_instance V6 {
  interface eth0
  virtual_router_id 52
  priority 150
  version 3
  advert_int 1
  virtual_ipaddress {
    fd77::100/64
    fe80::77/64
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	p := kaHost.Start(t, ka, "-n", "-l", "-D", "-f", conf, "-p", filepath.Join(dir, "k.pid"),
		"-r", filepath.Join(dir, "v.pid"), "-c", filepath.Join(dir, "c.pid"))
	var kaRules string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		kaRules = ruleset(t, kaHost)
		if strings.Contains(kaRules, "10.77.0.101") && strings.Contains(kaRules, "fd77::100") && strings.Contains(kaRules, "fe80::77") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("keepalived never filtered its VIPs:\n%s\n%s", kaRules, p.Output())
		}
	}

	goHost, _ := pair(t)
	f := newFilter(t, goHost, DefaultConfig())
	t.Cleanup(func() { f.Close() })
	for _, v := range []netip.Addr{vip4a, vip4b, vip6, netip.MustParseAddr("fe80::77")} {
		if err := f.Add(v, ifindex(t, goHost, "eth0")); err != nil {
			t.Fatal(err)
		}
	}
	goRules := ruleset(t, goHost)
	if normalise(goRules) != normalise(kaRules) {
		t.Fatalf("rulesets differ\nkeepalived-go:\n%s\nkeepalived:\n%s", goRules, kaRules)
	}
	// The listing hides expressions; compare those too.
	kaNL := kaHost.MustRun(t, "nft", "--debug=netlink", "list", "ruleset")
	goNL := goHost.MustRun(t, "nft", "--debug=netlink", "list", "ruleset")
	t.Logf("comparing %d lines of netlink expressions", strings.Count(stripElems(kaNL), "\n"))
	if stripElems(kaNL) != stripElems(goNL) {
		t.Fatalf("netlink expressions differ\nkeepalived-go:\n%s\nkeepalived:\n%s", goNL, kaNL)
	}
}

func ifindex(t *testing.T, ns *netns.NS, name string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(ns.MustRun(t, "cat", "/sys/class/net/"+name+"/ifindex")))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// stripElems keeps the rule expressions of --debug=netlink output and
// drops set element dumps (hash order) and the listing that follows.
func stripElems(s string) string {
	if i := strings.Index(s, "\ntable "); i >= 0 {
		s = s[:i]
	}
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "element ") {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// TestLinkLocalByName: AddName puts a link-local VIP in
// vips_link_local_name, keyed by interface name and matched with
// iifname/oifname (keepalived's choice for a dont_track_primary instance
// without nftables_ifindex); a global address still goes to vips.
func TestLinkLocalByName(t *testing.T) {
	needNft(t)
	host, _ := pair(t)
	f := newFilter(t, host, Config{})
	t.Cleanup(func() { f.Close() })
	ll := netip.MustParseAddr("fe80::78")
	g := netip.MustParseAddr("fd77::100")
	for _, a := range []netip.Addr{ll, g} {
		if err := f.AddName(a, "eth0"); err != nil {
			t.Fatal(err)
		}
	}
	got := ruleset(t, host)
	for _, want := range []string{
		"set vips_link_local_name {\n\t\ttype ipv6_addr . ifname\n\t\telements = { fe80::78 . \"eth0\" }",
		"ip6 daddr . iifname @vips_link_local_name drop",
		"ip6 saddr . oifname @vips_link_local_name drop",
		"elements = { fd77::100 }",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "set vips_link_local {") {
		t.Errorf("index set built for a by-name address:\n%s", got)
	}
	if err := f.DelName(ll, "eth0"); err != nil {
		t.Fatal(err)
	}
	if got := ruleset(t, host); strings.Contains(got, "fe80::78") {
		t.Fatalf("VIP still filtered after DelName:\n%s", got)
	}
}
