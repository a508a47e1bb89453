package bfd

import (
	"context"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dsas/keepalived-go/bfd/wire"
)

// fakeTransport records what every session sends.
type fakeTransport struct {
	opened []*fakeSender
}

type fakeSender struct {
	spec   Spec
	sent   []wire.Packet
	closed bool
}

func (f *fakeTransport) Open(sp Spec) (Sender, error) {
	s := &fakeSender{spec: sp}
	f.opened = append(f.opened, s)
	return s, nil
}

func (s *fakeSender) Send(b []byte) error {
	p, err := wire.Decode(b)
	if err != nil {
		return err
	}
	s.sent = append(s.sent, p)
	return nil
}

func (s *fakeSender) Close() error { s.closed = true; return nil }

var (
	local = netip.MustParseAddr("192.0.2.1")
	peer  = netip.MustParseAddr("192.0.2.2")
)

func testEngine(t *testing.T) (*Engine, *fakeTransport, *[]string) {
	tr := &fakeTransport{}
	var events []string
	e := NewEngine(quiet(), tr, func(name string, up bool) {
		events = append(events, map[bool]string{true: name + " up", false: name + " down"}[up])
	})
	now := epoch
	e.now = func() time.Time { return now }
	return e, tr, &events
}

func testSpec(name string) Spec {
	return Spec{Config: cfg(name, 50*time.Millisecond, 50*time.Millisecond, 3), Neighbor: peer, Source: local, TTL: 255}
}

func TestEngineCountsAndDrops(t *testing.T) {
	e, _, _ := testEngine(t)
	e.Apply([]Spec{testSpec("B1")})
	down := wire.Packet{State: wire.Down, DetectMult: 3, MyDiscr: 77, DesiredMinTx: 1000000, RequiredMinRx: 50000}
	b := down.Append(nil)
	e.Input(b[:20], peer, local, 255)                        // short
	e.Input(b, netip.MustParseAddr("192.0.2.9"), local, 255) // unknown neighbour
	e.Input(b, peer, netip.MustParseAddr("192.0.2.8"), 255)  // not to our source
	e.Input(b, peer, local, 254)                             // one hop away
	stray := down
	stray.YourDiscr = 12345
	e.Input(stray.Append(nil), peer, local, 255) // another session's discriminator
	want := Counters{Malformed: 1, NoSession: 3, BadTTL: 1}
	if got := e.Counters(); got.Malformed != want.Malformed || got.NoSession != want.NoSession || got.BadTTL != want.BadTTL || got.Received != 0 {
		t.Fatalf("counters %+v, want %+v", got, want)
	}
	e.Input(b, peer, local, 0) // TTL unknown: accepted, as keepalived
	e.Input(b, peer, local, 255)
	if got := e.Counters().Received; got != 2 {
		t.Fatalf("received %d", got)
	}
	if s := e.Status(); s[0].State != wire.Init {
		t.Fatalf("state %v", s[0].State)
	}
}

func TestEngineMaxHops(t *testing.T) {
	e, _, _ := testEngine(t)
	sp := testSpec("B1")
	sp.MaxHops = 2
	e.Apply([]Spec{sp})
	b := (&wire.Packet{State: wire.Down, DetectMult: 3, MyDiscr: 77, DesiredMinTx: 1000000, RequiredMinRx: 50000}).Append(nil)
	e.Input(b, peer, local, 253)
	e.Input(b, peer, local, 252)
	if c := e.Counters(); c.Received != 1 || c.BadTTL != 1 {
		t.Fatalf("max_hops 2: %+v", c)
	}
	sp.MaxHops = 255 // max_hops -1: no check
	e.Apply([]Spec{sp})
	e.Input(b, peer, local, 1)
	if c := e.Counters(); c.Received != 2 {
		t.Fatalf("max_hops -1: %+v", c)
	}
}

// TestEngineSessionUpAndEvents drives a session Up by hand and checks the
// tracker events: Up, a fall from Up, and no event when the peer goes
// AdminDown.
func TestEngineSessionUpAndEvents(t *testing.T) {
	e, tr, events := testEngine(t)
	e.Apply([]Spec{testSpec("B1")})
	e.flushLocked(epoch)
	mine := tr.opened[0].sent[0].MyDiscr
	in := func(st wire.State) {
		p := wire.Packet{State: st, DetectMult: 3, MyDiscr: 77, YourDiscr: mine, DesiredMinTx: 50000, RequiredMinRx: 50000}
		e.Input(p.Append(nil), peer, local, 255)
	}
	in(wire.Init)
	in(wire.Down)
	in(wire.Init)
	in(wire.AdminDown)
	want := []string{"B1 up", "B1 down", "B1 up"}
	if len(*events) != len(want) {
		t.Fatalf("events %v, want %v", *events, want)
	}
	for i := range want {
		if (*events)[i] != want[i] {
			t.Fatalf("events %v, want %v", *events, want)
		}
	}
	if s := e.Status(); s[0].State != wire.Down || s[0].Timers.LocalDiag != wire.DiagNeighborDown {
		t.Fatalf("after peer AdminDown: %+v", s[0])
	}
}

