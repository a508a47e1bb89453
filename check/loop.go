package check

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
	"golang.org/x/sys/unix"
)

// The event loop: with Steppable probes (HTTP_GET, TCP_CHECK) Run works as
// keepalived's checker process does, on one thread: it starts the due
// checks' sockets itself, waits in epoll for the first of their events, the
// next due check and their deadlines, and steps each ready check. Other
// probes still run in goroutines; their results, Wake, SetWeight and the
// end of ctx wake the loop through an eventfd.

// flight is one stepped check in progress.
type flight struct {
	c     *checkerState
	st    probe.Stepper
	start time.Time
	// connStart: when the current connection (url) began; its deadline
	// less this is the check's budget.
	connStart time.Time
	fd        int
	ev        uint32
	gen       uint32
	dl        time.Time
	done      bool
}

// hasSteppable reports whether any checker can run on the loop.
func (e *Engine) hasSteppable() bool {
	for _, c := range e.checkers {
		if sp, ok := c.spec.Probe.(probe.Steppable); ok && sp.CanStep() {
			return true
		}
	}
	return false
}

// kick wakes the loop, if one runs.
func (e *Engine) kick() {
	e.kickMu.RLock()
	defer e.kickMu.RUnlock()
	if e.kickFd >= 0 {
		var one = [8]byte{1}
		_, _ = unix.Write(e.kickFd, one[:])
	}
}

// loop is the state of one runLoop.
type loop struct {
	e       *Engine
	ep      int
	epf     *os.File // ep in the runtime's poller
	rc      syscall.RawConn
	efd     int
	flights map[int]*flight
	active  []*flight
	// free are finished flights for the next checks: records for those
	// in flight only, not one kept by every checker.
	free []*flight
	done []result
	wg   sync.WaitGroup
	ops  int // steps and starts since the last yield
}

// runLoop is Run on the event loop; cancel ends ctx (Run's own).
func (e *Engine) runLoop(ctx context.Context, cancel context.CancelFunc) error {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("check: epoll: %w", err)
	}
	// Non-blocking, so that os.NewFile hands it to the runtime's poller.
	if err := unix.SetNonblock(ep, true); err != nil {
		unix.Close(ep)
		return fmt.Errorf("check: epoll: %w", err)
	}
	epf := os.NewFile(uintptr(ep), "checker epoll")
	defer epf.Close()
	rc, err := epf.SyscallConn()
	if err != nil {
		return fmt.Errorf("check: epoll: %w", err)
	}
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("check: eventfd: %w", err)
	}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, efd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(efd)}); err != nil {
		unix.Close(efd)
		return fmt.Errorf("check: epoll_ctl: %w", err)
	}
	e.kickMu.Lock()
	e.kickFd = efd
	e.kickMu.Unlock()
	defer func() {
		e.kickMu.Lock()
		e.kickFd = -1
		unix.Close(efd)
		e.kickMu.Unlock()
	}()
	stop := context.AfterFunc(ctx, e.kick)
	defer stop()

	l := &loop{e: e, ep: ep, epf: epf, rc: rc, efd: efd, flights: map[int]*flight{}}
	e.flush(e.start())
	events := make([]unix.EpollEvent, 256)
	for {
		if ctx.Err() != nil {
			l.stop()
			e.flush(e.shutdown())
			return nil
		}
		now, until := l.startDue(ctx)
		n, err := l.wait(events, now, until)
		if err != nil {
			cancel()
			l.stop()
			return err
		}
		now = time.Now()
		for _, ev := range events[:n] {
			if int(ev.Fd) == efd {
				var b [8]byte
				_, _ = probe.ReadNow(efd, b[:])
				continue
			}
			if f := l.flights[int(ev.Fd)]; f != nil && !f.done {
				l.step(f, now, false)
			}
		}
		l.expire(now)
		l.collect(ctx, now)
	}
}

// wait returns the ready events, waiting until one comes or until passes
// (zero: no limit; not after now: no wait). The epoll descriptor waits in
// the runtime's poller rather than in a blocking epoll_wait: a thread
// blocked in a system call makes the runtime's monitor hand its P over and
// poll every 20 us, a sleep and a wake-up per check under load.
func (l *loop) wait(events []unix.EpollEvent, now, until time.Time) (int, error) {
	n := 0
	var werr error
	poll := func(uintptr) bool {
		n, werr = probe.EpollWaitNow(l.ep, events)
		if werr == unix.EINTR {
			n, werr = 0, nil
		}
		return n > 0 || werr != nil
	}
	if !until.IsZero() && !until.After(now) {
		poll(0)
	} else {
		_ = l.epf.SetReadDeadline(until)
		if err := l.rc.Read(poll); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, fmt.Errorf("check: waiting on epoll: %w", err)
		}
	}
	if werr != nil {
		return 0, fmt.Errorf("check: epoll_wait: %w", werr)
	}
	return n, nil
}

// stop closes the checks in flight and waits for the goroutine probes
// (Run's context is cancelled by then, or is about to be by Run's return).
func (l *loop) stop() {
	for _, f := range l.active {
		if !f.done {
			f.st.Abort()
		}
	}
	l.active = nil
	l.wg.Wait()
}

