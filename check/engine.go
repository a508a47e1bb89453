package check

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
)

// Engine schedules every checker, runs the state machines and reports to a
// Sink. One goroutine (Run) owns the schedule; each check runs in its own
// goroutine, at most one per checker, so a stalled peer only delays itself.
type Engine struct {
	sink        Sink
	randN       func(n int64) int64
	jitter      float64
	maxInFlight int
	// lim bounds the checks in flight; inFlight counts them. Both belong
	// to Run (handle runs there too).
	lim      limiter
	inFlight int
	// kickFd is the event loop's eventfd while it runs (loop.go), -1
	// otherwise; kickMu keeps it from closing under a writer.
	kickMu sync.RWMutex
	kickFd int
	// noLoop keeps every probe in goroutines (WithoutEventLoop).
	noLoop bool
	// checkerEvents states CheckerUp/CheckerDown (WithCheckerEvents).
	checkerEvents bool

	mu       sync.Mutex // guards the state below against Status
	services []*serviceState
	dirty    []*serviceState // services whose membership may have changed
	checkers []*checkerState
	queue    checkerHeap

	results chan result
	// wake tells Run that Wake moved checkers to the head of the queue.
	wake    chan struct{}
	cmds    chan func() []output // changes from outside (SNMP SET), applied by Run
	running atomic.Bool
	done    atomic.Uint64 // completed checks, for benchmarks and metrics
}

type result struct {
	c     *checkerState
	r     probe.Result
	start time.Time
	dur   time.Duration
	// budget is the check's connect_timeout when known (stepped checks).
	budget time.Duration
}

// Option tunes an Engine.
type Option func(*Engine)

// WithRand replaces the random source used for warmup and jitter; it must
// return a value in [0, n).
func WithRand(f func(n int64) int64) Option { return func(e *Engine) { e.randN = f } }

// WithJitter adds up to frac × delay_loop of random delay to each regular
// check, to keep thousands of checkers from synchronising. keepalived has no
// such jitter; the default 0 keeps its exact period.
func WithJitter(frac float64) Option { return func(e *Engine) { e.jitter = frac } }

// WithMaxInFlight fixes how many checks run at once; 0 (the default) lets
// the engine adapt the bound (limit.go): it grows while checks finish in
// time and shrinks when they run late, so an overloaded host spreads its
// checks instead of letting all of them time out together.
func WithMaxInFlight(n int) Option { return func(e *Engine) { e.maxInFlight = n } }

// WithoutEventLoop runs every check in its own goroutine, as before the
// event loop (loop.go); for comparisons.
func WithoutEventLoop() Option { return func(e *Engine) { e.noLoop = true } }

// WithCheckerEvents makes the engine state each checker verdict keepalived
// e-mails about (CheckerUp/CheckerDown events, after the real server and
// quorum events the verdict caused), for the checkers' smtp_alert.
func WithCheckerEvents() Option { return func(e *Engine) { e.checkerEvents = true } }

