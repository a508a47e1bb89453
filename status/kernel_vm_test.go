//go:build vmtest

// Run in the VM (the host kernel has no IPVS):
//
//	CGO_ENABLED=0 go test -tags vmtest -exec "$PWD/tools/vm/run-in-vm.sh" -run Kernel ./status/
package status

import (
	"net"
	"net/netip"
	"os/exec"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/internal/netns"
	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/lvs"
)

// TestFromLVSKernelVM reads a real IPVS table: the programmed weight, and a
// connection scheduled by a local client, come back through the kernel.
func TestFromLVSKernelVM(t *testing.T) {
	conn, err := ipvs.Dial()
	if err != nil {
		t.Fatalf("ipvs: %v", err)
	}
	defer conn.Close()
	if err := conn.Flush(); err != nil {
		t.Fatal(err)
	}
	defer conn.Flush()

	// IPVS ignores loopback traffic, so the client reaches the VIP over a
	// dummy link whose own address is the real server.
	dum := netns.Unique("kd")
	for _, args := range [][]string{
		{"link", "add", dum, "type", "dummy"},
		{"addr", "add", "10.99.0.1/24", "dev", dum},
		{"link", "set", dum, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	defer exec.Command("ip", "link", "del", dum).Run()
	ln, err := net.Listen("tcp", "10.99.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	rsAP := ln.Addr().(*net.TCPAddr).AddrPort()
	vip := netip.MustParseAddrPort("10.99.0.77:80")
	dest := ipvs.Destination{Addr: rsAP.Addr(), Port: rsAP.Port(), Forward: ipvs.NAT, Weight: 3}
	svc := ipvs.Service{ServiceKey: ipvs.ServiceKey{Protocol: ipvs.TCP, Addr: vip.Addr(), Port: vip.Port()}, Scheduler: "rr",
		Destinations: []ipvs.Destination{dest}}
	if err := conn.CreateService(svc); err != nil {
		t.Fatal(err)
	}
	if err := conn.CreateDestination(svc.ServiceKey, dest); err != nil {
		t.Fatal(err)
	}
	// A local client's SYN is scheduled whether or not the connection
	// completes; that is all the counters need.
	if c, err := net.DialTimeout("tcp", vip.String(), 2*time.Second); err == nil {
		c.Close()
	}

	rsID := check.FormatService(rsAP, "tcp")
	out, err := FromLVSKernel([]lvs.VirtualServerStatus{{
		ServiceStatus: check.ServiceStatus{ID: check.FormatService(vip, "tcp"), Reals: []check.RealStatus{{ID: rsID, Alive: true, Weight: 3}}},
		Services:      []ipvs.Service{svc},
	}}, conn)
	if err != nil {
		t.Fatal(err)
	}
	k := out[0].IPVS
	if k == nil || !k.StatsKnown {
		t.Fatalf("kernel view %+v", k)
	}
	d, ok := k.Dest(rsID)
	if !ok || d.Weight != 3 {
		t.Errorf("destination %+v %v", d, ok)
	}
	if k.Stats.Connections < 1 || d.Stats.Connections < 1 {
		t.Errorf("connections: service %d, destination %d", k.Stats.Connections, d.Stats.Connections)
	}
}
