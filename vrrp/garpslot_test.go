package vrrp

import (
	"net/netip"
	"testing"
)

// TestGARPSlot: a VMAC's GARPs are paced on its base interface, as
// keepalived's IF_BASE_IFP(vip->ifp)->garp_delay, with or without
// vmac_xmit_base; a VIP on another interface on that one.
func TestGARPSlot(t *testing.T) {
	v4 := func(dev string) Address { return Address{Prefix: netip.MustParsePrefix("10.0.0.1/32"), Dev: dev} }
	for _, tt := range []struct {
		cfg  InstanceConfig
		a    Address
		want garpSlot
	}{
		{InstanceConfig{Interface: "vrrp.1", BaseInterface: "eth0", VMACName: "vrrp.1"}, v4("vrrp.1"), garpSlot{"eth0", false}},
		{InstanceConfig{Interface: "eth0", VMACName: "vrrp.1"}, v4("vrrp.1"), garpSlot{"eth0", false}}, // xmit_base
		{InstanceConfig{Interface: "eth0"}, v4(""), garpSlot{"eth0", false}},
		{InstanceConfig{Interface: "eth0"}, v4("eth1"), garpSlot{"eth1", false}},
		{InstanceConfig{Interface: "eth0"}, Address{Prefix: netip.MustParsePrefix("fd00::1/64"), Dev: "eth0"}, garpSlot{"eth0", true}},
	} {
		in := &instance{cfg: tt.cfg}
		if got := in.garpSlot(tt.a); got != tt.want {
			t.Errorf("%+v %s: %v, want %v", tt.cfg, tt.a.Dev, got, tt.want)
		}
	}
}