// New validates services and builds an engine; nothing runs until Run.
// The engine keeps pointers into services instead of copying them (at
// 1 000 real servers the copies were 0.2 MB of a 4 MB live heap) and never
// writes to them; the caller must not change them while the engine lives.
func New(services []VirtualServer, sink Sink, opts ...Option) (*Engine, error) {
	if sink == nil {
		return nil, errors.New("check: nil sink")
	}
	e := &Engine{sink: sink, randN: rand.Int64N, wake: make(chan struct{}, 1), kickFd: -1}
	for _, o := range opts {
		o(e)
	}
	seenVS := map[string]bool{}
	for vi := range services {
		vs := &services[vi]
		if seenVS[vs.ID] {
			return nil, fmt.Errorf("check: duplicate virtual server %q", vs.ID)
		}
		seenVS[vs.ID] = true
		s := newServiceState(vs)
		seenRS := map[string]bool{}
		for ri := range vs.Reals {
			rs := &vs.Reals[ri]
			if seenRS[rs.ID] {
				return nil, fmt.Errorf("check: virtual server %s: duplicate real server %q", vs.ID, rs.ID)
			}
			seenRS[rs.ID] = true
			r := &realState{spec: rs, base: rs.Weight, inIPVS: -1}
			for ci := range rs.Checkers {
				spec := &rs.Checkers[ci]
				if spec.Probe == nil {
					return nil, fmt.Errorf("check: %s %s checker %d (%s): no probe", vs.ID, rs.ID, ci, spec.Kind)
				}
				if spec.Timing.DelayLoop <= 0 {
					return nil, fmt.Errorf("check: %s %s checker %d (%s): delay_loop must be > 0", vs.ID, rs.ID, ci, spec.Kind)
				}
				c := newCheckerState(spec)
				c.vs, c.rs, c.idx = vi, ri, ci
				r.checkers = append(r.checkers, c)
				e.checkers = append(e.checkers, c)
			}
			r.alive = r.computeAlive()
			s.reals = append(s.reals, r)
			s.account(r)
		}
		e.services = append(e.services, s)
	}
	// Results of the checks run in goroutines (the event loop's own do not
	// come through here): a sender waits while the queue is full, or until
	// Run stops. One slot per checker was 80 KB at 1 000 real servers.
	e.results = make(chan result, min(len(e.checkers), resultQueue)+1)
	e.cmds = make(chan func() []output, 16)
	return e, nil
}

// resultQueue bounds the results queued from goroutine checks.
const resultQueue = 64

// Checks returns how many checks have completed since Run started.
func (e *Engine) Checks() uint64 { return e.done.Load() }

// output is a Sink call collected under the lock and made after it.
type output struct {
	vs      string
	members []Member
	event   *Event
}

// Run states the initial membership, then checks until ctx is cancelled. It
// returns once every probe has returned, after the omega notifications.
func (e *Engine) Run(ctx context.Context) error {
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("check: engine already running")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.lim = newLimiter(e.maxInFlight, len(e.checkers))
	e.inFlight = 0
	if !e.noLoop && e.hasSteppable() {
		return e.runLoop(ctx, cancel)
	}
	var wg sync.WaitGroup

	e.flush(e.start())
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		e.mu.Lock()
		now := time.Now()
		full := false
		for len(e.queue) > 0 && !e.queue[0].next.After(now) {
			if full = !e.lim.admit(e.inFlight); full {
				break // the next result frees a slot
			}
			c := heap.Pop(&e.queue).(*checkerState)
			c.inFlight = true
			e.inFlight++
			c.aim()
			wg.Add(1)
			go e.probe(ctx, c, &wg)
		}
		wait := time.Hour
		if len(e.queue) > 0 && !full {
			wait = e.queue[0].next.Sub(now)
		}
		e.mu.Unlock()
		timer.Reset(wait)

		select {
		case <-ctx.Done():
			wg.Wait()
			e.flush(e.shutdown())
			return nil
		case res := <-e.results:
			out := e.handle(res, time.Now())
			// Fold whatever else has arrived before restating membership,
			// so a burst of changes costs one SetMembers per service.
			for drained := false; !drained && len(out) < 4096; {
				select {
				case res := <-e.results:
					out = append(out, e.handle(res, time.Now())...)
				default:
					drained = true
				}
			}
			e.flush(append(out, e.membership()...))
		case <-timer.C:
		case <-e.wake:
		case f := <-e.cmds:
			e.flush(append(f(), e.membership()...))
		}
	}
}

