package vmac

import (
	"net/netip"
	"testing"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/jsimonetti/rtnetlink/v2/driver"
)

// TestReusable: keepalived runs a use_vmac instance only on a private
// macvlan and a use_ipvlan one only on an L2 ipvlan of that name.
func TestReusable(t *testing.T) {
	link := func(info *rtnetlink.LinkInfo) *rtnetlink.LinkMessage {
		return &rtnetlink.LinkMessage{Attributes: &rtnetlink.LinkAttributes{Name: "x", Info: info}}
	}
	private, bridge := driver.MacvlanModePrivate, driver.MacvlanModeBridge
	l2, l3 := uint16(ipvlanModeL2), uint16(1)
	for _, c := range []struct {
		name   string
		l      *rtnetlink.LinkMessage
		ipvlan bool
		want   bool
	}{
		{"private macvlan for use_vmac", link(&rtnetlink.LinkInfo{Kind: "macvlan", Data: &driver.Macvlan{Mode: &private}}), false, true},
		{"bridge macvlan", link(&rtnetlink.LinkInfo{Kind: "macvlan", Data: &driver.Macvlan{Mode: &bridge}}), false, false},
		{"private macvlan for use_ipvlan", link(&rtnetlink.LinkInfo{Kind: "macvlan", Data: &driver.Macvlan{Mode: &private}}), true, false},
		{"l2 ipvlan", link(&rtnetlink.LinkInfo{Kind: "ipvlan", Data: &ipvlanData{Mode: &l2}}), true, true},
		{"l3 ipvlan", link(&rtnetlink.LinkInfo{Kind: "ipvlan", Data: &ipvlanData{Mode: &l3}}), true, false},
		{"veth", link(&rtnetlink.LinkInfo{Kind: "veth"}), true, false},
		{"plain", link(nil), false, false},
	} {
		if got := reusable(c.l, c.ipvlan); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestMatchIPVLAN: keepalived's search takes over an L2 ipvlan on the
// parent with the flags and address configured, and calls any other
// ipvlan or a macvlan incompatible.
func TestMatchIPVLAN(t *testing.T) {
	parent := &rtnetlink.LinkMessage{Index: 4, Attributes: &rtnetlink.LinkAttributes{Name: "va"}}
	l2, l3, vepa, private := uint16(ipvlanModeL2), uint16(1), uint16(2), uint16(1)
	ipv := func(mode, flags *uint16, on uint32) *rtnetlink.LinkMessage {
		return &rtnetlink.LinkMessage{Index: 9, Attributes: &rtnetlink.LinkAttributes{Name: "ipvl2", Type: on,
			Info: &rtnetlink.LinkInfo{Kind: "ipvlan", Data: &ipvlanData{Mode: mode, Flags: flags}}}}
	}
	v := IPVLAN{Name: "ipvl2", Parent: "va", Flags: 2, Addr: netip.MustParsePrefix("1.2.3.4/24")}
	has := []netip.Addr{netip.MustParseAddr("1.2.3.4")}
	for _, c := range []struct {
		name  string
		l     *rtnetlink.LinkMessage
		addrs []netip.Addr
		want  IPVLANMatch
	}{
		{"same", ipv(&l2, &vepa, 4), has, Matching},
		{"other flags", ipv(&l2, &private, 4), has, Incompatible},
		{"l3", ipv(&l3, &vepa, 4), has, Incompatible},
		{"other parent", ipv(&l2, &vepa, 5), has, Incompatible},
		{"other address", ipv(&l2, &vepa, 4), []netip.Addr{netip.MustParseAddr("1.2.3.5")}, Incompatible},
		{"macvlan", &rtnetlink.LinkMessage{Attributes: &rtnetlink.LinkAttributes{Info: &rtnetlink.LinkInfo{Kind: "macvlan"}}}, nil, Incompatible},
		{"veth", &rtnetlink.LinkMessage{Attributes: &rtnetlink.LinkAttributes{Info: &rtnetlink.LinkInfo{Kind: "veth"}}}, nil, OtherLink},
	} {
		if got := matchIPVLAN(c.l, parent, v, c.addrs); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
