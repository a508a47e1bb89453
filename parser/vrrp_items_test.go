package parser

import (
	"testing"

	"github.com/dsas/keepalived-go/config"
)

// TestItemOptions pins address, route and rule options the corpus does not
// reach. Unlike blockCase's other users, these expectations are this
// parser's own output (identical before and after the itemArgs rewrite),
// not re-checked against keepalived: they guard refactoring, not
// compatibility.
func TestItemOptions(t *testing.T) {
	runBlockCases(t, []blockCase{{
		name: "address, route and rule options",
		src: `static_ipaddress {
  192.0.2.10/24 dev eth0 brd + label eth0:9 home -nodad preferred_lft forever track_group nope
  192.0.2.11/24 dev eth0 use_vmac
  2001:db8::1/64 dev eth1 peer 10.0.0.1 scope link
  192.0.2.12/24 dev eth0 peer 192.0.2.1/24 broadcast -
}
static_routes {
  inet 198.51.100.0/24 via inet 192.0.2.1 dev eth0 src 192.0.2.10 as to 5 onlink append
  198.51.100.0/24 dev eth0 encap mpls 200 mtu lock 1400 vrf nosuch
  inet6 2001:db8:1::/48 dev eth1 from 2001:db8::/64 pref high
  inet 2001:db8:2::/48 dev eth1
  blackhole 203.0.113.0/24 dev eth0 protocol 99 scope link table 5 or 192.0.2.2
}
static_rules {
  from 192.0.2.0/24 type goto 5 priority 9
  not to 198.51.100.0/24 fwmark 0x10/0xff sport 1-2 dport 80 uidrange 10-20 tunnel-id 7 l3mdev priority 11
  inet6 from 10.0.0.0/8 table 1
  iif eth0 realms 5 table 100 sup_pl 8 sup_group 0 priority 12 no_track
}
`,
		diags: []string{
			"2:91: error: track_group nope not found",
			"3:26: error: Unknown configuration entry 'use_vmac' for ip address - ignoring",
			"4:32: error: Peer address 10.0.0.1 does not match address family",
			"4:3: error: Cannot specify scope for IPv6 addresses (2001:db8::1/64) - ignoring scope",
			"5:31: error: Cannot specify address prefix when specifying peer address - ignoring",
			"5:3: error: Cannot specify broadcast and peer addresses - ignoring broadcast address",
			"8:67: error: \"as to\" for MPLS only - ignoring",
			"9:61: error: VRF nosuch not found for route",
			"11:8: error: Cannot mix IPv4 and IPv6 addresses for route (2001:db8:2::/48)",
			"12:68: warning: \"or\" for routes is deprecated. Please use \"nexthop\"",
			"12:3: error: Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol",
			"15:3: error: Invalid rule - preference 9 >= goto target 5",
			// keepalived steps over the word after inet6 ("from").
			"17:14: error: Unknown rule option 10.0.0.0/8",
		},
		code:  ExitConfig,
		check: checkItemOptions,
	}})
}

func checkItemOptions(t *testing.T, cfg *config.Config) {
	t.Helper()
	v := &cfg.VRRP
	if len(v.StaticAddresses) != 4 || len(v.StaticRoutes) != 3 || len(v.StaticRules) != 2 {
		t.Fatalf("kept %d addresses, %d routes, %d rules; want 4, 3, 2", len(v.StaticAddresses), len(v.StaticRoutes), len(v.StaticRules))
	}
	if a := v.StaticAddresses[0]; a.Brd.String() != "192.0.2.255" || a.Label != "eth0:9" || !a.Home || !a.NoDAD {
		t.Errorf("address 0: %+v", a)
	}
	r := v.StaticRoutes[0]
	if r.Via.String() != "192.0.2.1" || r.PrefSrc.String() != "192.0.2.10" || !r.OnLink || len(r.Options) != 1 || r.Options[0].Name != "append" {
		t.Errorf("route 0: %+v", r)
	}
	// "or" moves the (absent) via to a first nexthop, as keepalived.
	if r := v.StaticRoutes[2]; r.Type != "blackhole" || r.Table != 5 || len(r.Nexthops) != 2 || r.Nexthops[0].Via.IsValid() {
		t.Errorf("route 2: %+v", r)
	}
	if u := v.StaticRules[0]; !u.Not || u.FwMark != 0x10 || u.FwMask != 0xff || u.Action != "l3mdev" || u.TunnelID != 7 {
		t.Errorf("rule 0: %+v", u)
	}
	if u := v.StaticRules[1]; u.IIf != "eth0" || u.Realms != "5" || u.SuppressPrefixLen != 8 || !u.NoTrack {
		t.Errorf("rule 1: %+v", u)
	}
}

// TestRuleActions: after inet/inet6 keepalived 2.2.7 skips a word; a
// route type (name or number) is an action, and only blackhole,
// unreachable and prohibit are valid; any other word is an unknown option
// even after "type". Checked against keepalived 2.2.7 -t (corpus 063).
func TestRuleActions(t *testing.T) {
	runBlockCases(t, []blockCase{{
		name: "rule actions",
		src: `static_rules {
  inet6 fwmark 5 table 28 preference 7997
  from 192.0.2.0/24 6 priority 1
  from 192.0.2.0/24 0x7 priority 2
  from 192.0.2.0/24 throw priority 3
  from 192.0.2.0/24 type 0xb priority 4
  from 192.0.2.0/24 type 0b1 priority 5
  from 192.0.2.0/24 256 priority 6
  from 192.0.2.0/24 type foo priority 7
}
`,
		diags: []string{
			"2:16: error: Invalid rule action 5",
			"5:21: error: Invalid rule action throw",
			"6:26: error: Invalid rule action 0xb",
			"7:26: error: Unknown rule option 0b1",
			"8:21: error: Unknown rule option 256",
			"9:26: error: Unknown rule option foo",
		},
		code: ExitConfig,
		check: func(t *testing.T, cfg *config.Config) {
			r := cfg.VRRP.StaticRules
			if len(r) != 2 || r[0].Action != "blackhole" || r[1].Action != "unreachable" {
				t.Errorf("rules %+v", r)
			}
		},
	}})
}

// TestDuplicateVIPsKept: keepalived 2.2.7 keeps a VIP listed twice, in the
// VIPs and in the excluded VIPs, without a word (issue 11 divergence 24:
// its advert then carries the address twice, and it sends the address's
// gratuitous ARPs twice). The differential checks the wire on corpus 018
// and 035.
func TestDuplicateVIPsKept(t *testing.T) {
	runBlockCases(t, []blockCase{{
		name: "VIP and eVIP listed twice",
		src: `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.0.2.18
    192.0.2.17
    192.0.2.18 label eth0:1
  }
  virtual_ipaddress_excluded {
    192.0.2.30
    192.0.2.30
    192.0.2.17
  }
}
`,
		check: func(t *testing.T, cfg *config.Config) {
			in := cfg.VRRP.Instances[0]
			var vips, evips []string
			for _, a := range in.VIPs {
				vips = append(vips, a.Prefix.Addr().String()+"/"+a.Label)
			}
			for _, a := range in.ExcludedVIPs {
				evips = append(evips, a.Prefix.Addr().String())
			}
			equalLines(t, "VIPs", vips, []string{"192.0.2.18/", "192.0.2.17/", "192.0.2.18/eth0:1"})
			equalLines(t, "excluded VIPs", evips, []string{"192.0.2.30", "192.0.2.30", "192.0.2.17"})
		},
	}})
}