func TestEngineApplyKeepsOrReplaces(t *testing.T) {
	e, tr, _ := testEngine(t)
	e.Apply([]Spec{testSpec("B1")})
	e.flushLocked(epoch)
	first := tr.opened[0].sent[0].MyDiscr
	// New intervals: the same session, the same socket.
	sp := testSpec("B1")
	sp.MinTx = 100 * time.Millisecond
	e.Apply([]Spec{sp})
	if len(tr.opened) != 1 || e.Status()[0].Name != "B1" {
		t.Fatalf("session replaced for a timer change: %d sockets", len(tr.opened))
	}
	if got := e.byDiscr[first]; got == nil || got.spec.MinTx != 100*time.Millisecond {
		t.Fatal("discriminator changed or timers not applied")
	}
	// A new neighbour: the old session says AdminDown and goes.
	sp.Neighbor = netip.MustParseAddr("192.0.2.3")
	e.Apply([]Spec{sp})
	old := tr.opened[0]
	if !old.closed || len(old.sent) < 4 {
		t.Fatalf("old session: closed %v, %d packets", old.closed, len(old.sent))
	}
	for _, p := range old.sent[len(old.sent)-3:] {
		if p.State != wire.AdminDown || p.Diag != wire.DiagAdminDown {
			t.Fatalf("farewell %+v", p)
		}
	}
	if len(tr.opened) != 2 || e.byDiscr[first] != nil {
		t.Fatal("new session not opened, or old discriminator kept")
	}
	e.Apply(nil)
	if !tr.opened[1].closed || len(e.Status()) != 0 {
		t.Fatal("sessions left after Apply(nil)")
	}
}

// TestEngineReadsBeforeExpiry: when a session's detection timer is due
// while a packet waits unread (the process was not scheduled), Run lets
// the reader hand it over first, so the session stays Up; without a way
// to see pending input the same packet comes too late.
func TestEngineReadsBeforeExpiry(t *testing.T) {
	for _, withPending := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			var mu sync.Mutex
			var events []string
			e := NewEngine(quiet(), &lockedTransport{}, func(name string, up bool) {
				mu.Lock()
				defer mu.Unlock()
				events = append(events, map[bool]string{true: "up", false: "down"}[up])
			})
			e.Apply([]Spec{testSpec("B1")})
			discr := e.sessions["B1"].s.Discriminator()
			pkt := func(st wire.State, your uint32) []byte {
				p := wire.Packet{State: st, DetectMult: 3, MyDiscr: 77, YourDiscr: your,
					DesiredMinTx: 50000, RequiredMinRx: 50000}
				return p.Append(nil)
			}
			e.Input(pkt(wire.Down, 0), peer, local, 255)
			e.Input(pkt(wire.Up, discr), peer, local, 255)
			var queued atomic.Bool
			if withPending {
				e.SetPending(queued.Load)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { e.Run(ctx); close(done) }()
			// The peer's next packet reaches the host just before the
			// detection time (150 ms) and is read 1 ms after it.
			time.Sleep(149 * time.Millisecond)
			queued.Store(true)
			time.Sleep(2 * time.Millisecond)
			e.Input(pkt(wire.Up, discr), peer, local, 255)
			queued.Store(false)
			synctest.Wait()
			mu.Lock()
			got := strings.Join(events, " ")
			mu.Unlock()
			want := "up"
			if !withPending {
				want = "up down"
			}
			if got != want {
				t.Errorf("pending input seen %v: events %q, want %q", withPending, got, want)
			}
			cancel()
			<-done
		})
	}
}

// lockedTransport is a Transport whose senders may be used from Run.
type lockedTransport struct{}

func (lockedTransport) Open(Spec) (Sender, error) { return nopSender{}, nil }

type nopSender struct{}

func (nopSender) Send([]byte) error { return nil }
func (nopSender) Close() error      { return nil }

