package check

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
)

// fakeProbe answers whatever the test last told it.
type fakeProbe struct {
	mu    sync.Mutex
	err   error
	res   probe.Result
	calls int
}

func (f *fakeProbe) set(ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = nil
	if !ok {
		f.err = errors.New("fake failure")
	}
}

func (f *fakeProbe) setResult(r probe.Result) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err, f.res = r.Err, r
}

func (f *fakeProbe) n() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeProbe) Check(context.Context) probe.Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return probe.Result{Err: f.err}
	}
	return f.res
}

// recSink records sink calls as readable lines, with the offset from t0.
type recSink struct {
	mu      sync.Mutex
	t0      time.Time
	lines   []string
	members map[string][]Member
}

func newRecSink() *recSink { return &recSink{t0: time.Now(), members: map[string][]Member{}} }

func (s *recSink) SetMembers(vs string, m []Member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[vs] = m
	var parts []string
	for _, x := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", x.ID, x.Weight))
	}
	s.lines = append(s.lines, fmt.Sprintf("%v set %s [%s]", time.Since(s.t0), vs, strings.Join(parts, " ")))
}

func (s *recSink) Event(e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	flags := ""
	if e.Init {
		flags += " init"
	}
	if e.Shutdown {
		flags += " shutdown"
	}
	if len(e.Command) > 0 {
		flags += " cmd=" + strings.Join(e.Command, " ")
	}
	s.lines = append(s.lines, fmt.Sprintf("%v %s", e.Time.Sub(s.t0), strings.TrimSpace(e.FIFOLine())+flags))
}

func (s *recSink) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lines
	s.lines = nil
	return l
}

func timing(alpha bool) Timing {
	return Timing{DelayLoop: 10 * time.Second, DelayBeforeRetry: 3 * time.Second, Retry: 2, Alpha: alpha}
}

func want(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("sink calls:\n got:\n  %s\n want:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// run starts the engine in the bubble and returns a stop func that waits
// for Run to return.
func run(t *testing.T, vss []VirtualServer, sink Sink, opts ...Option) func() {
	t.Helper()
	e, err := New(vss, sink, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = e.Run(ctx); close(done) }()
	synctest.Wait()
	return func() { cancel(); <-done }
}

// step sleeps in the bubble's fake time then lets the engine settle.
func step(d time.Duration) { time.Sleep(d); synctest.Wait() }

func TestRetryThenDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &fakeProbe{}
		sink := newRecSink()
		vs := VirtualServer{ID: "VS", Reals: []RealServer{{ID: "rs1", Weight: 5, NotifyDown: Command{"/bin/down"},
			Checkers: []Checker{{Kind: "TCP_CHECK", Probe: p, Timing: timing(false)}}}}}
		stop := run(t, []VirtualServer{vs}, sink)
		defer stop()
		want(t, sink.take(), "0s VS VS UP init", "0s set VS [rs1=5]")

		step(1 * time.Second) // first check ok at 1s (warmup 0)
		want(t, sink.take())
		p.set(false)
		step(10 * time.Second) // 11s: fails, retry 1 of 2 at 14s
		step(3 * time.Second)  // 14s: retry 2 at 17s
		want(t, sink.take())
		step(3 * time.Second) // 17s: retries exhausted
		want(t, sink.take(), "17s RS rs1 VS DOWN cmd=/bin/down", "17s VS VS DOWN", "17s set VS []")

		// While down, failures come every delay_loop and change nothing.
		step(10 * time.Second)
		want(t, sink.take())
		p.set(true)
		step(10 * time.Second) // 37s
		want(t, sink.take(), "37s RS rs1 VS UP", "37s VS VS UP", "37s set VS [rs1=5]")

		// A success in the middle of retries resets the count.
		p.set(false)
		step(10 * time.Second) // 47s fail
		p.set(true)
		step(3 * time.Second) // 50s ok
		p.set(false)
		step(10 * time.Second) // 60s fail, 63s, 66s down
		step(3 * time.Second)
		want(t, sink.take())
		step(3 * time.Second)
		want(t, sink.take(), "1m6s RS rs1 VS DOWN cmd=/bin/down", "1m6s VS VS DOWN", "1m6s set VS []")
	})
}

func TestFirstFailureIsImmediate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &fakeProbe{}
		p.set(false)
		sink := newRecSink()
		vs := VirtualServer{ID: "VS", Reals: []RealServer{{ID: "rs1", Weight: 1, InhibitOnFailure: true,
			Checkers: []Checker{{Kind: "TCP_CHECK", Probe: p, Timing: timing(false)}}}}}
		stop := run(t, []VirtualServer{vs}, sink)
		defer stop()
		step(1 * time.Second)
		want(t, sink.take(), "0s VS VS UP init", "0s set VS [rs1=1]", "1s RS rs1 VS DOWN", "1s VS VS DOWN", "1s set VS [rs1=0]")
	})
}

