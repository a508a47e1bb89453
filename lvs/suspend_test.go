package lvs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"testing"

	"github.com/dsas/keepalived-go/check/probe"
	"github.com/dsas/keepalived-go/config"
)

type countingProbe struct {
	calls int
	r     probe.Result
}

func (c *countingProbe) Check(context.Context) probe.Result { c.calls++; return c.r }

// TestHASuspend: checkers of an ha_suspend virtual server run only while
// one of its addresses is on the host; suspended, the real server keeps
// its state (the last result, or its starting state before any check).
func TestHASuspend(t *testing.T) {
	vip := netip.MustParseAddr("10.7.0.1")
	var here []netip.Addr
	for _, alpha := range []bool{false, true} {
		inner := &countingProbe{}
		vs := &config.VirtualServer{Kind: config.VSAddress, Addr: netip.AddrPortFrom(vip, 80), HASuspend: true}
		s := newSuspendable(inner, vs, nil, alpha, slog.New(slog.NewTextHandler(io.Discard, nil)), "vs")
		s.local = func() []netip.Addr { return here }

		here = nil
		if r := s.Check(context.Background()); r.OK() == alpha || inner.calls != 0 {
			t.Fatalf("alpha=%v, VIP absent: ok=%v calls=%d, want the starting state and no check", alpha, r.OK(), inner.calls)
		}
		here = []netip.Addr{netip.MustParseAddr("192.0.2.1"), vip}
		inner.r = probe.Result{Err: errors.New("down")}
		if r := s.Check(context.Background()); r.OK() || inner.calls != 1 {
			t.Fatalf("VIP present: ok=%v calls=%d, want the real check", r.OK(), inner.calls)
		}
		here = here[:1]
		inner.r = probe.Result{}
		if r := s.Check(context.Background()); r.OK() || inner.calls != 1 {
			t.Fatalf("VIP gone: ok=%v calls=%d, want the last result kept", r.OK(), inner.calls)
		}
	}
	g := &config.VirtualServerGroup{Ranges: []config.AddrRange{{First: netip.MustParseAddr("10.8.0.10"), Last: netip.MustParseAddr("10.8.0.20")}}}
	m := vsAddrMatcher(&config.VirtualServer{Kind: config.VSGroup}, g)
	if !m(netip.MustParseAddr("10.8.0.15")) || m(netip.MustParseAddr("10.8.0.21")) || m(netip.MustParseAddr("::1")) {
		t.Error("group range matching")
	}
}