// TestEngineInputExpiresNoOther: a packet handed in after a stall advances
// only its own session; another whose detection time passed meanwhile is
// left to Run, which reads the queued packets first.
func TestEngineInputExpiresNoOther(t *testing.T) {
	e, _, events := testEngine(t)
	peer2 := netip.MustParseAddr("192.0.2.3")
	sp2 := testSpec("B2")
	sp2.Neighbor = peer2
	e.Apply([]Spec{testSpec("B1"), sp2})
	now := epoch
	e.now = func() time.Time { return now }
	up := func(name string, from netip.Addr) {
		d := e.sessions[name].s.Discriminator()
		for _, st := range []wire.State{wire.Down, wire.Up} {
			your := d
			if st == wire.Down {
				your = 0
			}
			p := wire.Packet{State: st, DetectMult: 3, MyDiscr: 77, YourDiscr: your, DesiredMinTx: 50000, RequiredMinRx: 50000}
			e.Input(p.Append(nil), from, local, 255)
		}
	}
	up("B1", peer)
	up("B2", peer2)
	now = now.Add(time.Second) // the process was not scheduled
	p := wire.Packet{State: wire.Up, DetectMult: 3, MyDiscr: 77, YourDiscr: e.sessions["B1"].s.Discriminator(),
		DesiredMinTx: 50000, RequiredMinRx: 50000}
	e.Input(p.Append(nil), peer, local, 255)
	if got := strings.Join(*events, " "); got != "B1 up B2 up" {
		t.Fatalf("events %q: Input expired another session", got)
	}
	e.mu.Lock()
	e.flushLocked(now) // Run, when nothing is queued: B2 is gone
	e.mu.Unlock()
	if got := strings.Join(*events, " "); got != "B1 up B2 up B2 down" {
		t.Fatalf("events %q", got)
	}
}

// TestEngineStopIsSilent: at a stop keepalived's BFD child just stops
// sending, so the peer times the session out and tells its trackers; an
// AdminDown would be reported to none of them.
func TestEngineStopIsSilent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, tr, _ := testEngine(t)
		e.Apply([]Spec{testSpec("B1")})
		e.flushLocked(epoch)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { e.Run(ctx); close(done) }()
		synctest.Wait()
		cancel()
		<-done
		s := tr.opened[0]
		for _, p := range s.sent {
			if p.State == wire.AdminDown {
				t.Fatalf("AdminDown sent at stop: %+v", p)
			}
		}
		if !s.closed || len(e.Status()) != 0 {
			t.Fatalf("socket closed %v, %d sessions left", s.closed, len(e.Status()))
		}
	})
}

// failingTransport fails to bind until ok is set.
type failingTransport struct {
	fakeTransport
	ok    bool
	tries int
}

func (f *failingTransport) Open(sp Spec) (Sender, error) {
	f.tries++
	if !f.ok {
		return nil, &os.SyscallError{Syscall: "bind", Err: syscall.EADDRNOTAVAIL}
	}
	return f.fakeTransport.Open(sp)
}

// TestEngineOpenFailureAdminDown: a session whose socket cannot be opened
// (source address not on the host) goes AdminDown with keepalived's three
// lines (corpus 041), sends nothing, tries again 60 s later (logging the
// bind error again), and once open leaves AdminDown for Down silently
// and starts sending.
func TestEngineOpenFailureAdminDown(t *testing.T) {
	var logs strings.Builder
	tr := &failingTransport{}
	e := NewEngine(slog.New(slog.NewTextHandler(&logs, nil)), tr, nil)
	now := epoch
	e.now = func() time.Time { return now }
	e.Apply([]Spec{testSpec("BFD1")})
	for _, want := range []string{"(BFD1) bind() error (Cannot assign requested address)",
		"(BFD1) Unable to open output socket, disabling instance", "(BFD1) Entering AdminDown state"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %q in\n%s", want, logs.String())
		}
	}
	if s := e.Status(); s[0].State != wire.AdminDown {
		t.Fatalf("state %v", s[0].State)
	}
	now = now.Add(30 * time.Second)
	e.flushLocked(now)
	if tr.tries != 1 {
		t.Fatalf("%d tries before the minute", tr.tries)
	}
	if next := e.nextLocked(); !next.Equal(epoch.Add(openRetry)) {
		t.Fatalf("next wake %v", next)
	}
	now = epoch.Add(openRetry)
	e.flushLocked(now)
	if tr.tries != 2 || strings.Count(logs.String(), "bind() error") != 2 || strings.Count(logs.String(), "Unable to open") != 1 {
		t.Fatalf("retry: %d tries\n%s", tr.tries, logs.String())
	}
	tr.ok = true
	now = now.Add(openRetry)
	e.flushLocked(now)
	if s := e.Status(); s[0].State != wire.Down || len(tr.opened) != 1 {
		t.Fatalf("after a good retry: state %v, %d opened", s[0].State, len(tr.opened))
	}
	now = now.Add(2 * time.Second)
	e.flushLocked(now)
	if len(tr.opened[0].sent) == 0 {
		t.Fatal("nothing sent once open")
	}
}
