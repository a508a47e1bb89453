package vrrp

import (
	"container/heap"
	"sync"
	"time"
)

// timerLoop is the production Clock. It runs every callback from one
// long-lived goroutine driven by one runtime timer, instead of
// time.AfterFunc's fresh goroutine per firing: with 255 instances at
// advert_int 1 that fresh goroutine (created, its small stack grown by the
// send path, then freed) was a fifth of the daemon's CPU. The engine
// serialises every callback on its own lock anyway, so running them one
// after the other, earliest deadline first (ties in arming order), changes
// no timing.
//
// A timer moved later while the loop sleeps does not wake it: the loop
// wakes at the old deadline, finds nothing due and sleeps again. That is
// what keeps a BACKUP cheap, whose master-down timers move on every
// received advert.
type timerLoop struct {
	mu      sync.Mutex
	h       loopHeap
	seq     uint64
	running bool
	// sleepUntil is the deadline the loop sleeps for (since epoch); zero
	// while it runs callbacks (it looks at the heap again before sleeping).
	sleepUntil time.Duration
	kick       chan struct{}
	// epoch is the origin of the timers' deadlines, kept as monotonic
	// nanoseconds since it: comparing those is what the heap does most.
	epoch time.Time
}

func newTimerLoop() *timerLoop {
	return &timerLoop{kick: make(chan struct{}, 1), epoch: time.Now()}
}

// Now returns time.Now.
func (*timerLoop) Now() time.Time { return time.Now() }

// AfterFunc calls f from the loop's goroutine once d has elapsed.
func (l *timerLoop) AfterFunc(d time.Duration, f func()) Timer {
	t := &loopTimer{l: l, f: f, idx: -1}
	t.Reset(d)
	return t
}

type loopTimer struct {
	l    *timerLoop
	f    func()
	when time.Duration // deadline, since the loop's epoch
	seq  uint64
	idx  int // position in the heap, -1 when not armed
}

// Stop disarms the timer; it reports whether it was armed.
func (t *loopTimer) Stop() bool {
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.idx < 0 {
		return false
	}
	heap.Remove(&l.h, t.idx)
	return true
}

// Reset (re)arms the timer d from now; it reports whether it was armed.
func (t *loopTimer) Reset(d time.Duration) bool {
	l := t.l
	when := time.Since(l.epoch) + d
	l.mu.Lock()
	defer l.mu.Unlock()
	was := t.idx >= 0
	t.when = when
	l.seq++
	t.seq = l.seq
	if was {
		heap.Fix(&l.h, t.idx)
	} else {
		heap.Push(&l.h, t)
	}
	switch {
	case !l.running:
		l.running = true
		go l.run()
	case l.sleepUntil > 0 && when < l.sleepUntil:
		l.sleepUntil = 0
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
	return was
}

// run fires due timers and sleeps until the next one; it ends when no
// timer is armed, so a stopped Router leaves no goroutine behind.
func (l *timerLoop) run() {
	var sleep *time.Timer
	for {
		l.mu.Lock()
		if len(l.h) == 0 {
			l.running = false
			l.mu.Unlock()
			if sleep != nil {
				sleep.Stop()
			}
			return
		}
		top := l.h[0]
		d := top.when - time.Since(l.epoch)
		if d <= 0 {
			heap.Pop(&l.h)
			l.mu.Unlock()
			top.f()
			continue
		}
		l.sleepUntil = top.when
		l.mu.Unlock()
		if sleep == nil {
			sleep = time.NewTimer(d)
		} else {
			sleep.Reset(d)
		}
		select {
		case <-sleep.C:
		case <-l.kick:
			sleep.Stop()
		}
		l.mu.Lock()
		l.sleepUntil = 0
		l.mu.Unlock()
	}
}

// loopHeap orders armed timers by deadline, then arming order.
type loopHeap []*loopTimer

func (h loopHeap) Len() int { return len(h) }
func (h loopHeap) Less(i, j int) bool {
	if h[i].when != h[j].when {
		return h[i].when < h[j].when
	}
	return h[i].seq < h[j].seq
}
func (h loopHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = i
	h[j].idx = j
}
func (h *loopHeap) Push(x any) {
	t := x.(*loopTimer)
	t.idx = len(*h)
	*h = append(*h, t)
}
func (h *loopHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.idx = -1
	return t
}
