package vrrp_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/vrrptest"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// advertCountNet records, for every VIP added, how many adverts the LAN
// had carried by then.
type advertCountNet struct {
	*vrrptest.Network
	lan  *vrrptest.LAN
	sent []int
}

func (n *advertCountNet) AddAddress(ctx context.Context, a vrrp.Address) error {
	n.sent = append(n.sent, n.lan.SentCount)
	return n.Network.AddAddress(ctx, a)
}

// startupSim builds one host with n instances of priority prio in
// initial state st.
func startupSim(t *testing.T, n, prio int, st vrrp.State) (*sim, *advertCountNet) {
	s := newSim(t)
	h := s.lan.AddHost("h1", hostAddrs["h1"][0], hostAddrs["h1"][1])
	var cfg vrrp.Config
	for i := 1; i <= n; i++ {
		ic := vi(fmt.Sprintf("VI_%d", i), uint8(i), prio, st, fmt.Sprintf("10.77.1.%d/32", i))
		ic.SrcIP = h.Addr4
		cfg.Instances = append(cfg.Instances, ic)
	}
	net := &advertCountNet{Network: h.Net, lan: s.lan}
	r, err := vrrp.New(vrrpconf.Complete(cfg), vrrp.Options{Listen: h.Listen, Network: net, Clock: s.clk})
	if err != nil {
		t.Fatal(err)
	}
	h.Router = r
	s.h["h1"] = h
	return s, net
}

// Instances whose master-down timers run out together send their first
// adverts before any of them adds its VIPs and announces them, so the
// last instance's advert does not wait for everyone's netlink work.
func TestSimultaneousTakeOversAdvertFirst(t *testing.T) {
	const n = 4
	s, net := startupSim(t, n, 150, vrrp.StateMaster)
	s.start("h1")
	s.at(mdi150)
	for i := 1; i <= n; i++ {
		s.wantState("h1", fmt.Sprintf("VI_%d", i), vrrp.StateMaster)
	}
	if want := slices.Repeat([]int{n}, n); !slices.Equal(net.sent, want) {
		t.Fatalf("adverts on the wire at each VIP added %v, want %v", net.sent, want)
	}
	// One advert each at the take-over, not a second from the transition.
	if s.lan.SentCount != n {
		t.Fatalf("%d adverts at the take-over, want %d", s.lan.SentCount, n)
	}
	// And the advert grid goes on: one each per second.
	s.at(mdi150 + time.Second)
	if s.lan.SentCount != 2*n {
		t.Fatalf("%d adverts one interval later, want %d", s.lan.SentCount, 2*n)
	}
}
