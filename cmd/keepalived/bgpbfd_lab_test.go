//go:build !vmtest

package main

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
)

// TestBGPNeighborBFD: issue 18's "BFD towards the router". The director's
// BGP session to FRR's bgpd (hold time 9 s) is tied to a 50 ms × 3 BFD
// session to the router's bfdd (`neighbor … bfd UPLINK`). When the
// router's BFD packets stop reaching the director (dropped on the switch;
// BGP still flows), the director shuts the session down and the router
// drops the path long before the hold time; when BFD comes back, so do the
// session and the path. Times are logged; the bound is the hold time.
func TestBGPNeighborBFD(t *testing.T) {
	useBGPHelper(t)
	lab.NeedFRRBGP(t)
	lab.NeedBFDD(t)
	l := lab.New(t, 2)
	up, h := l.Host(1), l.Host(2)
	r := lab.StartBGPRouter(t, up, 65000, []netip.Addr{h.IPv4.Addr()})
	lab.StartBFDD(t, up, []lab.BFDDPeer{{Peer: h.IPv4.Addr(), Local: up.IPv4.Addr(), RxMs: 50, TxMs: 50, Mult: 3}})
	conf := fmt.Sprintf(`vrrp_instance VI_1 {
  interface %s
  virtual_router_id 9
  priority 100
  advert_int 1
  virtual_ipaddress {
    %s
  }
}
bfd_instance UPLINK {
  neighbor_ip %s
  source_ip %s
  min_rx 50
  min_tx 50
  multiplier 3
}
bgp_speaker {
  local_as 65009
  router_id %s
  neighbor %s remote_as 65000 hold_time 9 bfd UPLINK
  announce_vrrp_instance VI_1 master
}
`, lab.Link, bgpVIP, up.IPv4.Addr(), h.IPv4.Addr(), h.IPv4.Addr(), up.IPv4.Addr())
	d := startBFDDaemon(t, h, "", conf)
	want := []string{h.IPv4.Addr().String()}
	until(t, "the path through the director", 30*time.Second, func() bool { return slices.Equal(r.Paths(t, bgpVIP), want) })
	if !d.logged("(UPLINK) Entering Up state") {
		t.Fatalf("the path came up without BFD Up:\n%s", d.proc.Output())
	}
	undo := l.DropBFD(t, up.Port, "")
	w := until(t, "the path withdrawn after BFD from the router stopped", 8*time.Second, func() bool { return len(r.Paths(t, bgpVIP)) == 0 })
	t.Logf("path withdrawn %v after the router's BFD packets were dropped (BFD 3 x 50 ms; BGP hold time 9 s)", w.Round(time.Millisecond))
	if !d.logged("BFD UPLINK is not Up - session shut down") {
		t.Errorf("no shutdown line:\n%s", d.proc.Output())
	}
	undo()
	w = until(t, "the path back after BFD returned", 30*time.Second, func() bool { return slices.Equal(r.Paths(t, bgpVIP), want) })
	t.Logf("path back %v after the drop ended", w.Round(time.Millisecond))
	if !d.logged("BFD UPLINK is Up - session enabled") {
		t.Errorf("no enable line:\n%s", d.proc.Output())
	}
}
