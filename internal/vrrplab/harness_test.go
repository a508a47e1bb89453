package vrrplab_test

import (
	"testing"

	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// TestHarness runs the lab against keepalived alone: it proves the
// harness (lab, notify records, sniffer, client checks) independently of
// keepalived-go.
func TestHarness(t *testing.T) {
	vrrplab.Binary(t, vrrplab.CDaemon)
	for _, v := range []variant{
		{version: 3, adv: "0.1"},
		{version: 3, adv: "0.1", ipv6: true, unicast: true},
	} {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			p := newPair(t, v, vrrplab.CDaemon, vrrplab.CDaemon, nil, nil)
			p.crashAndBack(t)
		})
	}
}