func TestAlpha(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		up, down := &fakeProbe{}, &fakeProbe{}
		down.set(false)
		bt := timing(true)
		bt.Warmup = 2 * time.Second // keeps the two first checks apart
		sink := newRecSink()
		vs := VirtualServer{ID: "VS", Quorum: 1, Reals: []RealServer{
			{ID: "a", Weight: 1, Checkers: []Checker{{Probe: up, Timing: timing(true)}}},
			{ID: "b", Weight: 1, NotifyDown: Command{"nd"}, Checkers: []Checker{{Probe: down, Timing: bt}}},
		}}
		stop := run(t, []VirtualServer{vs}, sink, WithRand(func(n int64) int64 { return n - 1 }))
		defer stop()
		step(3 * time.Second)
		want(t, sink.take(), "0s set VS []",
			"1s RS a VS UP", "1s VS VS UP", "1s set VS [a=1]",
			"3s RS b VS DOWN init cmd=nd")
		step(10 * time.Second) // an alpha failure is reported once only
		want(t, sink.take())
	})
}

func TestQuorumHysteresisSorry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps := []*fakeProbe{{}, {}, {}}
		var reals []RealServer
		for i, p := range ps {
			reals = append(reals, RealServer{ID: fmt.Sprint("r", i), Weight: 1, InhibitOnFailure: i == 2,
				Checkers: []Checker{{Probe: p, Timing: Timing{DelayLoop: 10 * time.Second}}}})
		}
		sink := newRecSink()
		vs := VirtualServer{ID: "VS", Quorum: 2, Hysteresis: 1, QuorumUp: Command{"qu"}, QuorumDown: Command{"qd"},
			Sorry: &SorryServer{ID: "sorry"}, Reals: reals}
		stop := run(t, []VirtualServer{vs}, sink)
		defer stop()
		// keepalived starts from quorum down: quorum_up runs at start.
		want(t, sink.take(), "0s VS VS UP init cmd=qu", "0s set VS [r0=1 r1=1 r2=1]")
		step(1 * time.Second)

		// Down to 1 of 3: still ≥ quorum-hysteresis (1), no quorum change.
		ps[0].set(false)
		step(10 * time.Second)
		want(t, sink.take(), "11s RS r0 VS DOWN", "11s set VS [r1=1 r2=1]")
		ps[1].set(false)
		step(10 * time.Second)
		want(t, sink.take(), "21s RS r1 VS DOWN", "21s set VS [r2=1]")
		ps[2].set(false)
		step(10 * time.Second)
		want(t, sink.take(), "31s RS r2 VS DOWN", "31s VS VS DOWN cmd=qd", "31s set VS [r2=0 sorry=1]")

		// Coming back needs quorum+hysteresis = 3; meanwhile the sorry
		// server stays and live servers stay out.
		ps[0].set(true)
		step(10 * time.Second)
		ps[1].set(true)
		step(10 * time.Second)
		want(t, sink.take(), "41s RS r0 VS UP", "51s RS r1 VS UP")
		ps[2].set(true)
		step(10 * time.Second)
		want(t, sink.take(), "1m1s RS r2 VS UP", "1m1s VS VS UP cmd=qu", "1m1s set VS [r0=1 r1=1 r2=1]")
	})
}

func TestSorryAtStartAndInhibit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &fakeProbe{}
		sink := newRecSink()
		vs := VirtualServer{ID: "VS", QuorumDown: Command{"qd"}, Sorry: &SorryServer{ID: "sorry", Inhibit: true},
			Reals: []RealServer{{ID: "r", Weight: 3, Checkers: []Checker{{Probe: p, Timing: timing(true)}}}}}
		stop := run(t, []VirtualServer{vs}, sink)
		defer stop()
		want(t, sink.take(), "0s VS VS DOWN init cmd=qd", "0s set VS [sorry=1]")
		step(1 * time.Second)
		want(t, sink.take(), "1s RS r VS UP", "1s VS VS UP", "1s set VS [r=3 sorry=0]")
	})
}

func TestDynamicWeight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		misc, file := &fakeProbe{}, &fakeProbe{}
		sink := newRecSink()
		tm := Timing{DelayLoop: 10 * time.Second}
		vs := VirtualServer{ID: "VS", Reals: []RealServer{{ID: "r", Weight: 10, Checkers: []Checker{
			{Probe: misc, Timing: tm}, {Probe: file, Timing: tm}}}}}
		stop := run(t, []VirtualServer{vs}, sink)
		defer stop()
		sink.take()
		misc.setResult(probe.Result{Mode: probe.WeightAbsolute, Weight: 40})
		file.setResult(probe.Result{Mode: probe.WeightRelative, Weight: -5})
		step(1 * time.Second)
		if m := sink.members["VS"]; len(m) != 1 || m[0].Weight != 35 {
			t.Fatalf("members %v, want r=35 (misc 40, file -5)", m)
		}
		file.setResult(probe.Result{Mode: probe.WeightRelative, Weight: -100})
		step(10 * time.Second)
		if m := sink.members["VS"]; len(m) != 1 || m[0].Weight != 0 {
			t.Fatalf("members %v, want r=0 (clamped)", m)
		}
	})
}

func TestWarmupAndJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &fakeProbe{}
		sink := newRecSink()
		tm := Timing{DelayLoop: 10 * time.Second, Warmup: 10 * time.Second}
		vs := VirtualServer{ID: "VS", Reals: []RealServer{{ID: "r", Weight: 1, Checkers: []Checker{{Probe: p, Timing: tm}}}}}
		var asked []int64
		randN := func(n int64) int64 { asked = append(asked, n); return n - 1 }
		stop := run(t, []VirtualServer{vs}, sink, WithRand(randN), WithJitter(0.5))
		defer stop()
		step(11*time.Second - 1)
		if p.n() != 0 {
			t.Fatalf("checked before 1s+warmup")
		}
		step(1)
		if p.n() != 1 {
			t.Fatalf("calls = %d at 1s+warmup, want 1", p.n())
		}
		step(15 * time.Second) // next = +10s + 5s of jitter
		if p.n() != 2 {
			t.Fatalf("calls = %d, want 2", p.n())
		}
		if asked[0] != int64(10*time.Second)+1 || asked[1] != int64(5*time.Second)+1 {
			t.Fatalf("rand asked %v", asked)
		}
	})
}

func TestOmegaShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newRecSink()
		vs := VirtualServer{ID: "VS", Omega: true, QuorumDown: Command{"qd"},
			Reals: []RealServer{{ID: "r", Weight: 1, NotifyDown: Command{"nd"}}}}
		stop := run(t, []VirtualServer{vs}, sink)
		step(time.Minute)
		stop()
		want(t, sink.take(), "0s VS VS UP init", "0s set VS [r=1]", "1m0s RS r VS DOWN shutdown cmd=nd", "1m0s VS VS DOWN shutdown cmd=qd")
	})
}

// blockProbe hangs until cancelled, like a black-holed peer.
type blockProbe struct{}

func (blockProbe) Check(ctx context.Context) probe.Result {
	<-ctx.Done()
	return probe.Result{Err: ctx.Err()}
}

// TestNoGoroutineLeak: 50 black-holed checks are cancelled at stop. In a
// synctest bubble, which fails the test if any goroutine it started is
// still there when it ends.
func TestNoGoroutineLeak(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var reals []RealServer
		for i := range 50 {
			reals = append(reals, RealServer{ID: fmt.Sprint(i), Weight: 1, Checkers: []Checker{
				{Probe: blockProbe{}, Timing: Timing{DelayLoop: time.Second}},
				{Probe: &fakeProbe{}, Timing: Timing{DelayLoop: time.Second}}}})
		}
		e, err := New([]VirtualServer{{ID: "VS", Reals: reals}}, newRecSink())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel()
		if err := e.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if e.Checks() != 50 {
			t.Errorf("checks = %d, want 50", e.Checks())
		}
	})
}

func TestNewRejects(t *testing.T) {
	tm := Timing{DelayLoop: time.Second}
	for name, vss := range map[string][]VirtualServer{
		"dup vs":    {{ID: "a"}, {ID: "a"}},
		"dup rs":    {{ID: "a", Reals: []RealServer{{ID: "r"}, {ID: "r"}}}},
		"nil probe": {{ID: "a", Reals: []RealServer{{ID: "r", Checkers: []Checker{{Timing: tm}}}}}},
		"no delay":  {{ID: "a", Reals: []RealServer{{ID: "r", Checkers: []Checker{{Probe: &fakeProbe{}}}}}}},
	} {
		if _, err := New(vss, newRecSink()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestWake: Wake runs the checkers with that key at once, not at their
// next period, and leaves the others alone (BFD_CHECK's events).
func TestWake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, other := &fakeProbe{}, &fakeProbe{}
		sink := newRecSink()
		tm := Timing{DelayLoop: time.Second}
		vs := VirtualServer{ID: "VS", Reals: []RealServer{
			{ID: "rs1", Weight: 1, Checkers: []Checker{{Kind: "BFD_CHECK", Probe: p, Timing: tm, Wake: "bfd:B1"}}},
			{ID: "rs2", Weight: 1, Checkers: []Checker{{Kind: "BFD_CHECK", Probe: other, Timing: tm, Wake: "bfd:B2"}}}}}
		e, err := New([]VirtualServer{vs}, sink)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = e.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		synctest.Wait()
		step(1 * time.Second) // both checked once at 1s
		sink.take()
		step(300 * time.Millisecond)
		p.set(false)
		e.Wake("bfd:B1")
		synctest.Wait()
		want(t, sink.take(), "1.3s RS rs1 VS DOWN", "1.3s set VS [rs2=1]")
		if other.n() != 1 {
			t.Errorf("rs2's checker ran %d times, want 1: Wake ran a checker of another key", other.n())
		}
		p.set(true)
		step(100 * time.Millisecond)
		e.Wake("bfd:B1")
		synctest.Wait()
		want(t, sink.take(), "1.4s RS rs1 VS UP", "1.4s set VS [rs1=1 rs2=1]")
	})
}

