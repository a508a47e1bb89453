package bfdrun

import (
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/bfd"
	"github.com/dsas/keepalived-go/bfd/wire"
	"github.com/dsas/keepalived-go/internal/lab"
)

// peer is the other end of an interop scenario, keyed by our session
// name.
type peer interface {
	up(t *testing.T, name string) bool
	down(t *testing.T, name string) bool
	kill(t *testing.T)
	restart(t *testing.T)
}

// interop runs the scenario shared by the interop tests: sessions come
// Up with the negotiated intervals, go Down when the peer is killed or
// either side's packets are dropped, and come back each time. Times are
// logged, not asserted. wantTx/wantDetect are our negotiated values.
func interop(t *testing.T, l *lab.Lab, us, them *lab.Host, p peer, r *Runner, ev *events, names []string, wantTx, wantDetect time.Duration, start time.Time) {
	allUp := func(what string) {
		t.Helper()
		for _, name := range names {
			waitFor(t, 15*time.Second, what+" "+name, func() bool {
				s, tm := state(r, name)
				return s == wire.Up && !tm.PollRunning && p.up(t, name)
			})
		}
	}
	allUp("initial Up")
	t.Logf("sessions Up %v after start", time.Since(start).Round(time.Millisecond))
	for _, name := range names {
		_, tm := state(r, name)
		t.Logf("%s: ours tx %v detect %v remote min_rx %v min_tx %v mult %d", name, tm.TxInterval, tm.DetectTime, tm.RemoteMinRx, tm.RemoteMinTx, tm.RemoteMult)
		if tm.TxInterval != wantTx || tm.DetectTime != wantDetect {
			t.Errorf("%s: negotiated tx %v detect %v, want %v %v", name, tm.TxInterval, tm.DetectTime, wantTx, wantDetect)
		}
	}
	downAfter := func(what string, since time.Time) {
		t.Helper()
		for _, name := range names {
			waitFor(t, 10*time.Second, what+" "+name, func() bool { _, ok := ev.since(since, name, false); return ok })
			at, _ := ev.since(since, name, false)
			t.Logf("%s: ours Down %v after %s (detection time %v)", name, at.Sub(since).Round(time.Millisecond), what, wantDetect)
		}
	}

	killed := time.Now()
	p.kill(t)
	downAfter("peer killed", killed)
	for _, name := range names {
		if _, tm := state(r, name); tm.LocalDiag != wire.DiagExpired {
			t.Errorf("%s: diag after the peer was killed: %v", name, tm.LocalDiag)
		}
	}
	restarted := time.Now()
	p.restart(t)
	allUp("Up after peer restart")
	t.Logf("Up again %v after the peer restarted", time.Since(restarted).Round(time.Millisecond))

	for _, side := range []struct {
		who  string
		port string
	}{{"peer's packets dropped", them.Port}, {"our packets dropped", us.Port}} {
		// Timed from when the rule is in place (nft itself takes tens of ms).
		undo := l.DropBFD(t, side.port, "")
		dropped := time.Now()
		downAfter(side.who, dropped)
		for _, name := range names {
			waitFor(t, 10*time.Second, "peer Down, "+side.who+" "+name, func() bool { return p.down(t, name) })
		}
		undo()
		healed := time.Now()
		allUp("Up after " + side.who)
		t.Logf("Up again %v after the drop (%s) ended", time.Since(healed).Round(time.Millisecond), side.who)
	}
	c := r.Counters()
	t.Logf("counters %+v", c)
	if c.Malformed != 0 || c.BadTTL != 0 {
		t.Errorf("dropped packets from the peer: %+v", c)
	}
}

type frrPeerSide struct {
	f      *lab.BFDD
	peerOf map[string]string
}

func (p frrPeerSide) status(t *testing.T, name string) string {
	return p.f.Peers(t)[p.peerOf[name]].Status
}
func (p frrPeerSide) up(t *testing.T, name string) bool   { return p.status(t, name) == "up" }
func (p frrPeerSide) down(t *testing.T, name string) bool { return p.status(t, name) == "down" }
func (p frrPeerSide) kill(t *testing.T) {
	p.f.Proc.Signal(syscall.SIGKILL)
	p.f.Proc.Wait(5 * time.Second)
}
func (p frrPeerSide) restart(t *testing.T) { p.f.Start(t) }

// TestLabFRRInterop runs keepalived-go's BFD against FRR's bfdd, IPv4 and
// IPv6.
func TestLabFRRInterop(t *testing.T) {
	lab.NeedBFDD(t)
	l := lab.New(t, 2)
	us, them := l.Host(1), l.Host(2)
	specs := []bfd.Spec{
		spec("v4", them.IPv4.Addr(), us.IPv4.Addr(), 30*time.Millisecond, 40*time.Millisecond, 4),
		spec("v6", them.IPv6.Addr(), us.IPv6.Addr(), 30*time.Millisecond, 40*time.Millisecond, 4),
	}
	// bfdd enforces RFC 5881's hop limit 255 on IPv6; keepalived's default
	// is 64, so a keepalived.conf peering with FRR says `hoplimit 255`.
	specs[1].TTL = 255
	f := lab.StartBFDD(t, them, []lab.BFDDPeer{
		{Peer: us.IPv4.Addr(), Local: them.IPv4.Addr(), RxMs: 50, TxMs: 50, Mult: 3},
		{Peer: us.IPv6.Addr(), Local: them.IPv6.Addr(), RxMs: 50, TxMs: 50, Mult: 3},
	})
	start := time.Now()
	r, ev := startRunner(t, us, specs)
	p := frrPeerSide{f, map[string]string{"v4": us.IPv4.Addr().String(), "v6": us.IPv6.Addr().String()}}
	// Ours sends at max(min_tx 40, bfdd's rx 50) and waits bfdd's mult 3 ×
	// max(min_rx 30, bfdd's tx 50).
	interop(t, l, us, them, p, r, ev, []string{"v4", "v6"}, 50*time.Millisecond, 150*time.Millisecond, start)
	// bfdd's view of our intervals (it settles after its own poll).
	waitFor(t, 5*time.Second, "bfdd sees our intervals", func() bool {
		for _, name := range []string{"v4", "v6"} {
			s := f.Peers(t)[p.peerOf[name]]
			if s.RemoteRxMs != 30 || s.RemoteTxMs != 40 || s.RemoteMult != 4 {
				return false
			}
		}
		return true
	})
	for name, addr := range p.peerOf {
		t.Logf("bfdd %s: %+v", name, f.Peers(t)[addr])
	}
}
