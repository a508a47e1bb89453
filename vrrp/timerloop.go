package vrrp

import (
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
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
// A timer moved later keeps its place in the heap (its key is the old
// deadline) and the loop does not wake for it: when the stale key comes
// to the top, the loop re-sorts it by its real deadline once. That is
// what keeps a BACKUP cheap, whose master-down timers move later on every
// received advert but expire only when the master is gone: one heap
// operation per master-down interval instead of one per advert.
type timerLoop struct {
	mu      sync.Mutex
	h       loopHeap
	seq     uint64
	running bool
	// sleepUntil is the deadline the loop sleeps for (since epoch); zero
	// while it runs callbacks (it looks at the heap again before sleeping).
	sleepUntil time.Duration
	// alarm wakes the loop; made when the loop first runs, so a Router
	// built only to validate a configuration opens nothing.
	alarm alarm
	// epoch is the origin of the timers' deadlines, kept as monotonic
	// nanoseconds since it: comparing those is what the heap does most.
	epoch time.Time
	// late hears of a timer run more than lateAfter past its deadline.
	late      func(time.Duration)
	lateAfter time.Duration
}

func newTimerLoop() *timerLoop {
	return &timerLoop{epoch: time.Now()}
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
	seq  uint64        // arming order, for ties
	// key and keySeq order the heap: the deadline and arming order the
	// timer had when it last moved earlier (or was armed). They are never
	// later than when and seq.
	key    time.Duration
	keySeq uint64
	idx    int // position in the heap, -1 when not armed
}

// Stop disarms the timer; it reports whether it was armed.
func (t *loopTimer) Stop() bool {
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.idx < 0 {
		return false
	}
	l.h.remove(t.idx)
	return true
}

// Reset (re)arms the timer d from now; it reports whether it was armed.
func (t *loopTimer) Reset(d time.Duration) bool {
	return t.set(time.Since(t.l.epoch) + d)
}

// resetAt (re)arms the timer for the instant at, which the engine has
// just computed from its own clock reading (one time.Now per re-arm, not
// two).
func (t *loopTimer) resetAt(at time.Time) bool {
	return t.set(at.Sub(t.l.epoch))
}

func (t *loopTimer) set(when time.Duration) bool {
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	was := t.idx >= 0
	t.when = when
	l.seq++
	t.seq = l.seq
	switch {
	case !was:
		t.key, t.keySeq = when, t.seq
		l.h.push(t)
	case when < t.key:
		t.key, t.keySeq = when, t.seq
		l.h.up(t.idx)
	}
	switch {
	case !l.running:
		l.running = true
		go l.run()
	case l.sleepUntil > 0 && when < l.sleepUntil:
		l.sleepUntil = when
		l.alarm.set(when - time.Since(l.epoch))
	}
	return was
}

// run fires due timers and sleeps until the next one; it ends when no
// timer is armed, so a stopped Router leaves no goroutine behind.
func (l *timerLoop) run() {
	// woke: the next timer run is the first since the loop woke up, the
	// one keepalived's scheduler measures its lateness by (once per
	// wake-up, not once per overdue timer).
	woke := true
	for {
		l.mu.Lock()
		if len(l.h) == 0 {
			l.running = false
			if l.alarm != nil {
				// A stopped Router keeps no descriptor either.
				l.alarm.close()
				l.alarm = nil
			}
			l.mu.Unlock()
			return
		}
		top := l.h[0]
		if top.key != top.when || top.keySeq != top.seq {
			// Moved later since it was sorted: sort it by its deadline.
			top.key, top.keySeq = top.when, top.seq
			l.h.down(0)
			l.mu.Unlock()
			continue
		}
		d := top.when - time.Since(l.epoch)
		if d <= 0 {
			l.h.remove(0)
			l.mu.Unlock()
			if woke && l.late != nil && -d > l.lateAfter {
				l.late(-d)
			}
			woke = false
			top.f()
			continue
		}
		if l.alarm == nil {
			l.alarm = newAlarm()
		}
		l.sleepUntil = top.when
		l.alarm.set(d)
		a := l.alarm
		l.mu.Unlock()
		a.wait()
		woke = true
		l.mu.Lock()
		l.sleepUntil = 0
		l.mu.Unlock()
	}
}

// alarm is the loop's one wake-up: set (re)arms it d from now, from the
// loop or, to wake it earlier, from a goroutine arming an earlier timer
// (always under the loop's lock); wait blocks until it goes off. The loop
// closes it when it ends, and never uses it again.
type alarm interface {
	set(d time.Duration)
	wait()
	close()
}

// newAlarm returns a timerfd alarm, or a runtime timer where the kernel
// refuses a timerfd.
func newAlarm() alarm {
	if a, err := newTimerFD(); err == nil {
		return a
	}
	return &runtimeAlarm{t: time.NewTimer(time.Hour)}
}

// timerFD wakes the loop on time. The runtime's own timers sleep in
// epoll_pwait, whose timeout is in whole milliseconds, so they fire up to
// a millisecond late: a backup's takeover came 0.3-1 ms after
// Master_Down_Interval where keepalived, which sleeps on a timerfd, is
// within 0.1 ms. A timerfd read through the runtime's poller keeps the
// kernel's precision and costs one timerfd_settime per sleep (keepalived
// makes the same call).
type timerFD struct {
	f    *os.File // keeps fd open and registers it with the poller
	fd   int
	spec unix.ItimerSpec
	buf  [8]byte
}

func newTimerFD() (*timerFD, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &timerFD{f: os.NewFile(uintptr(fd), "vrrp-timer"), fd: fd}, nil
}

func (a *timerFD) set(d time.Duration) {
	// A zero value would disarm it.
	a.spec.Value = unix.NsecToTimespec(max(int64(d), 1))
	if err := unix.TimerfdSettime(a.fd, 0, &a.spec, nil); err != nil {
		panic(fmt.Sprintf("vrrp: timerfd_settime: %v", err)) // only on a closed fd, which is never set
	}
}

func (a *timerFD) close() { a.f.Close() }

func (a *timerFD) wait() {
	if _, err := a.f.Read(a.buf[:]); err != nil {
		time.Sleep(time.Millisecond) // never spin on a broken fd
	}
}

// runtimeAlarm is the fallback: Reset may race with the receive, which
// Go's timers allow.
type runtimeAlarm struct{ t *time.Timer }

func (a *runtimeAlarm) set(d time.Duration) { a.t.Reset(d) }
func (a *runtimeAlarm) wait()               { <-a.t.C }
func (a *runtimeAlarm) close()              { a.t.Stop() }

// loopHeap orders armed timers by deadline, then arming order. It is
// written out rather than driven through container/heap: a BACKUP moves a
// timer on every advert it receives, and the interface calls showed in
// profiles.
type loopHeap []*loopTimer

func before(a, b *loopTimer) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	return a.keySeq < b.keySeq
}

func (h loopHeap) up(j int) {
	t := h[j]
	for j > 0 {
		i := (j - 1) / 2
		p := h[i]
		if !before(t, p) {
			break
		}
		h[j], p.idx = p, j
		j = i
	}
	h[j], t.idx = t, j
}

// down sifts h[i] towards the leaves and reports whether it moved.
func (h loopHeap) down(i int) bool {
	n, t, i0 := len(h), h[i], i
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && before(h[r], h[c]) {
			c = r
		}
		if !before(h[c], t) {
			break
		}
		h[i], h[c].idx = h[c], i
		i = c
	}
	h[i], t.idx = t, i
	return i > i0
}

func (h loopHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h *loopHeap) push(t *loopTimer) {
	*h = append(*h, t)
	t.idx = len(*h) - 1
	h.up(t.idx)
}

func (h *loopHeap) remove(i int) *loopTimer {
	old := *h
	n := len(old) - 1
	t := old[i]
	if i != n {
		old[i], old[n].idx = old[n], i
	}
	old[n] = nil
	*h = old[:n]
	if i != n {
		h.fix(i)
	}
	t.idx = -1
	return t
}
