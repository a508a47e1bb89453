package vrrplab_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// interopVariants is every combination the issue asks for: VRRPv2 and v3,
// multicast and unicast, IPv4 and IPv6 (VRRPv2 is IPv4 only). v2 keeps
// advert_int 1 (whole seconds only); v3 runs at 0.1 s to keep the suite
// short.
var interopVariants = []variant{
	{version: 2, adv: "1"},
	{version: 2, adv: "1", unicast: true},
	{version: 3, adv: "0.1"},
	{version: 3, adv: "0.1", unicast: true},
	{version: 3, adv: "0.1", ipv6: true},
	{version: 3, adv: "0.1", ipv6: true, unicast: true},
}

// TestInterop puts keepalived-go and keepalived in one VRRP group, each in
// turn as the master: the master is killed (-9), the other takes over and
// the client in the third namespace follows it; the master restarts and
// preempts, and the client follows back; finally the master stops
// gracefully and its priority-0 advert hands over at once.
func TestInterop(t *testing.T) {
	vrrplab.Binary(t, vrrplab.CDaemon)
	for _, v := range interopVariants {
		for _, d := range [][2]vrrplab.Daemon{{vrrplab.GoDaemon, vrrplab.CDaemon}, {vrrplab.CDaemon, vrrplab.GoDaemon}} {
			t.Run(v.String()+"/"+string(d[0])+"-master", func(t *testing.T) {
				t.Parallel()
				p := newPair(t, v, d[0], d[1], nil, nil)
				p.crashAndBack(t)
				p.sameOnTheWire(t)
				p.termOver(t)
			})
		}
	}
}

// sameOnTheWire compares the adverts and the GARPs/NAs the two daemons sent
// as masters: apart from what differs between any two routers (addresses,
// priority, checksums), an observer must not be able to tell them apart.
func (p *pair) sameOnTheWire(t *testing.T) {
	t.Helper()
	s := p.e.Sniffer
	for _, kind := range []vrrplab.Match{vrrplab.Kind(vrrplab.Advert), vrrplab.Announce()} {
		var fs [2]vrrplab.Frame
		for i, r := range []*vrrplab.Router{p.r1, p.r2} {
			got := s.Since(0, vrrplab.From(r.MAC()), kind, func(f vrrplab.Frame) bool { return f.Kind != vrrplab.Advert || f.Prio != 0 })
			if len(got) == 0 {
				t.Errorf("no frame of this kind from %s", r.Name)
				return
			}
			fs[i] = got[0]
		}
		d := vrrplab.WireDiff(fs[0], fs[1])
		if p.v.ipv6 && p.v.unicast && fs[0].Kind == vrrplab.Advert {
			// keepalived 2.2.7 sends unicast IPv6 adverts with the
			// default hop limit, 64 (it sets only the multicast hop
			// limit); keepalived-go sends 255 as RFC 5798 5.1.2.1 asks.
			// Both accept either, so it is left as a known difference.
			d = slices.DeleteFunc(d, func(s string) bool {
				if strings.HasPrefix(s, "byte 21 (") {
					t.Logf("known difference, IPv6 unicast hop limit: %s", s)
					return true
				}
				return false
			})
		}
		if len(d) > 0 {
			t.Errorf("%s (%s) and %s (%s) differ on the wire:\n  %s\n  %x\n  %x", p.r1.Daemon, fs[0], p.r2.Daemon, fs[1],
				strings.Join(d, "\n  "), fs[0].Raw, fs[1].Raw)
		}
	}
}

// TestInteropOldUnicastChecksum: a master with old_unicast_checksum sends
// unicast VRRPv3 adverts checksummed over the multicast group (keepalived
// 1.3.6's checksum); a default backup, keepalived's or ours, switches to it
// ("Setting unicast VRRPv3 checksum to old version") and stays BACKUP.
func TestInteropOldUnicastChecksum(t *testing.T) {
	vrrplab.Binary(t, vrrplab.CDaemon)
	v := variant{version: 3, adv: "0.1", unicast: true}
	for _, d := range [][2]vrrplab.Daemon{{vrrplab.GoDaemon, vrrplab.CDaemon}, {vrrplab.CDaemon, vrrplab.GoDaemon}} {
		t.Run(string(d[0])+"-master", func(t *testing.T) {
			t.Parallel()
			p := newPair(t, v, d[0], d[1], []string{"old_unicast_checksum"}, nil)
			time.Sleep(time.Second)
			if st := p.r2.State(inst); st != "BACKUP" {
				t.Fatalf("%s (%s) is %s, want BACKUP", p.r2.Name, p.r2.Daemon, st)
			}
			if out := p.r2.Output(); !strings.Contains(out, "Setting unicast VRRPv3 checksum to old version") {
				t.Fatalf("%s (%s) did not switch to the old checksum:\n%s", p.r2.Name, p.r2.Daemon, out)
			}
		})
	}
}