// ckSink records every event with the checker fields.
type ckSink struct {
	mu    sync.Mutex
	lines []string
}

func (s *ckSink) SetMembers(string, []Member) {}
func (s *ckSink) Event(e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := e.Kind.String()
	switch e.Kind {
	case CheckerUp, CheckerDown:
		l += fmt.Sprintf(" %s#%d first=%v alive=%v changed=%v", e.Checker, e.CheckerIndex, e.First, e.Alive, e.AliveChanged)
	case QuorumUp, QuorumDown:
		l += fmt.Sprintf(" %d+%d=%d <= %d", e.Quorum, e.Hysteresis, e.Threshold, e.Weight)
	}
	s.lines = append(s.lines, l)
}

func (s *ckSink) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lines
	s.lines = nil
	return l
}

// TestCheckerEvents: under WithCheckerEvents each checker's flip and first
// verdict is stated after the real server and quorum events it caused,
// with the real server's alive state (keepalived's checkers mail then).
func TestCheckerEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tcp, misc := &fakeProbe{}, &fakeProbe{}
		tm := Timing{DelayLoop: 10 * time.Second, DelayBeforeRetry: time.Second}
		sink := &ckSink{}
		vs := VirtualServer{ID: "VS", Quorum: 2, Hysteresis: 1, Reals: []RealServer{{ID: "rs1", Weight: 3,
			Checkers: []Checker{{Kind: "TCP_CHECK", Probe: tcp, Timing: tm}, {Kind: "MISC_CHECK", Probe: misc, Timing: tm}}}}}
		vs.Reals[0].Checkers[1].Timing.Warmup = 2 * time.Second // MISC_CHECK at 3s, 13s...
		stop := run(t, []VirtualServer{vs}, sink, WithCheckerEvents(), WithRand(func(n int64) int64 { return n - 1 }))
		defer stop()
		want(t, sink.take(), "VS UP 2+1=3 <= 3")
		step(time.Second)
		want(t, sink.take(), "CHECKER UP TCP_CHECK#0 first=true alive=true changed=false")
		step(2 * time.Second)
		want(t, sink.take(), "CHECKER UP MISC_CHECK#1 first=true alive=true changed=false")
		tcp.set(false)
		step(8 * time.Second)
		want(t, sink.take(), "RS DOWN", "VS DOWN 2+1=1 <= 0", "CHECKER DOWN TCP_CHECK#0 first=false alive=false changed=true")
		misc.set(false)
		step(2 * time.Second)
		want(t, sink.take(), "CHECKER DOWN MISC_CHECK#1 first=false alive=false changed=false")
		tcp.set(true)
		step(8 * time.Second)
		want(t, sink.take(), "CHECKER UP TCP_CHECK#0 first=false alive=false changed=false")
		misc.set(true)
		step(2 * time.Second)
		want(t, sink.take(), "RS UP", "VS UP 2+1=3 <= 3", "CHECKER UP MISC_CHECK#1 first=false alive=true changed=true")
	})
}

// TestSetWeightLeavesSpecs: the engine shares its caller's specs (New), so
// SetWeight moves a weight of its own and the caller's stays as configured.
func TestSetWeightLeavesSpecs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &fakeProbe{}
		p.set(true)
		sink := newRecSink()
		vss := []VirtualServer{{ID: "VS", Reals: []RealServer{{ID: "r", Weight: 10, Checkers: []Checker{
			{Probe: p, Timing: Timing{DelayLoop: 10 * time.Second}}}}}}}
		e, err := New(vss, sink)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = e.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		step(2 * time.Second)
		if old, ok := e.SetWeight("VS", "r", 25); !ok || old != 10 {
			t.Fatalf("SetWeight = %d, %v; want 10, true", old, ok)
		}
		step(time.Second)
		if m := sink.members["VS"]; len(m) != 1 || m[0].Weight != 25 {
			t.Fatalf("members %v, want r=25", m)
		}
		if w := vss[0].Reals[0].Weight; w != 10 {
			t.Fatalf("the caller's spec has weight %d, want 10 as configured", w)
		}
	})
}
