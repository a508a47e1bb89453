package vrrp

import (
	"net/netip"
	"reflect"
	"testing"
)

// TestTrackedDevs: keepalived's vrrp_complete_instance makes an instance
// track (weight 0) the interface of each VIP, virtual route and virtual
// rule not marked no_track, besides its own (corpus 024's keepalived.data
// lists VI_1 under eth1 and eth2 through its routes).
func TestTrackedDevs(t *testing.T) {
	c := InstanceConfig{Interface: "eth0",
		VIPs: []Address{{Prefix: netip.MustParsePrefix("10.0.0.1/32"), Dev: "eth0"},
			{Prefix: netip.MustParsePrefix("10.0.1.1/32"), Dev: "eth3"},
			{Prefix: netip.MustParsePrefix("10.0.2.1/32"), Dev: "eth4", NoTrack: true}},
		Routes: []Route{{Dev: "eth1"}, {Dev: "eth1"}, {Dev: "eth2"}, {Dev: "eth5", NoTrack: true}, {}},
		Rules:  []Rule{{IIf: "eth6", OIf: "eth7"}, {IIf: "eth8", NoTrack: true}},
	}
	want := []trackedDev{{"eth3", "VIP"}, {"eth1", "route"}, {"eth2", "route"}, {"eth6", "rule"}, {"eth7", "rule"}}
	if got := c.trackedDevs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
