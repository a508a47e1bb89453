package netns_test

import (
	"net"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/internal/netns"
)

func TestUnique(t *testing.T) {
	a, b := netns.Unique("klgpfx"), netns.Unique("klgpfx")
	if a == b || len(a) > 15 || !strings.HasPrefix(a, "klgpfx") {
		t.Errorf("Unique: %q, %q; want distinct names under 16 characters", a, b)
	}
}

func TestDoIsolated(t *testing.T) {
	ns := netns.New(t, "kgnt")
	netns.Veth(t, ns, "nta", ns, "ntb")
	var inside []net.Interface
	ns.MustDo(t, func() (err error) {
		inside, err = net.Interfaces()
		return err
	})
	names := map[string]bool{}
	for _, i := range inside {
		names[i.Name] = true
	}
	if len(inside) != 3 || !names["lo"] || !names["nta"] || !names["ntb"] {
		t.Errorf("interfaces inside: %v; want lo, nta, ntb", names)
	}
	// The calling goroutine's thread never changed namespace.
	if _, err := net.InterfaceByName("nta"); err == nil {
		t.Error("nta is visible outside its namespace")
	}
}
