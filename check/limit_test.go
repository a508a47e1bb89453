package check

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
)

func TestLimiterGrowsWhileFullAndCutsOncePerWave(t *testing.T) {
	l := newLimiter(0, 1000)
	if l.limit != initialLimit {
		t.Fatalf("initial limit %v, want %d", l.limit, initialLimit)
	}
	t0 := time.Now()
	l.observe(false, t0)
	if l.limit != initialLimit {
		t.Fatalf("grew to %v without holding a check back", l.limit)
	}
	if l.admit(initialLimit) {
		t.Fatal("admitted past the limit")
	}
	l.observe(false, t0)
	if l.limit != initialLimit+1 {
		t.Fatalf("after a held-back check and an on-time one: %v, want %d", l.limit, initialLimit+1)
	}
	l.observe(true, time.Now())
	cut := l.limit
	if cut >= initialLimit {
		t.Fatalf("late check did not cut: %v", cut)
	}
	l.observe(true, t0) // started before the cut: same wave
	if l.limit != cut {
		t.Fatalf("second cut in one wave: %v, want %v", l.limit, cut)
	}
	for range 50 {
		l.observe(true, time.Now().Add(time.Hour))
	}
	if l.limit != minLimit {
		t.Fatalf("floor: %v, want %d", l.limit, minLimit)
	}
	// Above ssthresh growth is one per round, not one per check.
	l.full = true
	l.observe(false, t0)
	if l.limit != minLimit+1.0/minLimit {
		t.Fatalf("congestion avoidance: %v", l.limit)
	}
	if f := newLimiter(8, 1000); !f.admit(7) || f.admit(8) {
		t.Fatal("fixed bound not applied")
	}
}

func TestLateClassification(t *testing.T) {
	c := newCheckerState(&Checker{Kind: "HTTP_GET"})
	if c.late(probe.Result{}, 10*time.Millisecond, 0) || c.late(probe.Result{}, 12*time.Millisecond, 0) {
		t.Fatal("usual successes counted late")
	}
	if !c.late(probe.Result{}, 200*time.Millisecond, 0) {
		t.Fatal("a success 16x slower than usual is late")
	}
	ioTimeout := probe.Result{Err: fmt.Errorf("http x: status line: %w", &os.PathError{Op: "read", Err: os.ErrDeadlineExceeded})}
	if c.late(probe.Result{}, 400*time.Millisecond, time.Second) || !c.late(probe.Result{}, 600*time.Millisecond, time.Second) {
		t.Fatal("with a budget, late is past half of it")
	}
	if !c.late(ioTimeout, time.Second, time.Second) {
		t.Fatal("a read timeout on a made connection is late")
	}
	dialTimeout := probe.Result{Err: fmt.Errorf("http x: %w", &net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded})}
	if c.late(dialTimeout, time.Second, time.Second) {
		t.Fatal("a connect timeout (black hole) is the peer's state")
	}
	if c.late(probe.Result{Err: errors.New("connection refused")}, time.Millisecond, time.Second) {
		t.Fatal("a refusal is not late")
	}
	u := newCheckerState(&Checker{Kind: "UDP_CHECK"})
	if u.late(ioTimeout, time.Second, 0) {
		t.Fatal("a UDP peer that does not answer is down, not late")
	}
}

// cpuBoundProbe models a host with a fixed capacity: a check costs 10 ms
// of a shared CPU, so with k in flight each takes k × 10 ms, and one that
// would take longer than its 1 s connect_timeout times out on the read.
type cpuBoundProbe struct {
	running *atomic.Int64
	ok      *atomic.Int64
}

func (p cpuBoundProbe) Check(context.Context) probe.Result {
	k := p.running.Add(1)
	defer p.running.Add(-1)
	d := time.Duration(k) * 10 * time.Millisecond
	if d > time.Second {
		time.Sleep(time.Second)
		return probe.Result{Err: &os.PathError{Op: "read", Err: os.ErrDeadlineExceeded}}
	}
	time.Sleep(d)
	p.ok.Add(1)
	return probe.Result{}
}

// TestAdaptiveBoundAvoidsCollapse: 1 000 HTTP checkers due every second on
// a host that can do 100 checks a second. Started all at once, every check
// times out; with the adaptive bound most of the capacity is used.
func TestAdaptiveBoundAvoidsCollapse(t *testing.T) {
	answered := func(opts ...Option) int64 {
		var got int64
		synctest.Test(t, func(t *testing.T) {
			var running, ok atomic.Int64
			p := cpuBoundProbe{&running, &ok}
			tm := Timing{DelayLoop: time.Second, DelayBeforeRetry: time.Second, Retry: 1, Warmup: time.Second}
			vs := VirtualServer{ID: "vs"}
			for i := range 1000 {
				vs.Reals = append(vs.Reals, RealServer{ID: strconv.Itoa(i), Weight: 1,
					Checkers: []Checker{{Kind: "HTTP_GET", Probe: p, Timing: tm}}})
			}
			stop := run(t, []VirtualServer{vs}, nopSink{}, opts...)
			step(10 * time.Second)
			ok0 := ok.Load()
			step(20 * time.Second)
			got = ok.Load() - ok0
			stop()
		})
		return got
	}
	storm := answered(WithMaxInFlight(1 << 20))
	adaptive := answered()
	t.Logf("answered checks in 20 s at 100/s capacity: all at once %d, adaptive %d", storm, adaptive)
	if adaptive < 1200 || adaptive < 4*storm {
		t.Fatalf("adaptive bound answered %d checks in 20 s (capacity 2000), all at once %d", adaptive, storm)
	}
}
