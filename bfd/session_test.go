package bfd

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/bfd/wire"
)

// pair is two sessions wired back to back on a fake clock. Packets are
// delivered after delay; drop[i] discards what side i sends.
type pair struct {
	t     *testing.T
	now   time.Time
	s     [2]*Session
	delay time.Duration
	drop  [2]bool
	queue []inflight
	sent  [2][]sentPkt
	trans [2][]Transition
}

type inflight struct {
	at time.Time
	to int
	p  wire.Packet
}

type sentPkt struct {
	at time.Time
	p  wire.Packet
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func cfg(name string, rx, tx time.Duration, mult uint8) Config {
	return Config{Name: name, MinRx: rx, MinTx: tx, IdleTx: time.Second, Multiplier: mult}
}

func newPair(t *testing.T, a, b Config) *pair {
	p := &pair{t: t, now: epoch, delay: time.Millisecond}
	r := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int64) int64 { return r.Int64N(n) }
	for i, c := range []Config{a, b} {
		p.s[i] = NewSession(c, uint32(100+i), rnd, quiet(), p.now)
		p.s[i].OnChange = func(tr Transition) { p.trans[i] = append(p.trans[i], tr) }
	}
	return p
}

// step moves the clock to the next event and runs it.
func (p *pair) step() {
	next := time.Time{}
	for i := range p.s {
		if d := p.s[i].Deadline(); !d.IsZero() && (next.IsZero() || d.Before(next)) {
			next = d
		}
	}
	for _, f := range p.queue {
		if next.IsZero() || f.at.Before(next) {
			next = f.at
		}
	}
	if next.IsZero() {
		p.t.Fatal("nothing scheduled")
	}
	if next.After(p.now) {
		p.now = next
	}
	var keep []inflight
	for _, f := range p.queue {
		if !f.at.After(p.now) {
			p.s[f.to].Receive(p.now, f.p)
		} else {
			keep = append(keep, f)
		}
	}
	p.queue = keep
	for i := range p.s {
		for p.s[i].Advance(p.now) {
			pkt := p.s[i].Packet()
			p.sent[i] = append(p.sent[i], sentPkt{p.now, pkt})
			if !p.drop[i] {
				p.queue = append(p.queue, inflight{p.now.Add(p.delay), 1 - i, pkt})
			}
		}
	}
}

// runFor runs events for d of fake time.
func (p *pair) runFor(d time.Duration) {
	end := p.now.Add(d)
	for p.now.Before(end) {
		p.step()
	}
}

// until runs until cond holds, failing after limit of fake time.
func (p *pair) until(limit time.Duration, cond func() bool) time.Duration {
	start := p.now
	for !cond() {
		if p.now.Sub(start) > limit {
			p.t.Fatalf("condition not met after %v (states %v %v)", limit, p.s[0].State(), p.s[1].State())
		}
		p.step()
	}
	return p.now.Sub(start)
}

func (p *pair) bothUp() bool { return p.s[0].State() == wire.Up && p.s[1].State() == wire.Up }

