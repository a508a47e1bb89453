//go:build !vmtest

package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// TestDaemonStopsWhileRemovingVIPs is the regression test for issue 11
// divergence 7: a master's stop removes its VIPs, and each removal comes
// back from the kernel as an event to the host watcher, whose handler
// takes the VRRP side's lock. The stop once held that lock while waiting
// for the watcher to end (a deadlock: no exit after SIGTERM, VMACs left).
// A VMAC master with many VIPs and excluded VIPs makes many such events
// during the stop; several rounds give the race its chances. The 20 s
// bound only ends a hung run (the harness's own limit).
func TestDaemonStopsWhileRemovingVIPs(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 1)
	h := l.Host(1)
	var b strings.Builder
	fmt.Fprintf(&b, "vrrp_instance VI_1 {\n  interface %s\n  use_vmac\n  virtual_router_id 51\n  priority 150\n  advert_int 1\n  virtual_ipaddress {\n", lab.Link)
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "    10.214.0.%d/24\n", i)
	}
	b.WriteString("  }\n  virtual_ipaddress_excluded {\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "    10.215.0.%d/24\n", i)
	}
	b.WriteString("  }\n}\n")
	for round := 0; round < 3; round++ {
		r := startRouter(t, h, b.String())
		r.waitFor("MASTER with the VIPs", func() bool {
			out, _ := h.Run("ip", "-o", "addr", "show")
			return r.state() == "MASTER" && strings.Contains(out, " 10.215.0.20/24")
		})
		r.signal(syscall.SIGTERM)
		if exited, err := r.proc.Wait(20 * time.Second); !exited || err != nil {
			r.signal(syscall.SIGQUIT) // its goroutine dump goes to the output below
			r.proc.Wait(5 * time.Second)
			t.Fatalf("round %d: no clean exit after SIGTERM (exited %v, %v):\n%s", round, exited, err, r.proc.Output())
		}
		out, err := h.Run("ip", "-o", "link", "show")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, "vrrp.51") {
			t.Fatalf("round %d: VMAC vrrp.51 left after the stop:\n%s", round, out)
		}
	}
}

// TestDaemonIPv6VMACAdverts: an IPv6 use_vmac instance gives its VMAC a
// link-local address of its own (the base interface's, nodad and
// deprecated, as keepalived's set_link_local_address) and its adverts go
// out from it with the virtual MAC; without it every send failed with
// EINVAL (corpus 078, issue 11).
func TestDaemonIPv6VMACAdverts(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 2)
	h, client := l.Host(1), l.Host(2)
	config := fmt.Sprintf("vrrp_instance VI_1 {\n  interface %s\n  use_vmac vrrp6.54\n  virtual_router_id 54\n  priority 150\n  advert_int 1\n  virtual_ipaddress {\n    fd0b:214::54/64\n  }\n}\n", lab.Link)
	r := startRouter(t, h, config)
	r.waitFor("MASTER", func() bool { return r.state() == "MASTER" })
	out, err := h.Run("ip", "-6", "-o", "addr", "show", "dev", "vrrp6.54", "scope", "link")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, h.LinkLocal.String()+"/64") || !strings.Contains(out, "nodad") || !strings.Contains(out, "deprecated") {
		t.Fatalf("VMAC link-local address: want %s/64 nodad deprecated:\n%s", h.LinkLocal, out)
	}
	wire, err := client.Run("timeout", "20", "tcpdump", "-c", "1", "-env", "-i", lab.Link, "ip6 proto 112")
	if err != nil {
		t.Fatalf("tcpdump: %v\n%s", err, wire)
	}
	for _, want := range []string{"00:00:5e:00:02:36", h.LinkLocal.String() + " > ff02::12", "vrid 54, prio 150"} {
		if !strings.Contains(wire, want) {
			t.Fatalf("advert lacks %q:\n%s\nlog:\n%s", want, wire, r.proc.Output())
		}
	}
	if r.logged("send advert failed") {
		t.Fatalf("sends failed:\n%s", r.proc.Output())
	}
}
