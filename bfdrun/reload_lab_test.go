package bfdrun

import (
	"testing"
	"time"

	"github.com/dsas/keepalived-go/bfd"
	"github.com/dsas/keepalived-go/bfd/wire"
	"github.com/dsas/keepalived-go/internal/lab"
)

// TestLabReloadFRR: a reload that changes a session's intervals keeps it
// Up (a poll sequence; bfdd sees the new values and the same
// discriminator), and one that removes a session takes bfdd's side Down
// at once with AdminDown instead of after its detection time.
func TestLabReloadFRR(t *testing.T) {
	lab.NeedBFDD(t)
	l := lab.New(t, 2)
	us, them := l.Host(1), l.Host(2)
	sp := spec("v4", them.IPv4.Addr(), us.IPv4.Addr(), 50*time.Millisecond, 50*time.Millisecond, 3)
	f := lab.StartBFDD(t, them, []lab.BFDDPeer{{Peer: us.IPv4.Addr(), Local: them.IPv4.Addr(), RxMs: 50, TxMs: 50, Mult: 3}})
	r, ev := startRunner(t, us, []bfd.Spec{sp})
	peer := us.IPv4.Addr().String()
	waitFor(t, 15*time.Second, "Up", func() bool {
		s, tm := state(r, "v4")
		return s == wire.Up && !tm.PollRunning && f.Peers(t)[peer].Status == "up"
	})
	id := f.Peers(t)[peer].RemoteID

	changed := time.Now()
	sp.MinTx, sp.MinRx = 100*time.Millisecond, 80*time.Millisecond
	r.Apply([]bfd.Spec{sp})
	waitFor(t, 10*time.Second, "bfdd sees the new intervals", func() bool {
		p := f.Peers(t)[peer]
		return p.RemoteTxMs == 100 && p.RemoteRxMs == 80
	})
	waitFor(t, 10*time.Second, "poll sequence over", func() bool { _, tm := state(r, "v4"); return !tm.PollRunning })
	_, tm := state(r, "v4")
	t.Logf("new intervals in force %v after the reload: tx %v detect %v", time.Since(changed).Round(time.Millisecond), tm.TxInterval, tm.DetectTime)
	if p := f.Peers(t)[peer]; p.Status != "up" || p.RemoteID != id {
		t.Errorf("session disturbed by the reload: %+v (id was %d)", p, id)
	}
	if _, down := ev.since(changed, "v4", false); down {
		t.Error("session went Down during the reload")
	}
	if tm.TxInterval != 100*time.Millisecond || tm.DetectTime != 240*time.Millisecond {
		t.Errorf("after the reload: tx %v detect %v, want 100ms 240ms (3 × our new min_rx)", tm.TxInterval, tm.DetectTime)
	}

	removed := time.Now()
	r.Apply(nil)
	waitFor(t, 10*time.Second, "bfdd Down", func() bool { return f.Peers(t)[peer].Status == "down" })
	p := f.Peers(t)[peer]
	t.Logf("bfdd Down %v after the session was removed (its detection time 300 ms), diagnostic %q / remote %q",
		time.Since(removed).Round(time.Millisecond), p.Diag, p.RemoteDiag)
	if p.RemoteDiag != "administratively down" {
		t.Errorf("bfdd's remote diagnostic %q", p.RemoteDiag)
	}
}