func TestSessionsComeUpAndNegotiate(t *testing.T) {
	p := newPair(t, cfg("A", 50*time.Millisecond, 20*time.Millisecond, 3), cfg("B", 30*time.Millisecond, 40*time.Millisecond, 5))
	took := p.until(5*time.Second, p.bothUp)
	t.Logf("both Up after %v of fake time", took)
	// Let the poll sequences that confirm the fast intervals finish.
	p.until(5*time.Second, func() bool { return !p.s[0].Timers().PollRunning && !p.s[1].Timers().PollRunning })
	a, b := p.s[0].Timers(), p.s[1].Timers()
	// A sends at max(its min_tx 20, B's min_rx 30) = 30 ms; B at max(40, 50) = 50 ms.
	if a.TxInterval != 30*time.Millisecond || b.TxInterval != 50*time.Millisecond {
		t.Fatalf("tx intervals %v %v", a.TxInterval, b.TxInterval)
	}
	// A's detection: B's mult 5 × max(A's min_rx 50, B's min_tx 40) = 250 ms;
	// B's: A's mult 3 × max(B's min_rx 30, A's min_tx 20) = 90 ms.
	if a.DetectTime != 250*time.Millisecond || b.DetectTime != 90*time.Millisecond {
		t.Fatalf("detection %v %v", a.DetectTime, b.DetectTime)
	}
	for i := range p.trans {
		var got []wire.State
		for _, tr := range p.trans[i] {
			got = append(got, tr.To)
		}
		if len(got) != 2 || got[1] != wire.Up {
			t.Fatalf("side %d transitions %v", i, got)
		}
	}
	if a.RemoteDiscr != 101 || b.RemoteDiscr != 100 {
		t.Fatalf("discriminators %d %d", a.RemoteDiscr, b.RemoteDiscr)
	}
	// Once Up, the steady packets carry neither P nor F.
	p.runFor(time.Second)
	last := p.sent[0][len(p.sent[0])-1].p
	if last.Poll || last.Final || last.State != wire.Up || last.YourDiscr != 101 || last.DesiredMinTx != 20000 || last.RequiredMinRx != 50000 {
		t.Fatalf("steady packet %+v", last)
	}
}

func TestIdleTxWhileDown(t *testing.T) {
	// B is passive and never hears A (A's packets dropped): A keeps
	// sending Down at idle_tx less jitter, B stays silent.
	b := cfg("B", 10*time.Millisecond, 10*time.Millisecond, 3)
	b.Passive = true
	p := newPair(t, cfg("A", 10*time.Millisecond, 10*time.Millisecond, 3), b)
	p.drop[0] = true
	p.runFor(10 * time.Second)
	if len(p.sent[1]) != 0 {
		t.Fatalf("passive side sent %d packets", len(p.sent[1]))
	}
	s := p.sent[0]
	if len(s) < 10 || len(s) > 14 {
		t.Fatalf("%d packets in 10 s at idle_tx 1 s", len(s))
	}
	for i := 1; i < len(s); i++ {
		gap := s[i].at.Sub(s[i-1].at)
		if gap < 750*time.Millisecond || gap > time.Second {
			t.Fatalf("gap %v outside 75..100%% of idle_tx", gap)
		}
		if s[i].p.State != wire.Down || s[i].p.DesiredMinTx != 1000000 || s[i].p.YourDiscr != 0 {
			t.Fatalf("packet %+v", s[i].p)
		}
	}
}

func TestPassiveAnswers(t *testing.T) {
	b := cfg("B", 10*time.Millisecond, 10*time.Millisecond, 3)
	b.Passive = true
	p := newPair(t, cfg("A", 10*time.Millisecond, 10*time.Millisecond, 3), b)
	p.until(5*time.Second, p.bothUp)
}

func TestJitterBounds(t *testing.T) {
	for _, mult := range []uint8{1, 3} {
		s := NewSession(cfg("J", 10*time.Millisecond, 100*time.Millisecond, mult), 1,
			rand.New(rand.NewPCG(3, 4)).Int64N, quiet(), epoch)
		s.txIntv = 100 * time.Millisecond
		lo, hi := 75*time.Millisecond, 100*time.Millisecond
		if mult == 1 {
			hi = 90 * time.Millisecond
		}
		minSeen, maxSeen := time.Hour, time.Duration(0)
		for range 10000 {
			j := s.jittered()
			minSeen, maxSeen = min(minSeen, j), max(maxSeen, j)
		}
		if minSeen < lo || maxSeen > hi {
			t.Fatalf("mult %d: intervals %v..%v outside %v..%v", mult, minSeen, maxSeen, lo, hi)
		}
		t.Logf("mult %d: intervals %v..%v", mult, minSeen, maxSeen)
	}
}