// Wake runs now every checker whose Checker.Wake is key: an event source
// (keepalived's BFD event pipe for BFD_CHECK) tells the engine a verdict
// changed instead of waiting for the next period. A checker in flight
// runs again as soon as its result is in.
func (e *Engine) Wake(key string) {
	if key == "" {
		return
	}
	e.mu.Lock()
	now := time.Now()
	for _, c := range e.checkers {
		if c.spec.Wake != key {
			continue
		}
		if c.inFlight {
			c.rewake = true
			continue
		}
		if c.heapIdx >= 0 && c.heapIdx < len(e.queue) && e.queue[c.heapIdx] == c {
			c.next = now
			heap.Fix(&e.queue, c.heapIdx)
		}
	}
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
	e.kick()
}

// SetWeight gives a real server the effective weight w, as keepalived's
// update_svr_wgt does for an SNMP SET of realServerWeight: its checkers'
// dynamic offsets stay on top of the base that gives w, its IPVS entry
// follows when it is in the pool, and the quorum is evaluated again. It
// returns the effective weight before, and false when the server is
// unknown or the change cannot be queued. Run applies it.
func (e *Engine) SetWeight(vsID, rsID string, w int64) (old int64, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.services {
		if s.spec.ID != vsID {
			continue
		}
		for _, r := range s.reals {
			if r.spec.ID != rsID {
				continue
			}
			old = r.weight()
			f := func() []output {
				e.mu.Lock()
				defer e.mu.Unlock()
				r.base += w - r.weight()
				wasDirty := s.dirty
				out := e.reconcile(s, r, false, time.Now())
				if s.dirty && !wasDirty {
					e.dirty = append(e.dirty, s)
				}
				return out
			}
			select {
			case e.cmds <- f:
				defer e.kick()
				return old, true
			default:
				return old, false
			}
		}
	}
	return 0, false
}

func (e *Engine) probe(ctx context.Context, c *checkerState, wg *sync.WaitGroup) {
	defer wg.Done()
	start := time.Now()
	r := c.spec.Probe.Check(ctx)
	if ctx.Err() != nil {
		return // shutting down: a cancelled check proves nothing
	}
	select {
	case e.results <- result{c: c, r: r, start: start, dur: time.Since(start)}:
		e.kick()
	case <-ctx.Done(): // Run stopped reading and waits for this goroutine
	}
}

// start computes the initial state and the first schedule: 1 s plus a random
// part of warmup, keepalived's BOOTSTRAP_DELAY + random(0..warmup).
func (e *Engine) start() []output {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	var out []output
	for _, s := range e.services {
		if up, down := s.initQuorum(); up || down {
			ev := s.quorumEvent(true, now)
			out = append(out, output{event: &ev})
		}
		s.last, s.dirty = s.members(), false
		out = append(out, output{vs: s.spec.ID, members: s.last})
	}
	e.queue = e.queue[:0]
	for _, c := range e.checkers {
		if c.spec.Inert {
			continue
		}
		d := bootstrapDelay
		if w := c.spec.Timing.Warmup; w > 0 {
			d += time.Duration(e.randN(int64(w) + 1))
		}
		c.next = now.Add(d)
		heap.Push(&e.queue, c)
	}
	return out
}

// handle folds one result into the state machines and reschedules from
// now. The event loop passes the time it woke, as keepalived's scheduler
// caches its time_now per loop: checks that end in one wake-up are due
// together again and then run in one wake-up.
func (e *Engine) handle(res result, now time.Time) []output {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.done.Add(1)
	c := res.c
	s := e.services[c.vs]
	r := s.reals[c.rs]
	c.inFlight = false
	e.inFlight--
	e.lim.observe(c.late(res.r, res.dur, res.budget), res.start)
	c.lastRun, c.lastDur = res.start, res.dur
	v := c.apply(res.r, r.base)
	if v.logged != nil && c.spec.OnVerdict != nil {
		c.spec.OnVerdict(*v.logged)
	}
	delay := v.delay
	if e.jitter > 0 && delay == c.spec.Timing.DelayLoop {
		delay += time.Duration(e.randN(int64(float64(delay)*e.jitter) + 1))
	}
	c.next = now.Add(delay)
	if c.rewake {
		// Wake came while this check ran: its answer may be stale.
		c.next, c.rewake = now, false
	}
	heap.Push(&e.queue, c)
	wasDirty := s.dirty
	wasAlive := r.alive
	out := e.reconcile(s, r, v.firstDown, now)
	if s.dirty && !wasDirty {
		e.dirty = append(e.dirty, s)
	}
	if e.checkerEvents && (v.changed || v.first) {
		ev := Event{Kind: CheckerDown, VS: s.spec.ID, RS: r.spec.ID, Time: now, Checker: c.spec.Kind, CheckerIndex: c.idx,
			First: !v.changed, Alive: r.alive, AliveChanged: r.alive != wasAlive, Err: c.lastErr}
		if c.up {
			ev.Kind = CheckerUp
		}
		out = append(out, output{event: &ev})
	}
	return out
}

