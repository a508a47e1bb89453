package vrrpconf

import (
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/vrrp"
)

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

// TestAddrVMACs follows keepalived's vrrp_complete_instance: use_vmac_addr
// puts an address of the other family (or on another interface) on a VMAC
// of its own, one per base interface and family; use_vmac on a VIP does
// the same for that VIP.
func TestAddrVMACs(t *testing.T) {
	r := parse(t, `vrrp_instance VI_1 {
  interface eth0
  use_vmac_addr
  virtual_router_id 52
  virtual_ipaddress {
    10.0.0.1/24
    10.0.2.1/24 dev eth1
    10.0.2.2/24 dev eth1
  }
  virtual_ipaddress_excluded {
    2001:db8::5/64
  }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 53
  virtual_ipaddress {
    10.0.0.9/24
    10.0.1.1/24 dev eth0 use_vmac
  }
}
`)
	var got []string
	for _, m := range r.VMACs {
		got = append(got, m.Name+"@"+m.Parent+map[bool]string{true: "/6", false: "/4"}[m.IPv6]+map[bool]string{true: "", false: " instance"}[m.ForAddrs])
	}
	want := []string{"vrrp.52@eth1/4", "vrrp6.52@eth0/6", "vrrp.53@eth0/4"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("VMACs %v, want %v", got, want)
	}
	devs := func(i int) (out []string) {
		in := r.VRRP.Instances[i]
		for _, a := range append(append([]vrrp.Address{}, in.VIPs...), in.ExcludedVIPs...) {
			out = append(out, a.Dev+map[bool]string{true: " use_vmac"}[a.UseVMAC])
		}
		return out
	}
	if got, want := strings.Join(devs(0), ","), "eth0,vrrp.52,vrrp.52,vrrp6.52"; got != want {
		t.Errorf("VI_1 devs %s, want %s", got, want)
	}
	if got, want := strings.Join(devs(1), ","), "eth0,vrrp.53 use_vmac"; got != want {
		t.Errorf("VI_2 devs %s, want %s", got, want)
	}
}