func TestDetectionExpiry(t *testing.T) {
	p := newPair(t, cfg("A", 50*time.Millisecond, 50*time.Millisecond, 3), cfg("B", 50*time.Millisecond, 50*time.Millisecond, 3))
	p.until(5*time.Second, p.bothUp)
	p.until(5*time.Second, func() bool { return !p.s[0].Timers().PollRunning && !p.s[1].Timers().PollRunning })
	p.runFor(time.Second)
	p.drop[1] = true
	took := p.until(time.Second, func() bool { return p.s[0].State() == wire.Down })
	t.Logf("A Down %v after B went silent (detection time %v)", took, p.s[0].Timers().DetectTime)
	if took > 150*time.Millisecond+p.delay {
		t.Fatalf("went Down after %v, detection time is 150ms", took)
	}
	tr := p.trans[0][len(p.trans[0])-1]
	if tr.From != wire.Up || tr.To != wire.Down || tr.LocalDiag != wire.DiagExpired || tr.RemoteAdminDown {
		t.Fatalf("transition %+v", tr)
	}
	if p.s[0].Timers().RemoteDiscr != 0 {
		t.Fatal("remote discriminator kept after expiry")
	}
	// B hears A say Down and follows with diag 3.
	p.until(5*time.Second, func() bool { return p.s[1].State() == wire.Down })
	if d := p.trans[1][len(p.trans[1])-1].LocalDiag; d != wire.DiagNeighborDown {
		t.Fatalf("B diag %v", d)
	}
	// While Down, A is back at idle_tx.
	if got := p.s[0].Timers().TxInterval; got != time.Second {
		t.Fatalf("A tx interval while down %v", got)
	}
	p.drop[1] = false
	took = p.until(10*time.Second, p.bothUp)
	t.Logf("back Up %v after restoring", took)
}

func TestRemoteAdminDown(t *testing.T) {
	p := newPair(t, cfg("A", 50*time.Millisecond, 50*time.Millisecond, 3), cfg("B", 50*time.Millisecond, 50*time.Millisecond, 3))
	p.until(5*time.Second, p.bothUp)
	p.s[1].SetAdminDown(p.now)
	pk := p.s[1].Packet()
	if pk.State != wire.AdminDown || pk.Diag != wire.DiagAdminDown {
		t.Fatalf("admin down packet %+v", pk)
	}
	p.s[0].Receive(p.now, pk)
	tr := p.trans[0][len(p.trans[0])-1]
	if p.s[0].State() != wire.Down || tr.LocalDiag != wire.DiagNeighborDown || !tr.RemoteAdminDown {
		t.Fatalf("after peer AdminDown: %v %+v", p.s[0].State(), tr)
	}
	// An AdminDown session ignores everything and sends nothing.
	if p.s[1].Receive(p.now, p.s[0].Packet()) || p.s[1].Advance(p.now.Add(time.Hour)) {
		t.Fatal("AdminDown session is active")
	}
}

func TestPollGetsFinalAtOnce(t *testing.T) {
	s := NewSession(cfg("A", 50*time.Millisecond, 50*time.Millisecond, 3), 7, rand.New(rand.NewPCG(5, 6)).Int64N, quiet(), epoch)
	s.Advance(epoch) // the first Down packet
	ok := s.Receive(epoch, wire.Packet{State: wire.Down, Poll: true, DetectMult: 3, MyDiscr: 9,
		DesiredMinTx: 1000000, RequiredMinRx: 20000})
	if !ok || !s.Deadline().Before(epoch) || !s.Advance(epoch) {
		t.Fatal("no immediate answer to a poll")
	}
	if pk := s.Packet(); !pk.Final || pk.Poll || pk.YourDiscr != 9 || pk.State != wire.Init {
		t.Fatalf("answer %+v", pk)
	}
	if pk := s.Packet(); pk.Final {
		t.Fatal("final sent twice")
	}
}

