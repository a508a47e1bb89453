package statefile

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/config"
)

// TestRouteRuleAttrs: keepalived 2.2.7's keepalived.data lines for
// 071-kadev-routes_rules.conf's route and rules (runtime differential).
func TestRouteRuleAttrs(t *testing.T) {
	var opts []config.RouteOption
	for _, f := range strings.Fields("mtu 1000 hoplimit 100 advmss 101 rtt 102 rttvar 103 reordering 104 window 105 cwnd 106 ssthresh lock:107 rto_min 108 initcwnd 109 initrwnd 110 features ecn ttl-propagate enabled fastopen_no_cookie 1") {
		if len(opts) > 0 && opts[len(opts)-1].Value == "" {
			o := &opts[len(opts)-1]
			o.Value, o.Lock = strings.TrimPrefix(f, "lock:"), strings.HasPrefix(f, "lock:")
			continue
		}
		opts = append(opts, config.RouteOption{Name: f})
	}
	r := config.Route{Family: config.IPv4, Dst: netip.MustParsePrefix("192.168.200.0/24"), Dev: "eth1", Table: 6909, Tos: 4,
		Protocol: 18, Scope: 253, HasScope: true, Metric: 12, HasMetric: true, Realms: 20, Options: opts}
	want := "prepend 192.168.200.0/24 tos 4 dev eth1 table 6909 proto 18 scope 253 metric 12 realm 20 rtt 200ms rttvar 200ms rto_min 200ms features ecn mtu 1000 window 105 ssthresh lock 107 cwnd 106 advmss 101 reordering 104 hoplimit 100 initcwnd 109 initrwnd 110 fastopen_no_cookie 1 ttl-propagate enabled"
	if got := formatRoute(r); got != want {
		t.Errorf("route\n got %s\nwant %s", got, want)
	}
	r6 := config.Route{Family: config.IPv6, Dst: netip.MustParsePrefix("2001:470:69e9:1:2::4/128"), Dev: "eth2", Tos: 4}
	if routeReachable(r6, []Iface{{Name: "eth2"}}) {
		t.Error("an IPv6 route with a tos is reported installed; the kernel refuses it")
	}
	for _, tc := range []struct {
		r    config.Rule
		want string
	}{
		{config.Rule{From: netip.MustParsePrefix("8:6:5:4:3:2::/96"), To: netip.MustParsePrefix("1:2:3:4:6:6:7:0/112"), Priority: 102, HasPriority: true, UIDRange: "10000-19999", Action: "l3mdev", SuppressPrefixLen: -1, Protocol: "keepalived"},
			"from 8:6:5:4:3:2::/96 to 1:2:3:4:6:6:7:0/112 priority 102 tos 0x0 uidrange 10000-19999 l3mdev protocol 18 lookup 0"},
		{config.Rule{From: netip.MustParsePrefix("192.168.28.0/24"), Priority: 39, HasPriority: true, Tos: 0x16, Realms: "30/20", RealmsValue: 30<<16 | 20, Table: 253, SuppressPrefixLen: -1, Protocol: "keepalived"},
			"from 192.168.28.0/24 priority 39 tos 0x16 protocol 18 realms 30/20 lookup 253"},
		{config.Rule{FromAny: true, To: netip.MustParsePrefix("192.168.31.0/26"), Priority: 105, HasPriority: true, Table: 253, SuppressPrefixLen: -1, Protocol: "keepalived"},
			"from 0.0.0.0/0 to 192.168.31.0/26 priority 105 tos 0x0 protocol 18 lookup 253"},
		{config.Rule{From: netip.MustParsePrefix("10.0.0.1/32"), Priority: 5, HasPriority: true, Table: 5, SuppressPrefixLen: 8,
			SuppressIfGroup: "default", TunnelID: 7, IPProto: "tcp", SPort: "1000-2000", DPort: "53", NoTrack: true, Action: "table"},
			"from 10.0.0.1 priority 5 tos 0x0 suppress_prefixlen 8 suppress_ifgroup 0 tunnel-id 7 ipproto 6 sport 1000-2000 lookup 5 no_track"},
	} {
		if got := formatRule(tc.r); got != tc.want {
			t.Errorf("rule\n got %s\nwant %s", got, tc.want)
		}
	}
}
