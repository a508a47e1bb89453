package vrrplab_test

import (
	"net"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// TestVMAC: with use_vmac the master speaks from the virtual router MAC
// 00:00:5e:00:01:VRID on a macvlan, so the client's neighbour entry never
// changes across a failover; only the bridge learns the MAC on another
// port. Run for a keepalived-go pair and, when keepalived is installed,
// for mixed pairs in both directions.
func TestVMAC(t *testing.T) {
	vmacAddr := net.HardwareAddr{0, 0, 0x5e, 0, 1, vrid}
	pairs := [][2]vrrplab.Daemon{{gd, gd}, {vrrplab.GoDaemon, vrrplab.CDaemon}, {vrrplab.CDaemon, vrrplab.GoDaemon}}
	for _, d := range pairs {
		t.Run(string(d[0])+"-master-"+string(d[1])+"-backup", func(t *testing.T) {
			t.Parallel()
			v := variant{version: 3, adv: "0.1"}
			e := vrrplab.New(t, 3)
			// Both daemons leave the base interface answering ARP for
			// the VIP with its own MAC, so a client that asks before the
			// GARPs may keep the base MAC until the delayed GARP burst:
			// make that 1 s instead of 5.
			c1 := v.config(e, 1, 2, 150, "MASTER", "use_vmac")
			c2 := v.config(e, 2, 1, 100, "BACKUP", "use_vmac")
			c1.Globals = []string{"vrrp_garp_master_delay 1"}
			c2.Globals = c1.Globals
			r1 := e.Router(t, 1, d[0], c1)
			r2 := e.Router(t, 2, d[1], c2)
			r2.Start(t)
			r1.Start(t)
			r1.WaitState(t, inst, "MASTER", v.wait())
			r2.WaitState(t, inst, "BACKUP", v.wait())
			if _, ok := e.Sniffer.WaitFor(0, 5*time.Second, vrrplab.From(vmacAddr), vrrplab.Prio(150)); !ok {
				t.Fatalf("no advert from %s with h1's priority", vmacAddr)
			}
			t.Logf("client reaches the VIP at the VMAC after %v", vrrplab.ReachVIP(t, e.Host(3), v.vip().Addr(), vmacAddr, v.wait()))

			mark, t0 := e.Sniffer.Mark(), time.Now()
			r1.Term(t)
			r2.WaitState(t, inst, "MASTER", v.wait())
			f, ok := e.Sniffer.WaitFor(mark, 5*time.Second, vrrplab.From(vmacAddr), vrrplab.Prio(100))
			if !ok {
				t.Fatalf("no advert from %s with h2's priority after h1 stopped", vmacAddr)
			}
			t.Logf("h2 (%s) advertises from the VMAC %v after h1's SIGTERM", r2.Daemon, f.Time.Sub(t0))
			t.Logf("client reaches the VIP at the VMAC after %v", vrrplab.ReachVIP(t, e.Host(3), v.vip().Addr(), vmacAddr, v.wait()))
			for _, f := range e.Sniffer.Since(mark, vrrplab.Kind(vrrplab.Advert)) {
				if f.Prio != 0 && f.SrcMAC.String() != vmacAddr.String() {
					t.Errorf("advert not from the VMAC: %s", f)
					break
				}
			}
		})
	}
}
