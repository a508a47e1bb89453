package statefile

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
)

// TestStaticRouteMark: keepalived marks an installed, tracked static
// route by the interface its route monitor saw the route come back on
// (vrrp_iproute.c format_iproute): nothing when it is the route's own,
// "[dev X]" for a route without dev, "[installed ifindex 0]" when the
// monitor was off (no tracked virtual route: corpus 071) or the report
// went to a virtual route or had no interface (corpus 015/021: the mark
// is absent as VI_1 tracks routes).
func TestStaticRouteMark(t *testing.T) {
	eth0 := Iface{Index: 2, Name: "eth0", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/24")}}
	eth1 := Iface{Index: 3, Name: "eth1", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.1.1/24")}}
	ifs := []Iface{eth0, eth1}
	rt := func(dst, via, dev string) config.Route {
		r := config.Route{Family: config.IPv4, Dst: netip.MustParsePrefix(dst), Dev: dev, Table: 254, Type: "unicast", Protocol: 18}
		if via != "" {
			r.Via = netip.MustParseAddr(via)
		}
		return r
	}
	statics := []config.Route{
		rt("192.168.212.0/24", "", "eth1"),
		rt("192.168.210.0/24", "10.0.0.254", ""),
		rt("192.168.230.0/24", "", "eth0"), // a virtual route takes its report
	}
	vr := rt("192.168.230.0/24", "", "")
	vr.NoTrack = true
	cases := []struct {
		name   string
		routes []config.Route
		want   []string
	}{
		{"monitor off", nil, []string{" [installed ifindex 0]", " [installed ifindex 0]", " [installed ifindex 0]"}},
		{"monitor on", []config.Route{rt("192.168.111.0/24", "", "eth1"), vr}, []string{"", " [dev eth0]", " [installed ifindex 0]"}},
	}
	for _, c := range cases {
		cfg := &config.Config{}
		cfg.VRRP.StaticRoutes = statics
		cfg.VRRP.Instances = []config.Instance{{Name: "VI_1", Routes: c.routes}}
		var lines []string
		dumpStatic(func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }, cfg, map[string]vrrp.State{}, ifs)
		for i, w := range c.want {
			l := lines[1+i]
			if got := l[strings.Index(l, " proto 18")+len(" proto 18"):]; got != w {
				t.Errorf("%s: route %d mark %q, want %q (%s)", c.name, i, got, w, l)
			}
		}
	}
}
