package vrrplab_test

import (
	"testing"

	"github.com/dsas/keepalived-go/vrrplab"
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
// preempts, and the client follows back.
func TestInterop(t *testing.T) {
	vrrplab.Binary(t, vrrplab.CDaemon)
	for _, v := range interopVariants {
		for _, d := range [][2]vrrplab.Daemon{{vrrplab.GoDaemon, vrrplab.CDaemon}, {vrrplab.CDaemon, vrrplab.GoDaemon}} {
			t.Run(v.String()+"/"+string(d[0])+"-master", func(t *testing.T) {
				t.Parallel()
				p := newPair(t, v, d[0], d[1], nil, nil)
				p.crashAndBack(t)
			})
		}
	}
}
