package vrrpside

import (
	"net/netip"
	"testing"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// TestRouteOurs: keepalived logs "New route doesn't have i/f index" for
// a report without RTA_OIF of its own route, in a family it monitors
// (corpus 021: the blackhole virtual route, IPv4 monitored through VI_1's
// tracked routes).
func TestRouteOurs(t *testing.T) {
	pfx := netip.MustParsePrefix
	res := &vrrpconf.Result{}
	res.VRRP.Instances = []vrrp.InstanceConfig{{Name: "VI_1", Routes: []vrrp.Route{
		{Dst: pfx("192.168.111.0/24"), Dev: "eth2"},
		{Dst: pfx("192.168.113.1/32"), Type: vrrp.RouteType(6), NoTrack: true},
	}}}
	res.StaticRoutes = []vrrp.Route{{Dst: pfx("192.168.212.0/24"), Dev: "eth3", Table: 254}}
	blackhole := vrrp.Route{Dst: pfx("192.168.113.1/32"), Table: 254}
	if routeOurs(res, blackhole) {
		t.Error("matched with the family not monitored")
	}
	res.RouteMonitor.IPv4 = true
	for _, c := range []struct {
		r    vrrp.Route
		want bool
	}{
		{blackhole, true},
		{vrrp.Route{Dst: pfx("192.168.111.0/24"), Table: 254}, false}, // its route names a dev
		{vrrp.Route{Dst: pfx("192.168.212.0/24"), Table: 254, Metric: 5}, true},
		{vrrp.Route{Dst: pfx("192.168.212.0/24"), Table: 100}, false},
		{vrrp.Route{Dst: pfx("10.0.0.0/8"), Table: 254}, false},
	} {
		if got := routeOurs(res, c.r); got != c.want {
			t.Errorf("%v: ours %v, want %v", c.r.Dst, got, c.want)
		}
	}
}