// reconcile derives real server, quorum and membership changes from the
// checkers' current states, in keepalived's order: RS notify, then quorum.
func (e *Engine) reconcile(s *serviceState, r *realState, firstDown bool, now time.Time) []output {
	var out []output
	rsEvent := func(up bool, init bool) {
		ev := Event{Kind: RealServerDown, VS: s.spec.ID, RS: r.spec.ID, Command: r.spec.NotifyDown, Init: init, Time: now}
		if up {
			ev.Kind, ev.Command = RealServerUp, r.spec.NotifyUp
		}
		out = append(out, output{event: &ev})
	}
	if alive := r.computeAlive(); alive != r.alive {
		r.alive = alive
		rsEvent(alive, false)
	} else if firstDown && !alive {
		rsEvent(false, true)
	}
	s.account(r)
	if s.updateQuorum() {
		ev := s.quorumEvent(false, now)
		out = append(out, output{event: &ev})
	}
	return out
}

// membership restates the services whose membership may have changed.
func (e *Engine) membership() []output {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []output
	for _, s := range e.dirty {
		s.dirty = false
		if m := s.members(); !sameMembers(m, s.last) {
			s.last = m
			out = append(out, output{vs: s.spec.ID, members: m})
		}
	}
	e.dirty = e.dirty[:0]
	return out
}

// shutdown emits omega's notifications: notify_down for live real servers,
// then quorum_down, as keepalived does at stop.
func (e *Engine) shutdown() []output {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	var out []output
	for _, s := range e.services {
		// keepalived's clear_services: each live real server in the pool
		// goes (none while the sorry server stands in), then the
		// service's quorum; the scripts and FIFO lines only with omega,
		// the SNMP traps always (the quorum's even when it was down).
		omega := s.spec.Omega
		for _, r := range s.reals {
			if r.alive && !s.sorryActive {
				out = append(out, output{event: &Event{Kind: RealServerDown, VS: s.spec.ID, RS: r.spec.ID, Command: r.spec.NotifyDown,
					Shutdown: true, TrapOnly: !omega, Time: now}})
			}
		}
		out = append(out, output{event: &Event{Kind: QuorumDown, VS: s.spec.ID, Command: s.spec.QuorumDown, Shutdown: true,
			TrapOnly: !omega || !s.quorumUp, Time: now}})
	}
	return out
}

func (e *Engine) flush(out []output) {
	for _, o := range out {
		if o.event != nil {
			e.sink.Event(*o.event)
		} else {
			e.sink.SetMembers(o.vs, o.members)
		}
	}
}

// checkerHeap orders checkers by their next run.
type checkerHeap []*checkerState

func (h checkerHeap) Len() int           { return len(h) }
func (h checkerHeap) Less(i, j int) bool { return h[i].next.Before(h[j].next) }
func (h checkerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *checkerHeap) Push(x any) {
	c := x.(*checkerState)
	c.heapIdx = len(*h)
	*h = append(*h, c)
}
func (h *checkerHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	c.heapIdx = -1
	return c
}
