package vrrpconf

import (
	"net/netip"
	"testing"

	"github.com/dsas/keepalived-go/vmac"
)

// TestIPVLAN: a use_ipvlan instance runs on its link (named by use_ipvlan,
// else keepalived's <vmac_prefix>.<vrid>, not taking a use_vmac's name),
// its VIPs stay on the configured interface, and the link to create carries
// the mode flags and address (corpus 048's VIt_252..254).
func TestIPVLAN(t *testing.T) {
	r := parse(t, `vrrp_instance VIt_254 {
  interface eth10
  virtual_router_id 254
  use_ipvlan 5.6.7.8 bridge
  virtual_ipaddress {
    10.254.0.100
  }
}
vrrp_instance VIt_252 {
  interface eth10
  virtual_router_id 252
  use_ipvlan ipvlan.252 5.7.6.8/24 vepa
  virtual_ipaddress {
    10.252.0.100
  }
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 254
  use_vmac
  virtual_ipaddress {
    10.1.0.100
  }
}
`)
	want := []vmac.IPVLAN{
		{Name: "vrrp.254", Parent: "eth10", Flags: 0, Addr: netip.MustParsePrefix("5.6.7.8/32"), Instance: "VIt_254"},
		{Name: "ipvlan.252", Parent: "eth10", Flags: 2, Addr: netip.MustParsePrefix("5.7.6.8/24"), Instance: "VIt_252"},
	}
	if len(r.IPVLANs) != len(want) {
		t.Fatalf("IPVLANs %+v, want %+v", r.IPVLANs, want)
	}
	for i := range want {
		if r.IPVLANs[i] != want[i] {
			t.Errorf("IPVLANs[%d] = %+v, want %+v", i, r.IPVLANs[i], want[i])
		}
	}
	for i, ic := range r.VRRP.Instances[:2] {
		if ic.Interface != want[i].Name || ic.BaseInterface != "eth10" || ic.VMACName != want[i].Name {
			t.Errorf("%s: interface %s base %s name %s", ic.Name, ic.Interface, ic.BaseInterface, ic.VMACName)
		}
		if ic.SrcIP != want[i].Addr.Addr() {
			t.Errorf("%s: source %v, want the ipvlan address", ic.Name, ic.SrcIP)
		}
		if dev := ic.VIPs[0].Dev; dev != "eth10" {
			t.Errorf("%s: VIP on %s, want eth10", ic.Name, dev)
		}
	}
	if vm := r.VRRP.Instances[2]; vm.VMACName != "vrrp1.254" {
		t.Errorf("VI_1's VMAC %s, want vrrp1.254 (vrrp.254 is VIt_254's ipvlan)", vm.VMACName)
	}
	if len(r.Warnings) > 0 {
		t.Errorf("warnings %q", r.Warnings)
	}
}
