package parser

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/config"
)

// TestRouteOrMovesVia: "via A or B" is keepalived's multipath route with
// no gateway of its own (corpus 021 prints "prepend 192.168.113.0/24
// proto 18 nexthop via inet A nexthop via inet B"); a second "or" is
// ignored with keepalived's warning.
func TestRouteOrMovesVia(t *testing.T) {
	cfg, diags := lvsParse(t, "static_routes {\n  192.168.113.0/24 via 192.168.100.252 or 192.168.100.253 or 192.168.100.254 dev eth0\n}\n")
	r := cfg.VRRP.StaticRoutes[0]
	want := []config.Nexthop{{Via: netip.MustParseAddr("192.168.100.252")}, {Via: netip.MustParseAddr("192.168.100.253")}}
	if r.Via.IsValid() || r.Dev != "eth0" || len(r.Nexthops) != 2 || r.Nexthops[0] != want[0] || r.Nexthops[1] != want[1] {
		t.Errorf("route: %+v", r)
	}
	found := false
	for _, d := range diags {
		found = found || strings.Contains(d.Msg, `"or" route already specified - ignoring subsequent`)
	}
	if !found {
		t.Errorf("no warning for the second or: %v", diags)
	}
}
