package bgpspeaker

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestPathAttributes: the configured attributes ride on every path, IPv4
// with NEXT_HOP, IPv6 in MP_REACH_NLRI.
func TestPathAttributes(t *testing.T) {
	med, pref := uint32(10), uint32(200)
	s := &Speaker{cfg: Config{MED: &med, LocalPref: &pref, Communities: []uint32{65000<<16 | 7},
		NextHop: netip.MustParseAddr("10.0.0.9")}}
	for _, tt := range []struct {
		prefix string
		nh     bgp.BGPAttrType
	}{{"192.0.2.10/32", bgp.BGP_ATTR_TYPE_NEXT_HOP}, {"2001:db8::10/128", bgp.BGP_ATTR_TYPE_MP_REACH_NLRI}} {
		p, err := s.path(netip.MustParsePrefix(tt.prefix))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[bgp.BGPAttrType]bool{}
		for _, a := range p.Attrs {
			seen[a.GetType()] = true
		}
		for _, want := range []bgp.BGPAttrType{bgp.BGP_ATTR_TYPE_ORIGIN, tt.nh, bgp.BGP_ATTR_TYPE_MULTI_EXIT_DISC,
			bgp.BGP_ATTR_TYPE_LOCAL_PREF, bgp.BGP_ATTR_TYPE_COMMUNITIES} {
			if !seen[want] {
				t.Errorf("%s: no %v attribute", tt.prefix, want)
			}
		}
	}
}

// TestSessionOverLoopback: two speakers peer over 127.0.0.1 (one listens
// on a free port, the other connects to it) and announce/withdraw without
// error; no root needed.
func TestSessionOverLoopback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	lo := netip.MustParseAddr("127.0.0.1")
	a, err := Start(quiet(), Config{LocalAS: 65001, RouterID: netip.MustParseAddr("10.0.0.1"), ListenPort: port,
		Neighbors: []Neighbor{{Addr: lo, RemoteAS: 65002, HoldTime: 3 * time.Second, Passive: true}}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	b, err := Start(quiet(), Config{LocalAS: 65002, RouterID: netip.MustParseAddr("10.0.0.2"),
		Neighbors: []Neighbor{{Addr: lo, RemoteAS: 65001, HoldTime: 3 * time.Second, Port: port}}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	start := time.Now()
	for {
		na, nb := a.Neighbors(), b.Neighbors()
		if len(na) == 1 && len(nb) == 1 && na[0].State == "established" && nb[0].State == "established" {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("sessions not established: %+v %+v", na, nb)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("established after %v", time.Since(start).Round(time.Millisecond))
	p := netip.MustParsePrefix("192.0.2.10/32")
	if err := b.Announce(p); err != nil {
		t.Fatal(err)
	}
	if err := b.Announce(p); err != nil {
		t.Fatalf("announcing twice: %v", err)
	}
	if err := b.Withdraw(p); err != nil {
		t.Fatal(err)
	}
	if err := b.Withdraw(p); err != nil {
		t.Fatalf("withdrawing twice: %v", err)
	}
}
