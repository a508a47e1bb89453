package vrrpconf

import "testing"

// TestFilterByName follows keepalived's nft_update_ipv6_address: a
// dont_track_primary instance keys its link-local VIPs on its own
// interface (or no_track) by interface name, unless nftables_ifindex.
func TestFilterByName(t *testing.T) {
	conf := func(global, track string) string {
		return `global_defs {
  vrrp_strict
  ` + global + `
}
vrrp_instance VI_6 {
  interface eth0
  ` + track + `
  virtual_router_id 5
  priority 150
  virtual_ipaddress {
    fe80::1/64
    fe80::2/64 dev eth1
    fe80::3/64 dev eth1 no_track
  }
}
`
	}
	for _, tc := range []struct {
		name, global, track string
		want                [3]bool
	}{
		{"dont_track_primary", "", "dont_track_primary", [3]bool{true, false, true}},
		{"nftables_ifindex", "nftables_ifindex", "dont_track_primary", [3]bool{}},
		{"tracked primary", "", "", [3]bool{}},
	} {
		r := parse(t, conf(tc.global, tc.track))
		for i, a := range r.VRRP.Instances[0].VIPs {
			if a.FilterByName != tc.want[i] {
				t.Errorf("%s: VIP %s: by name %v, want %v", tc.name, a.Prefix, a.FilterByName, tc.want[i])
			}
		}
	}
}
