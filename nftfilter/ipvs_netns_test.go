package nftfilter

import (
	"testing"

	"github.com/dsas/keepalived-go/internal/netns"
	"golang.org/x/sys/unix"
)

// ipvsEntries are the elements keepalived 2.2.7 programs for
//
//	global_defs { nftables_ipvs }
//	virtual_server_group G { 10.9.9.1-3 80  10.9.8.1 443 }
//	virtual_server_group H { fd00:9::1-3 80 }
//	virtual_server group G { protocol TCP ... }
//	virtual_server group G { protocol UDP ... }
//	virtual_server group H { protocol TCP ... }
var ipvsEntries = []IPVSEntry{
	{Protocol: unix.IPPROTO_TCP, First: mustAddr("10.9.9.1"), Last: mustAddr("10.9.9.3"), Port: 80, Mark: 1000},
	{Protocol: unix.IPPROTO_TCP, First: mustAddr("10.9.8.1"), Last: mustAddr("10.9.8.1"), Port: 443, Mark: 1000},
	{Protocol: unix.IPPROTO_TCP, First: mustAddr("fd00:9::1"), Last: mustAddr("fd00:9::3"), Port: 80, Mark: 1002},
	{Protocol: unix.IPPROTO_UDP, First: mustAddr("10.9.9.1"), Last: mustAddr("10.9.9.3"), Port: 80, Mark: 1001},
	{Protocol: unix.IPPROTO_UDP, First: mustAddr("10.9.8.1"), Last: mustAddr("10.9.8.1"), Port: 443, Mark: 1001},
}

// keepalivedIPVSRuleset is what keepalived 2.2.7 leaves for that
// configuration (captured from Debian's keepalived in the VM, where
// lvs.TestVMNFTablesIPVSDifferential compares it live).
const keepalivedIPVSRuleset = `table ip keepalived_ipvs {
	map tcp_map {
		type ipv4_addr . inet_service : mark
		flags interval
		elements = { 10.9.9.1-10.9.9.3 . 80 : 0x000003e8,
			     10.9.8.1 . 443 : 0x000003e8 }
	}

	map udp_map {
		type ipv4_addr . inet_service : mark
		flags interval
		elements = { 10.9.9.1-10.9.9.3 . 80 : 0x000003e9,
			     10.9.8.1 . 443 : 0x000003e9 }
	}

	chain in {
		type filter hook input priority filter - 1; policy accept;
		meta mark set ip daddr . tcp dport map @tcp_map return
		meta mark set ip daddr . udp dport map @udp_map return
	}
}
table ip6 keepalived_ipvs {
	map tcp_map {
		type ipv6_addr . inet_service : mark
		flags interval
		elements = { fd00:9::1-fd00:9::3 . 80 : 0x000003ea }
	}

	chain in {
		type filter hook input priority filter - 1; policy accept;
		meta mark set ip6 daddr . tcp dport map @tcp_map return
	}
}
`

// TestIPVSRuleset builds the table in a namespace, in keepalived's order
// (the virtual servers' order: G TCP, G UDP, H TCP), reads back
// keepalived's ruleset, then removes an element and deletes the tables.
func TestIPVSRuleset(t *testing.T) {
	needNft(t)
	ns := netns.New(t, "nfipvs")
	var m *IPVSMarks
	ns.MustDo(t, func() (err error) { m, err = NewIPVS(IPVSConfig{Priority: -1}); return err })
	t.Cleanup(func() { m.Close() })
	order := []IPVSEntry{ipvsEntries[0], ipvsEntries[1], ipvsEntries[3], ipvsEntries[4], ipvsEntries[2]}
	if err := m.Set(order); err != nil {
		t.Fatal(err)
	}
	if got := ruleset(t, ns); got != keepalivedIPVSRuleset {
		t.Fatalf("ruleset:\n%s\nwant keepalived's:\n%s", got, keepalivedIPVSRuleset)
	}
	// A reload that drops 10.9.8.1 443 from G.
	if err := m.Set([]IPVSEntry{order[0], order[2], order[4]}); err != nil {
		t.Fatal(err)
	}
	if got := ruleset(t, ns); got == keepalivedIPVSRuleset || len(got) == 0 {
		t.Fatalf("ruleset after the reload:\n%s", got)
	}
	// A stale table (a run killed with -9) is replaced, not appended to.
	var m2 *IPVSMarks
	ns.MustDo(t, func() (err error) { m2, err = NewIPVS(IPVSConfig{Priority: -1}); return err })
	if err := m2.Set(order); err != nil {
		t.Fatal(err)
	}
	if got := ruleset(t, ns); got != keepalivedIPVSRuleset {
		t.Fatalf("ruleset over a stale table:\n%s", got)
	}
	m.Release()
	if err := m2.Close(); err != nil {
		t.Fatal(err)
	}
	if got := ruleset(t, ns); got != "" {
		t.Fatalf("tables left after Close:\n%s", got)
	}
}
