package status

import (
	"net/netip"
	"testing"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/lvs"
)

func TestFromLVS(t *testing.T) {
	rs1 := check.FormatService(netip.MustParseAddrPort("192.168.1.10:8080"), "tcp")
	rs2 := check.FormatService(netip.MustParseAddrPort("[fd00::10]:8080"), "tcp")
	in := []lvs.VirtualServerStatus{
		{
			ServiceStatus: check.ServiceStatus{ID: "[10.0.0.1]:tcp:80", QuorumUp: true,
				Reals: []check.RealStatus{{ID: rs1, Alive: true, Weight: 2}, {ID: rs2, Alive: false}}},
			Services: []ipvs.Service{{Scheduler: "wlc", Destinations: []ipvs.Destination{
				{Addr: netip.MustParseAddr("192.168.1.10"), Port: 8080, Weight: 2},
				{Addr: netip.MustParseAddr("fd00::10"), Port: 8080, Weight: 0},
			}}},
		},
		{ServiceStatus: check.ServiceStatus{ID: "FWM 1"}},
	}
	out := FromLVS(in)
	if len(out) != 2 || out[0].Scheduler != "wlc" || out[0].IPVS == nil || out[0].IPVS.StatsKnown || out[1].IPVS != nil {
		t.Fatalf("%+v", out)
	}
	for _, id := range []string{rs1, rs2} {
		if _, ok := out[0].IPVS.Dest(id); !ok {
			t.Errorf("dest %s not matched: %+v", id, out[0].IPVS.Dests)
		}
	}
	if d, _ := out[0].IPVS.Dest(rs1); d.Weight != 2 {
		t.Errorf("weight %d", d.Weight)
	}
	if ap, proto, ok := ParseID(rs2); !ok || proto != "tcp" || ap != netip.MustParseAddrPort("[fd00::10]:8080") {
		t.Errorf("ParseID(%s) = %v %s %v", rs2, ap, proto, ok)
	}
	for _, bad := range []string{"FWM 1", "[x]:tcp:1", "[1.2.3.4]:tcp:x", "[1.2.3.4", "[GRP]:80", "[1.2.3.4]:80"} {
		if _, ok := parseRSID(bad); ok {
			t.Errorf("parsed %q", bad)
		}
	}
}
