package vrrpconf

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
)

// TestRouteAttributes: 071-kadev-routes_rules.conf's route, as keepalived
// 2.2.7 installs it (`ip route`: tos 0x04 realm 20 window 105 rtt 200ms
// rttvar 200ms ssthresh lock 107 ... features ecn rto_min 200ms
// fastopen_no_cookie 1): bare rtt values are the kernel's units, raised
// to 200 ms.
func TestRouteAttributes(t *testing.T) {
	r := parse(t, `static_routes {
  192.168.200.0/24 dev eth0 table 6909 tos 0x04 scope link priority 12 mtu 1000 hoplimit 100 advmss 101 rtt 102 rttvar 103 reordering 104 window 105 cwnd 106 ssthresh lock 107 realms cosmos/0x14 rto_min 108 initcwnd 109 initrwnd 110 features ecn ttl-propagate enabled fastopen_no_cookie 1 quickack 1 congctl lock reno
}
static_rules {
  to 1:2:3:4:6:6:7:0/112 from 8:6:5:4:3:2::/96 l3mdev uidrange 10000-19999 priority 5
  from 192.168.28.0/24 table 5 realms 30/20 priority 6
}`)
	if len(r.StaticRoutes) != 1 {
		t.Fatalf("routes %+v, warnings %q", r.StaticRoutes, r.Warnings)
	}
	v := r.StaticRoutes[0]
	want(t, "tos", v.Tos, uint8(4))
	want(t, "realms", v.Realms, uint32(20))
	want(t, "ttl-propagate", v.HasTTLPropagate && v.TTLPropagate == 1, true)
	m := vrrp.RouteMetrics{Lock: 1<<vrrp.MetricSSThresh | 1<<vrrp.MetricCCAlgo, CongCtl: "reno"}
	for n, x := range map[int]uint32{vrrp.MetricMTU: 1000, vrrp.MetricHopLimit: 100, vrrp.MetricAdvMSS: 101,
		vrrp.MetricRTT: 1600, vrrp.MetricRTTVar: 800, vrrp.MetricReordering: 104, vrrp.MetricWindow: 105,
		vrrp.MetricCwnd: 106, vrrp.MetricSSThresh: 107, vrrp.MetricRTOMin: 200, vrrp.MetricInitCwnd: 109,
		vrrp.MetricInitRwnd: 110, vrrp.MetricFeatures: 1, vrrp.MetricFastopenNoCookie: 1, vrrp.MetricQuickAck: 1} {
		m = m.With(n, x)
	}
	want(t, "metrics", v.Metrics, m)
	w := strings.Join(r.Warnings, "\n")
	if strings.Contains(w, "not supported") || !strings.Contains(w, "rtt value 102 below minimum 200ms, resetting") {
		t.Errorf("warnings:\n%s", w)
	}
	if len(r.StaticRules) != 2 {
		t.Fatalf("rules %+v", r.StaticRules)
	}
	l3 := r.StaticRules[0]
	want(t, "l3mdev", l3.L3MDev, true)
	want(t, "uidrange", [3]any{l3.HasUIDRange, l3.UIDStart, l3.UIDEnd}, [3]any{true, uint32(10000), uint32(19999)})
	want(t, "rule realms", r.StaticRules[1].Realms, uint32(30<<16|20))
}

// TestRTTUnits: keepalived's get_time_rtt, per unit.
func TestRTTUnits(t *testing.T) {
	for _, tc := range []struct {
		in   string
		mult uint32
		want uint32
		ok   bool
	}{
		{"300ms", 8, 2400, true}, {"1s", 8, 8000, true}, {"1.5s", 4, 6000, true}, {"250", 1, 250, true},
		{"2000", 8, 2000, true}, {"5", 8, 1600, true}, {"150s", 8, 960000, true}, {"0.2secs", 1, 200, true},
		{"1e3", 8, 0, false}, {"ms", 8, 0, false}, {"3min", 8, 0, false}, {"-5", 8, 0, false}, {"2000000", 1, 0, false},
	} {
		got, _, ok := rttValue(tc.mult)(tc.in)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("rtt %q ×%d = %d, %v; want %d, %v", tc.in, tc.mult, got, ok, tc.want, tc.ok)
		}
	}
}

// TestBadMetricDropsRoute: keepalived's alloc_route drops a route whose
// metric it cannot read.
func TestBadMetricDropsRoute(t *testing.T) {
	for _, o := range []config.RouteOption{{Name: "hoplimit", Value: "300"}, {Name: "rtt", Value: "1e3"}, {Name: "quickack", Value: "2"}} {
		_, w, ok := route(config.Route{Dst: netip.MustParsePrefix("10.9.0.0/16"), Options: []config.RouteOption{o}})
		if ok || len(w) == 0 {
			t.Errorf("%s %s: installed (%q)", o.Name, o.Value, w)
		}
	}
}

// TestRuleSelectors: every rule selector keepalived 2.2.7 sends, and its
// protocol rule (tracked: keepalived; no_track: as written, or none).
func TestRuleSelectors(t *testing.T) {
	r := parse(t, `static_rules {
  from 10.0.0.1 table 5 suppress_prefixlength 8 tunnel-id 7 ipproto tcp sport 1000-2000 dport 53-53 priority 5 no_track
  from 10.0.0.2 table 5 protocol 99 priority 6 no_track
  from 10.0.0.3 table 5 priority 7
}`)
	if len(r.StaticRules) != 3 {
		t.Fatalf("rules %+v, warnings %q", r.StaticRules, r.Warnings)
	}
	a := r.StaticRules[0]
	want(t, "selectors", [...]any{a.SuppressPrefixLen, a.HasSuppressPrefixLen, a.TunnelID, a.IPProto, a.HasIPProto, a.SPort, a.DPort, a.HasSPort && a.HasDPort},
		[...]any{uint32(8), true, uint64(7), uint8(6), true, [2]uint16{1000, 2000}, [2]uint16{53, 53}, true})
	want(t, "no_track, no protocol", a.NoProtocol, true)
	want(t, "no_track protocol", [2]any{r.StaticRules[1].Protocol, r.StaticRules[1].NoProtocol}, [2]any{uint8(99), false})
	want(t, "tracked protocol", [2]any{r.StaticRules[2].Protocol, r.StaticRules[2].NoProtocol}, [2]any{uint8(18), false})
	if len(r.Warnings) != 0 {
		t.Errorf("warnings %q", r.Warnings)
	}
}
