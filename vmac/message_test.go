package vmac

import (
	"testing"

	"github.com/jsimonetti/rtnetlink/v2/driver"
)

// TestNewLinkMessage checks the creation request without root: a macvlan
// in private mode with the VRID's MAC, on the parent's index, and that it
// encodes.
func TestNewLinkMessage(t *testing.T) {
	m := newLinkMessage(VMAC{VRID: 7, IPv6: true}, "vrrp6.7", 4)
	a := m.Attributes
	if a.Name != "vrrp6.7" || a.Type != 4 || a.Address.String() != "00:00:5e:00:02:07" ||
		a.Info == nil || a.Info.Kind != "macvlan" {
		t.Fatalf("attributes %+v", a)
	}
	mv, ok := a.Info.Data.(*driver.Macvlan)
	if !ok || mv.Mode == nil || *mv.Mode != driver.MacvlanModePrivate {
		t.Fatalf("macvlan data %+v", a.Info.Data)
	}
	if _, err := m.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	if got := macvlanAttrs(VMAC{VRID: 7}).Address.String(); got != "00:00:5e:00:01:07" {
		t.Fatalf("IPv4 VMAC MAC %s", got)
	}
}
