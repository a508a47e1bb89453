package nftfilter

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// keepalivedVMACRuleset is what keepalived 2.2.7 builds for two VMACs,
// vrrp.7 (an IPv4 instance) and vrrp.8 (IPv6) on eth0, under vrrp_strict
// once both are MASTER (captured from Debian's keepalived; the
// differential in cmd/keepalived compares it live).
const keepalivedVMACRuleset = `table ip keepalived {
	map vmac_map {
		type iface_index : iface_index
		elements = { "vrrp.7" : "eth0" }
	}

	set vips {
		type ipv4_addr
		elements = { 10.77.0.100 }
	}

	chain out {
		type filter hook output priority filter - 1; policy accept;
		ip protocol igmp meta oifkind "macvlan" dup to ip daddr device oif map @vmac_map drop
		ip saddr @vips drop
	}

	chain in {
		type filter hook input priority filter - 1; policy accept;
		ip daddr @vips drop
	}
}
table ip6 keepalived {
	map vmac_map {
		type iface_index : iface_index
		elements = { "vrrp.8" : "eth0" }
	}

	set vmac_set {
		type iface_index
		elements = { "vrrp.8" }
	}

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
		icmpv6 type mld2-listener-report meta oifkind "macvlan" dup to ip6 daddr device oif map @vmac_map drop
		icmpv6 type nd-router-solicit meta oifkind "macvlan" oif @vmac_set drop
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

// TestVMACRuleset builds the VMAC part at start, as keepalived does when
// it creates its VMACs, then the no_accept part when the instances become
// MASTER, and reads back keepalived's ruleset; removing the VMACs empties
// the map and set.
func TestVMACRuleset(t *testing.T) {
	needNft(t)
	host, _ := pair(t)
	index := map[string]int{}
	for _, v := range []string{"vrrp.7", "vrrp.8"} {
		host.MustRun(t, "ip", "link", "add", "link", "eth0", "name", v, "type", "macvlan", "mode", "private")
		out := host.MustRun(t, "cat", "/sys/class/net/"+v+"/ifindex")
		index[v], _ = strconv.Atoi(strings.TrimSpace(out))
	}
	out := host.MustRun(t, "cat", "/sys/class/net/eth0/ifindex")
	eth0, _ := strconv.Atoi(strings.TrimSpace(out))
	f := newFilter(t, host, DefaultConfig())
	if err := f.AddVMAC(index["vrrp.7"], eth0, false); err != nil {
		t.Fatal(err)
	}
	if err := f.AddVMAC(index["vrrp.8"], eth0, true); err != nil {
		t.Fatal(err)
	}
	for _, ip := range []struct {
		a   string
		idx int
	}{{vip4a.String(), 0}, {vip6.String(), 0}} {
		if err := f.Add(mustAddr(ip.a), ip.idx); err != nil {
			t.Fatal(err)
		}
	}
	if got := ruleset(t, host); got != keepalivedVMACRuleset {
		t.Fatalf("ruleset:\n%s\nwant keepalived's:\n%s", got, keepalivedVMACRuleset)
	}
	if err := f.DelVMAC(index["vrrp.8"], eth0, true); err != nil {
		t.Fatal(err)
	}
	if got := ruleset(t, host); strings.Contains(got, `"vrrp.8"`) {
		t.Fatalf("VMAC still in the ruleset:\n%s", got)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := ruleset(t, host); got != "" {
		t.Fatalf("tables left after Close:\n%s", got)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