func TestReceiveFilters(t *testing.T) {
	s := NewSession(cfg("A", 50*time.Millisecond, 50*time.Millisecond, 3), 7, rand.New(rand.NewPCG(5, 6)).Int64N, quiet(), epoch)
	good := wire.Packet{State: wire.Down, DetectMult: 3, MyDiscr: 9, DesiredMinTx: 1000000, RequiredMinRx: 20000}
	bad := good
	bad.YourDiscr = 8
	auth := good
	auth.Auth = true
	if s.Receive(epoch, bad) || s.Receive(epoch, auth) || s.State() != wire.Down {
		t.Fatal("accepted a packet for another session or with auth")
	}
	if !s.Receive(epoch, good) || s.State() != wire.Init {
		t.Fatal("good packet refused")
	}
}

func TestRemoteMinRxZeroStopsPeriodic(t *testing.T) {
	s := NewSession(cfg("A", 50*time.Millisecond, 50*time.Millisecond, 3), 7, rand.New(rand.NewPCG(5, 6)).Int64N, quiet(), epoch)
	s.Advance(epoch)
	s.Receive(epoch, wire.Packet{State: wire.Down, DetectMult: 3, MyDiscr: 9, DesiredMinTx: 1000000})
	for i := 1; i < 100; i++ {
		if s.Advance(epoch.Add(time.Duration(i) * 100 * time.Millisecond)) {
			t.Fatal("sent periodic packets to a peer asking for none")
		}
	}
}

func TestReconfigureKeepsSessionUp(t *testing.T) {
	a := cfg("A", 50*time.Millisecond, 50*time.Millisecond, 3)
	p := newPair(t, a, cfg("B", 10*time.Millisecond, 10*time.Millisecond, 3))
	p.until(5*time.Second, p.bothUp)
	p.until(5*time.Second, func() bool { return !p.s[0].Timers().PollRunning && !p.s[1].Timers().PollRunning })
	a.MinTx = 200 * time.Millisecond
	p.s[0].Reconfigure(p.now, a)
	if !p.s[0].Timers().PollRunning {
		t.Fatal("no poll sequence for a new min_tx")
	}
	// Until the Final the old interval stays in force.
	if got := p.s[0].Timers().TxInterval; got != 50*time.Millisecond {
		t.Fatalf("interval changed before the final: %v", got)
	}
	p.until(5*time.Second, func() bool { return !p.s[0].Timers().PollRunning })
	if got := p.s[0].Timers().TxInterval; got != 200*time.Millisecond {
		t.Fatalf("interval after final %v", got)
	}
	// B's detection time follows A's new min_tx: 3 × 200 ms.
	p.runFor(time.Second)
	if got := p.s[1].Timers().DetectTime; got != 600*time.Millisecond {
		t.Fatalf("B detection %v", got)
	}
	for i := range p.trans {
		if n := len(p.trans[i]); p.trans[i][n-1].To != wire.Up || n != 2 {
			t.Fatalf("side %d: session flapped: %+v", i, p.trans[i])
		}
	}
}

// TestInitExpires: a session that reached Init but hears nothing more
// falls back to Down after the detection time, quietly (keepalived logs
// the expiry only from Up).
func TestInitExpires(t *testing.T) {
	s := NewSession(cfg("A", 50*time.Millisecond, 50*time.Millisecond, 3), 7, rand.New(rand.NewPCG(5, 6)).Int64N, quiet(), epoch)
	var trans []Transition
	s.OnChange = func(tr Transition) { trans = append(trans, tr) }
	s.Receive(epoch, wire.Packet{State: wire.Down, DetectMult: 2, MyDiscr: 9, DesiredMinTx: 1000000, RequiredMinRx: 50000})
	if s.State() != wire.Init || s.Timers().DetectTime != 2*time.Second {
		t.Fatalf("state %v detect %v", s.State(), s.Timers().DetectTime)
	}
	s.Advance(epoch.Add(1999 * time.Millisecond))
	if s.State() != wire.Init {
		t.Fatal("expired early")
	}
	s.Advance(epoch.Add(2 * time.Second))
	if s.State() != wire.Down || len(trans) != 2 || trans[1].LocalDiag != wire.DiagExpired || s.Timers().RemoteDiscr != 0 {
		t.Fatalf("after the detection time: %v %+v", s.State(), trans)
	}
}
