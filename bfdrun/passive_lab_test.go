package bfdrun

import (
	"testing"
	"time"

	"github.com/dsas/keepalived-go/bfd"
	"github.com/dsas/keepalived-go/bfd/wire"
	"github.com/dsas/keepalived-go/internal/lab"
)

// TestLabPassiveBothWays: a passive keepalived-go session comes Up with an
// active bfdd peer, and an active keepalived-go session with a passive
// bfdd peer. (That a passive session is silent until its peer speaks is
// TestIdleTxWhileDown's, in package bfd.)
func TestLabPassiveBothWays(t *testing.T) {
	lab.NeedBFDD(t)
	l := lab.New(t, 2)
	us, them := l.Host(1), l.Host(2)
	ours := spec("ours-passive", them.IPv4.Addr(), us.IPv4.Addr(), 50*time.Millisecond, 50*time.Millisecond, 3)
	ours.Passive = true
	theirs := spec("theirs-passive", them.IPv6.Addr(), us.IPv6.Addr(), 50*time.Millisecond, 50*time.Millisecond, 3)
	theirs.TTL = 255 // bfdd's RFC 5881 hop limit
	r, _ := startRunner(t, us, []bfd.Spec{ours, theirs})
	f := lab.StartBFDD(t, them, []lab.BFDDPeer{
		{Peer: us.IPv4.Addr(), Local: them.IPv4.Addr(), RxMs: 50, TxMs: 50, Mult: 3},
		{Peer: us.IPv6.Addr(), Local: them.IPv6.Addr(), RxMs: 50, TxMs: 50, Mult: 3, Passive: true},
	})
	start := time.Now()
	for name, addr := range map[string]string{"ours-passive": us.IPv4.Addr().String(), "theirs-passive": us.IPv6.Addr().String()} {
		waitFor(t, 15*time.Second, name+" Up", func() bool {
			s, _ := state(r, name)
			return s == wire.Up && f.Peers(t)[addr].Status == "up"
		})
		t.Logf("%s: Up on both sides %v after bfdd started", name, time.Since(start).Round(time.Millisecond))
	}
}
