package vrrp

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The production clock fires timers earliest deadline first, ties in
// arming order, whatever order they were armed in.
func TestTimerLoopOrder(t *testing.T) {
	l := newTimerLoop()
	got := make(chan int, 8)
	for _, c := range []struct {
		id int
		d  time.Duration
	}{{3, 30 * time.Millisecond}, {1, 10 * time.Millisecond}, {2, 20 * time.Millisecond}, {4, 30 * time.Millisecond}} {
		l.AfterFunc(c.d, func() { got <- c.id })
	}
	for want := 1; want <= 4; want++ {
		if id := <-got; id != want {
			t.Fatalf("timer %d fired, want %d", id, want)
		}
	}
}

// A timer armed earlier than the one the loop sleeps for wakes it; a
// stopped timer never fires; Stop and Reset report whether it was armed.
func TestTimerLoopKickAndStop(t *testing.T) {
	l := newTimerLoop()
	far := l.AfterFunc(time.Hour, func() { t.Error("far timer fired") })
	stopped := l.AfterFunc(time.Millisecond, func() { t.Error("stopped timer fired") })
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop: want true then false")
	}
	time.Sleep(5 * time.Millisecond) // the loop is now asleep until far
	done := make(chan struct{})
	near := l.AfterFunc(time.Hour, func() { close(done) })
	if !near.Reset(time.Millisecond) {
		t.Fatal("Reset of an armed timer reported false")
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("a timer armed before the loop's deadline did not wake it")
	}
	if !far.Stop() {
		t.Fatal("far timer was not armed")
	}
	l.mu.Lock()
	n := len(l.h)
	l.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d timers left armed", n)
	}
}

// A timer moved later keeps its old place in the heap until that place
// comes up; it still fires at its new deadline, after timers due before
// it, and ties still go in the order the timers were last armed.
func TestTimerLoopMovedLater(t *testing.T) {
	l := newTimerLoop()
	got := make(chan string, 8)
	base := time.Now()
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	arm := func(name string, ms int) *loopTimer {
		tm := l.AfterFunc(time.Hour, func() { got <- name }).(*loopTimer)
		tm.resetAt(at(ms))
		return tm
	}
	a := arm("a", 20)
	arm("b", 40)
	a.resetAt(at(60)) // later: stays where it was in the heap
	arm("tie", 60)    // same deadline, armed after a's move
	a.resetAt(at(60)) // re-armed to the same deadline: now after tie
	c := arm("c", 80)
	c.resetAt(at(30)) // earlier: moves up at once
	for _, want := range []string{"c", "b", "tie", "a"} {
		select {
		case name := <-got:
			if name != want {
				t.Fatalf("%s fired, want %s", name, want)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s never fired", want)
		}
	}
}

// A callback may re-arm its own timer, as the advert timer does.
func TestTimerLoopRearmFromCallback(t *testing.T) {
	l := newTimerLoop()
	n := 0
	done := make(chan struct{})
	var tm Timer
	tm = l.AfterFunc(time.Hour, func() {
		n++
		if n == 3 {
			close(done)
			return
		}
		tm.Reset(time.Millisecond)
	})
	tm.Reset(time.Millisecond) // after tm is assigned
	<-done
}

// The heap keeps its order and every timer's index through pushes, moves
// and removals.
func TestLoopHeap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h loopHeap
	seq := uint64(0)
	check := func() {
		for i, x := range h {
			if x.idx != i {
				t.Fatalf("timer at %d has idx %d", i, x.idx)
			}
			if i > 0 && before(x, h[(i-1)/2]) {
				t.Fatalf("heap order broken at %d", i)
			}
		}
	}
	for range 2000 {
		switch op := rng.IntN(4); {
		case op == 0 || len(h) == 0:
			seq++
			x := &loopTimer{key: time.Duration(rng.IntN(50)), keySeq: seq, idx: -1}
			h.push(x)
		case op == 1:
			x := h[rng.IntN(len(h))]
			seq++
			x.key, x.keySeq = time.Duration(rng.IntN(50)), seq
			h.fix(x.idx)
		case op == 2:
			if x := h.remove(rng.IntN(len(h))); x.idx != -1 {
				t.Fatal("removed timer keeps an index")
			}
		default:
			top := h[0]
			for _, x := range h {
				if before(x, top) {
					t.Fatal("top is not the earliest")
				}
			}
		}
		check()
	}
	var last *loopTimer
	for len(h) > 0 {
		x := h.remove(0)
		if last != nil && before(x, last) {
			t.Fatal("removal order is not sorted")
		}
		last = x
	}
}

// The timerfd alarm fires close to its deadline (the runtime's timers are
// a millisecond coarse) and re-arming it costs no allocation.
func TestTimerFD(t *testing.T) {
	a, err := newTimerFD()
	if err != nil {
		t.Skipf("no timerfd: %v", err)
	}
	start := time.Now()
	a.set(20 * time.Millisecond)
	a.wait()
	if el := time.Since(start); el < 20*time.Millisecond {
		t.Fatalf("woke after %v, before the 20 ms deadline", el)
	}
	a.set(time.Hour)
	a.set(time.Millisecond) // earlier: replaces the hour
	a.wait()
	if n := testing.AllocsPerRun(100, func() { a.set(time.Hour) }); n != 0 {
		t.Fatalf("%v allocations per set", n)
	}
}
