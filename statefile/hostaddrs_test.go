package statefile

import (
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/dsas/keepalived-go/internal/netns"
)

// TestAddrsByIndex: the one-dump address view gives each interface what
// net.Interface.Addrs gives, in the same order (an IPv4 primary before its
// secondaries, the peer of a point-to-point address left out).
func TestAddrsByIndex(t *testing.T) {
	netns.SkipUnlessRoot(t)
	ns := netns.New(t, "kgsa")
	netns.Veth(t, ns, "sa", ns, "sb")
	ns.MustRun(t, "ip", "addr", "add", "192.0.2.1/24", "dev", "sa")
	ns.MustRun(t, "ip", "addr", "add", "192.0.2.9/24", "dev", "sa")
	ns.MustRun(t, "ip", "addr", "add", "10.1.1.1", "peer", "10.1.1.2", "dev", "sb")
	ns.MustRun(t, "ip", "addr", "add", "2001:db8::1/64", "dev", "sa", "nodad")
	ns.MustRun(t, "ip", "link", "set", "sa", "up")
	ns.MustRun(t, "ip", "link", "set", "sb", "up")
	ns.MustDo(t, func() error {
		got := addrsByIndex()
		ifs, err := net.Interfaces()
		if err != nil {
			return err
		}
		for _, ifi := range ifs {
			as, err := ifi.Addrs()
			if err != nil {
				return err
			}
			var want []netip.Prefix
			for _, a := range as {
				want = append(want, netip.MustParsePrefix(a.String()))
			}
			if !slices.Equal(got[ifi.Index], want) {
				t.Errorf("%s: %v, want %v", ifi.Name, got[ifi.Index], want)
			}
		}
		return nil
	})
}
