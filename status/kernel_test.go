package status

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/lvs"
)

type fakeKernel struct {
	svcs []ipvs.ServiceCounters
	err  error
}

func (f *fakeKernel) Counters() ([]ipvs.ServiceCounters, error) { return f.svcs, f.err }

func TestFromLVSKernel(t *testing.T) {
	a := netip.MustParseAddr
	rs1 := check.FormatService(netip.MustParseAddrPort("192.168.1.10:80"), "tcp")
	dest := ipvs.Destination{Addr: a("192.168.1.10"), Port: 80, Weight: 5}
	// A group of two addresses, and a fwmark service the kernel lacks.
	kd := func(conns, in uint64, w uint32) []ipvs.DestCounters {
		return []ipvs.DestCounters{
			{DestKey: ipvs.DestKey{Addr: a("192.168.1.10"), Port: 80}, Weight: w, ActiveConns: conns,
				Counters: ipvs.Counters{Connections: conns, InPackets: in}},
			// Added by hand: no real server claims it.
			{DestKey: ipvs.DestKey{Addr: a("192.168.1.99"), Port: 80}, Weight: 1, Counters: ipvs.Counters{Connections: 1}},
		}
	}
	k := &fakeKernel{svcs: []ipvs.ServiceCounters{
		{ServiceKey: ipvs.ServiceKey{Protocol: ipvs.TCP, Addr: a("10.0.0.1"), Port: 80, Family: ipvs.IPv4},
			Counters: ipvs.Counters{Connections: 10, InBytes: 100}, Destinations: kd(7, 70, 4)},
		{ServiceKey: ipvs.ServiceKey{Protocol: ipvs.TCP, Addr: a("10.0.0.2"), Port: 80, Family: ipvs.IPv4},
			Counters: ipvs.Counters{Connections: 5, InBytes: 50}, Destinations: kd(3, 30, 4)},
	}}
	in := []lvs.VirtualServerStatus{
		{
			ServiceStatus: check.ServiceStatus{ID: "[WEB]:80", Reals: []check.RealStatus{{ID: rs1, Alive: true, Weight: 5}}},
			Services: []ipvs.Service{
				{ServiceKey: ipvs.ServiceKey{Protocol: ipvs.TCP, Addr: a("10.0.0.1"), Port: 80}, Scheduler: "rr", Destinations: []ipvs.Destination{dest}},
				{ServiceKey: ipvs.ServiceKey{Protocol: ipvs.TCP, Addr: a("10.0.0.2"), Port: 80}, Scheduler: "rr", Destinations: []ipvs.Destination{dest}},
			},
		},
		{
			ServiceStatus: check.ServiceStatus{ID: "FWM 3"},
			Services:      []ipvs.Service{{ServiceKey: ipvs.ServiceKey{FWMark: 3}}},
		},
	}
	out, err := FromLVSKernel(in, k)
	if err != nil {
		t.Fatal(err)
	}
	g := out[0].IPVS
	if g == nil || !g.StatsKnown || g.Stats.Connections != 15 || g.Stats.InBytes != 150 {
		t.Fatalf("group service %+v", g)
	}
	d, ok := g.Dest(rs1)
	if !ok || d.Weight != 4 || d.ActiveConnections != 10 || d.Stats.Connections != 10 || d.Stats.InPackets != 100 {
		t.Errorf("real server %+v %v", d, ok)
	}
	if d, ok := g.Dest("[192.168.1.99]:80"); !ok || d.Stats.Connections != 2 {
		t.Errorf("hand-added destination %+v %v", d, ok)
	}
	if out[1].IPVS != nil {
		t.Errorf("fwmark service not in kernel: %+v", out[1].IPVS)
	}

	k.err = errors.New("netlink: boom")
	out, err = FromLVSKernel(in, k)
	if err == nil || out[0].IPVS == nil || out[0].IPVS.StatsKnown {
		t.Errorf("on error: %v %+v", err, out[0].IPVS)
	}
}