// startDue starts the due checks the bound admits and returns the time
// and when the loop must wake at the latest (zero: only for an event).
func (l *loop) startDue(ctx context.Context) (time.Time, time.Time) {
	e := l.e
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	full := false
	for len(e.queue) > 0 && !e.queue[0].next.After(now) {
		if full = !e.lim.admit(e.inFlight); full {
			break
		}
		c := heap.Pop(&e.queue).(*checkerState)
		c.inFlight = true
		e.inFlight++
		c.aim()
		var st probe.Stepper
		if sp, ok := c.spec.Probe.(probe.Steppable); ok {
			st = sp.Begin(now)
		}
		if st == nil {
			l.wg.Add(1)
			go e.probe(ctx, c, &l.wg)
			continue
		}
		var f *flight
		if n := len(l.free); n > 0 {
			f, l.free = l.free[n-1], l.free[:n-1]
		} else {
			f = new(flight)
		}
		*f = flight{c: c, st: st, start: now, fd: -1}
		l.active = append(l.active, f)
		l.sync(f, now)
		l.yield()
	}
	var until time.Time
	if len(e.queue) > 0 && !full {
		until = e.queue[0].next
	}
	for _, f := range l.active {
		if !f.dl.IsZero() && (until.IsZero() || f.dl.Before(until)) {
			until = f.dl
		}
	}
	if len(l.done) > 0 {
		until = now
	} else if !until.IsZero() {
		// Wake on a coarse tick: checks due within one start together
		// and their answers tend to come back in one wake-up.
		until = until.Add(wakeTick - 1).Truncate(wakeTick)
	}
	return now, until
}

// wakeTick is the loop's timer granularity: 5 ms late at most on a
// delay_loop of a second or more, and a tick per 5 ms at most however
// many checks are spread over the period.
const wakeTick = 5 * time.Millisecond

// sync registers f's socket as it now waits, or records its result.
func (l *loop) sync(f *flight, now time.Time) {
	fd, ev, dl, gen := f.st.Wait()
	if fd < 0 {
		r, _ := f.st.Step(now, false)
		l.finish(f, r, now)
		return
	}
	if gen != f.gen || fd != f.fd {
		f.connStart = now
		if l.flights[f.fd] == f {
			delete(l.flights, f.fd) // closed by the check: out of epoll
		}
		if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: ev, Fd: int32(fd)}); err != nil {
			f.st.Abort()
			l.finish(f, probe.Result{Err: fmt.Errorf("epoll_ctl: %w", err)}, now)
			return
		}
		l.flights[fd] = f
	} else if ev != f.ev {
		_ = unix.EpollCtl(l.ep, unix.EPOLL_CTL_MOD, fd, &unix.EpollEvent{Events: ev, Fd: int32(fd)})
	}
	f.fd, f.ev, f.dl, f.gen = fd, ev, dl, gen
}

func (l *loop) step(f *flight, now time.Time, expired bool) {
	defer l.yield()
	r, done := f.st.Step(now, expired)
	if done {
		l.finish(f, r, now)
		return
	}
	l.sync(f, now)
}

func (l *loop) finish(f *flight, r probe.Result, now time.Time) {
	if l.flights[f.fd] == f {
		delete(l.flights, f.fd)
	}
	f.done = true
	res := result{c: f.c, r: r, start: f.start, dur: now.Sub(f.start)}
	if !f.dl.IsZero() {
		res.budget = f.dl.Sub(f.connStart)
		res.dur = now.Sub(f.connStart) // of the last url's connection
	}
	l.done = append(l.done, res)
}

// yield passes through the scheduler every yieldEvery steps. Steps make
// raw system calls, which the scheduler does not see: a burst of them
// (all of a delay_loop's checks come due in one tick) ran 10 ms and more
// under TCG, and the runtime's monitor then preempted the loop with a
// signal, 20 a second at 200 real servers in the VM (strace: tgkill,
// getpid, rt_sigreturn, 0.65 system calls per check, and the register
// save of asyncPreempt). A yield costs a scheduler round; e.mu may be
// held (startDue), which only goroutine probes and callers wait for.
func (l *loop) yield() {
	if l.ops++; l.ops >= yieldEvery {
		l.ops = 0
		runtime.Gosched()
	}
}

// yieldEvery: a step takes 0.2-1 ms of CPU under TCG, so a yield every
// 8 comes well within the monitor's 10 ms; a few hundred ns per 8 steps
// natively.
const yieldEvery = 8

// expire steps the checks whose deadline passed and drops finished ones.
func (l *loop) expire(now time.Time) {
	keep := l.active[:0]
	for _, f := range l.active {
		if !f.done && !f.dl.IsZero() && !now.Before(f.dl) {
			l.step(f, now, true)
		}
		if !f.done {
			keep = append(keep, f)
		} else {
			l.free = append(l.free, f)
		}
	}
	clear(l.active[len(keep):])
	l.active = keep
}

// collect folds every result in (stepped ones, those of goroutine probes),
// applies outside changes and restates membership once.
func (l *loop) collect(ctx context.Context, now time.Time) {
	e := l.e
	var out []output
	for _, r := range l.done {
		out = append(out, e.handle(r, now)...)
	}
	clear(l.done)
	l.done = l.done[:0]
	for drained := false; !drained; {
		select {
		case res := <-e.results:
			out = append(out, e.handle(res, now)...)
		case f := <-e.cmds:
			out = append(out, f()...)
		case <-e.wake:
		default:
			drained = true
		}
	}
	if ctx.Err() != nil && len(out) == 0 {
		return
	}
	e.flush(append(out, e.membership()...))
}
