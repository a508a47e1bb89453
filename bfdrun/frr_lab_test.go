package bfdrun

import (
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/bfd"
	"github.com/dsas/keepalived-go/bfd/wire"
	"github.com/dsas/keepalived-go/internal/lab"
)

// TestLabFRRInterop runs keepalived-go's BFD against FRR's bfdd, IPv4 and
// IPv6: sessions come Up with the negotiated intervals, go Down when bfdd
// is killed or its packets are dropped, and come back. Times are logged,
// not asserted.
func TestLabFRRInterop(t *testing.T) {
	needFRR(t)
	l := lab.New(t, 2)
	us, them := l.Host(1), l.Host(2)
	specs := []bfd.Spec{
		spec("v4", them.IPv4.Addr(), us.IPv4.Addr(), 30*time.Millisecond, 40*time.Millisecond, 4),
		spec("v6", them.IPv6.Addr(), us.IPv6.Addr(), 30*time.Millisecond, 40*time.Millisecond, 4),
	}
	// bfdd enforces RFC 5881's hop limit 255 on IPv6; keepalived's default
	// is 64, so a keepalived.conf peering with FRR says `hoplimit 255`.
	specs[1].TTL = 255
	f := newFRR(t, them, []frrPeer{
		{Peer: us.IPv4.Addr(), Local: them.IPv4.Addr(), RxMs: 50, TxMs: 50, Mult: 3},
		{Peer: us.IPv6.Addr(), Local: them.IPv6.Addr(), RxMs: 50, TxMs: 50, Mult: 3},
	})
	start := time.Now()
	r, ev := startRunner(t, us, specs)
	peerOf := map[string]string{"v4": us.IPv4.Addr().String(), "v6": us.IPv6.Addr().String()}

	bothUp := func(what string) {
		t.Helper()
		for _, name := range []string{"v4", "v6"} {
			waitFor(t, 15*time.Second, what+" "+name, func() bool {
				s, tm := state(r, name)
				return s == wire.Up && !tm.PollRunning && f.peers(t)[peerOf[name]].Status == "up"
			})
		}
	}
	bothUp("initial Up")
	t.Logf("both sessions Up with bfdd %v after start", time.Since(start).Round(time.Millisecond))
	time.Sleep(300 * time.Millisecond) // let bfdd's poll sequence settle too
	for _, name := range []string{"v4", "v6"} {
		_, tm := state(r, name)
		p := f.peers(t)[peerOf[name]]
		t.Logf("%s: ours tx %v detect %v; bfdd %+v", name, tm.TxInterval, tm.DetectTime, p)
		// Ours sends at max(min_tx 40, bfdd's rx 50) and waits bfdd's
		// mult 3 × max(min_rx 30, bfdd's tx 50).
		if tm.TxInterval != 50*time.Millisecond || tm.DetectTime != 150*time.Millisecond || tm.RemoteMult != 3 {
			t.Errorf("%s: negotiated %+v", name, tm)
		}
		if p.RemoteRxMs != 30 || p.RemoteTxMs != 40 || p.RemoteMult != 4 {
			t.Errorf("%s: bfdd sees our intervals as rx %d tx %d mult %d", name, p.RemoteRxMs, p.RemoteTxMs, p.RemoteMult)
		}
	}

	// bfdd killed: ours expires after its detection time.
	killed := time.Now()
	f.proc.Signal(syscall.SIGKILL)
	f.proc.Wait(5 * time.Second)
	for _, name := range []string{"v4", "v6"} {
		waitFor(t, 5*time.Second, "Down after kill "+name, func() bool { _, ok := ev.since(killed, name, false); return ok })
		at, _ := ev.since(killed, name, false)
		_, tm := state(r, name)
		t.Logf("%s: Down %v after bfdd was killed (detection time 150ms), diag %v", name, at.Sub(killed).Round(time.Millisecond), tm.LocalDiag)
		if tm.LocalDiag != wire.DiagExpired {
			t.Errorf("%s: diag %v", name, tm.LocalDiag)
		}
	}
	restarted := time.Now()
	f.start(t)
	bothUp("Up after bfdd restart")
	t.Logf("Up again %v after bfdd restarted", time.Since(restarted).Round(time.Millisecond))

	// Drop bfdd's packets on the switch: ours expires; bfdd then hears
	// our Down and follows.
	dropped := time.Now()
	undo := nftDrop(t, l, them.Port)
	for _, name := range []string{"v4", "v6"} {
		waitFor(t, 5*time.Second, "Down after drop "+name, func() bool { _, ok := ev.since(dropped, name, false); return ok })
		at, _ := ev.since(dropped, name, false)
		t.Logf("%s: Down %v after bfdd's packets were dropped", name, at.Sub(dropped).Round(time.Millisecond))
		waitFor(t, 5*time.Second, "bfdd Down "+name, func() bool { return f.peers(t)[peerOf[name]].Status == "down" })
	}
	undo()
	healed := time.Now()
	bothUp("Up after the drop ends")
	t.Logf("Up again %v after the drop ended", time.Since(healed).Round(time.Millisecond))

	// Drop ours instead: bfdd expires and tells us Down.
	dropped = time.Now()
	undo = nftDrop(t, l, us.Port)
	for _, name := range []string{"v4", "v6"} {
		waitFor(t, 5*time.Second, "bfdd Down after our drop "+name, func() bool { return f.peers(t)[peerOf[name]].Status == "down" })
		waitFor(t, 5*time.Second, "Down after our drop "+name, func() bool { _, ok := ev.since(dropped, name, false); return ok })
		at, _ := ev.since(dropped, name, false)
		t.Logf("%s: bfdd Down (%s), ours Down %v after our packets were dropped", name,
			f.peers(t)[peerOf[name]].Diag, at.Sub(dropped).Round(time.Millisecond))
	}
	undo()
	bothUp("Up after our drop ends")
	c := r.Counters()
	t.Logf("counters %+v", c)
	if c.Malformed != 0 || c.BadTTL != 0 {
		t.Errorf("dropped packets from bfdd: %+v", c)
	}
}
