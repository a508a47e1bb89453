package ifaddr

import (
	"net"
	"net/netip"
	"testing"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// TestRouteAddedEvent: a keepalived route's RTM_NEWROUTE is reported with
// its tos and RTA_OIF (0 for a multipath route, which has none); other
// protocols' are not.
func TestRouteAddedEvent(t *testing.T) {
	msg := func(proto uint8, oif uint32) netlink.Message {
		rm := rtnetlink.RouteMessage{Family: unix.AF_INET, DstLength: 24, Table: 254, Protocol: proto, Tos: 4,
			Attributes: rtnetlink.RouteAttributes{Dst: net.IP{192, 168, 113, 0}, OutIface: oif, Table: 254}}
		b, err := rm.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return netlink.Message{Header: netlink.Header{Type: unix.RTM_NEWROUTE}, Data: b}
	}
	ev, ok := eventOf(msg(ProtoKeepalived, 0))
	want := RouteAdd{RouteKey: RouteKey{Dst: netip.MustParsePrefix("192.168.113.0/24"), Table: 254}, Tos: 4}
	if !ok || ev.RouteAdded == nil || *ev.RouteAdded != want {
		t.Errorf("got %+v %v, want %+v", ev.RouteAdded, ok, want)
	}
	if ev, _ := eventOf(msg(ProtoKeepalived, 3)); ev.RouteAdded == nil || ev.RouteAdded.OIF != 3 {
		t.Errorf("oif 3: %+v", ev.RouteAdded)
	}
	if _, ok := eventOf(msg(4, 3)); ok {
		t.Error("a static-protocol route reported")
	}
}
