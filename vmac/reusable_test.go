package vmac

import (
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
