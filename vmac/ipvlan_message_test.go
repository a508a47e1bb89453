package vmac

import (
	"net/netip"
	"testing"

	"github.com/jsimonetti/rtnetlink/v2"
	"golang.org/x/sys/unix"
)

// TestNewIPVLANMessage checks the creation request without root: an
// ipvlan in L2 mode with use_ipvlan's flags, on the parent's index, up,
// and that it survives an encode/decode round trip.
func TestNewIPVLANMessage(t *testing.T) {
	for _, flags := range []uint16{0, 1, 2} { // bridge, private, vepa
		m := newIPVLANMessage(IPVLAN{Name: "ipvlan.252", Parent: "eth10", Flags: flags, Addr: netip.MustParsePrefix("5.7.6.8/32")}, 4)
		if m.Flags&unix.IFF_UP == 0 || m.Change&unix.IFF_UP == 0 {
			t.Errorf("flags %#x change %#x: not brought up", m.Flags, m.Change)
		}
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got rtnetlink.LinkMessage
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		a := got.Attributes
		if a == nil || a.Name != "ipvlan.252" || a.Type != 4 || a.Info == nil || a.Info.Kind != "ipvlan" {
			t.Fatalf("attributes %+v", a)
		}
		d, ok := a.Info.Data.(*ipvlanData)
		if !ok || d.Mode == nil || *d.Mode != ipvlanModeL2 || d.Flags == nil || *d.Flags != flags {
			t.Fatalf("ipvlan data %+v", a.Info.Data)
		}
	}
}
