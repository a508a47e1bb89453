package lab_test

import (
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
)

func TestLab(t *testing.T) {
	l := lab.New(t, 3)
	h1, h2, h3 := l.Host(1), l.Host(2), l.Host(3)
	if got := lab.LinkLocal(h1.MAC); !strings.Contains(h1.NS.MustRun(t, "ip", "-6", "addr", "show", "dev", h1.Link), got.String()) {
		t.Errorf("link-local %s not on %s", got, h1.Link)
	}
	for _, a := range []netip.Addr{h2.IPv4.Addr(), h2.IPv6.Addr(), h2.LinkLocal} {
		if a.IsLinkLocalUnicast() {
			a = a.WithZone(h3.Link)
		}
		if err := h3.Ping(a, 5*time.Second); err != nil {
			t.Errorf("h3 ping %s: %v", a, err)
		}
	}
	if mac, err := h3.Neighbour(h2.IPv4.Addr()); err != nil || mac.String() != h2.MAC.String() {
		t.Errorf("h3 neighbour entry for h2 = %v, %v; want %s", mac, err, h2.MAC)
	}
	if mac, err := h3.Arping(h1.IPv4.Addr()); err != nil || mac.String() != h1.MAC.String() {
		t.Errorf("h3 arping h1 = %v, %v; want %s", mac, err, h1.MAC)
	}

	// Cutting h1's cable: h1 loses carrier and h3 cannot reach it.
	if err := h1.Cut(); err != nil {
		t.Fatal(err)
	}
	if out := h1.NS.MustRun(t, "ip", "link", "show", h1.Link); !strings.Contains(out, "NO-CARRIER") {
		t.Errorf("after Cut: %s", out)
	}
	if err := h3.Ping(h1.IPv4.Addr(), time.Second); err == nil {
		t.Error("h3 reached h1 through a cut cable")
	}
	if err := h1.Heal(); err != nil {
		t.Fatal(err)
	}
	if err := h3.Ping(h1.IPv4.Addr(), 5*time.Second); err != nil {
		t.Errorf("after Heal: %v", err)
	}

	// Processes run inside the host's namespace and can be killed.
	p := h2.Start(t, "sh", "-c", "ip -o -4 addr show dev lab0; exec sleep 60")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.Output(), h2.IPv4.String()) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(p.Output(), h2.IPv4.String()) {
		t.Errorf("process did not run in h2: %q", p.Output())
	}
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if exited, _ := p.Wait(10 * time.Second); !exited {
		t.Error("process survived SIGKILL")
	}
}
