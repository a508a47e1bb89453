package check

import (
	"errors"
	"math"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
)

// checkerState is keepalived's per-checker state machine (the *_epilog
// functions): retries while up, immediate verdicts while down or before the
// first run. It is pure: the engine feeds it results and times.
type checkerState struct {
	// spec points into the engine's services, shared with the caller
	// rather than copied (New): a copy per checker was 0.1 MB of the
	// live heap at 1 000 real servers.
	spec    *Checker
	retryIt int
	// walk is an HTTP_GET/SSL_GET checker's url iterator (walk.go); nil
	// for the other checkers.
	walk *urlWalk
	// offset is what this checker adds to the real server's weight
	// (keepalived's cur_weight).
	offset int64
	// The flags sit together: between wider fields each took a word.
	up       bool
	hasRun   bool
	inFlight bool
	rewake   bool // Wake came while in flight
	lastOK   bool // status for metrics

	// scheduling
	next    time.Time
	heapIdx int
	vs, rs  int
	idx     int

	// status for metrics
	lastErr string
	// lastFail outlives a recovery, so operators can read why a server
	// that is up again went down.
	lastFail   string
	lastFailAt time.Time
	lastDur    time.Duration
	avgDur     time.Duration // usual duration of a success (limit.go)
	lastRun    time.Time
	consecFail int
	checks     uint64
	failures   uint64
}

func newCheckerState(spec *Checker) *checkerState {
	// Retries start exhausted: one failure takes a fresh checker down
	// (keepalived sets retry_it = retry at start, alpha or not).
	return &checkerState{spec: spec, up: !spec.Timing.Alpha, retryIt: spec.Timing.Retry, walk: newURLWalk(spec.Probe)}
}

// verdict is what one result did to a checker.
type verdict struct {
	delay   time.Duration // until the next check
	changed bool          // up/down flipped
	// firstDown is an alpha checker's first failure: no flip, but keepalived
	// notifies the (already down) real server once.
	firstDown bool
	// logged is the verdict keepalived logs, nil when it logs none.
	logged *Verdict
	// first is the checker's first final verdict (keepalived's !has_run).
	first bool
}

// apply records r and advances the state machine. base is the real server's
// configured weight, needed to turn an absolute dynamic weight into an offset.
func (c *checkerState) apply(r probe.Result, base int64) verdict {
	var se *probe.SetupError
	if errors.As(r.Err, &se) {
		// keepalived's connect_error: logged, rescheduled after
		// delay_loop, no retry counted and no state changed.
		c.checks++
		c.lastOK, c.lastErr = false, r.Err.Error()
		return verdict{delay: c.spec.Timing.DelayLoop,
			logged: &Verdict{NotRun: true, WasUp: c.up, HasRun: c.hasRun, Retry: c.spec.Timing.Retry, Err: r.Err}}
	}
	ok := r.OK()
	c.checks++
	c.lastOK = ok
	if ok {
		c.consecFail, c.lastErr = 0, ""
	} else {
		c.consecFail++
		c.failures++
		c.lastErr = r.Err.Error()
		c.lastFail, c.lastFailAt = c.lastErr, c.lastRun
	}
	if c.walk != nil {
		return c.applyWalk(ok, r.Err)
	}

	t := c.spec.Timing
	v := verdict{delay: t.DelayLoop}
	switch {
	case ok || ((c.up || !c.hasRun) && c.retryIt >= t.Retry):
		c.retryIt = 0
		if !ok || !c.up || !c.hasRun {
			v.logged = &Verdict{Up: ok, WasUp: c.up, HasRun: c.hasRun, Retry: t.Retry, Err: r.Err}
		}
		v.first = !c.hasRun
		if ok {
			switch r.Mode {
			case probe.WeightAbsolute:
				c.offset = r.Weight - base
			case probe.WeightRelative:
				c.offset = r.Weight
			default:
				c.offset = 0
			}
			v.changed = !c.up
			c.up = true
		} else {
			c.offset = 0
			v.changed = c.up
			v.firstDown = !c.up && !c.hasRun && t.Alpha
			c.up = false
		}
	case c.up:
		v.delay = t.DelayBeforeRetry
		c.retryIt++
	default:
		c.offset = 0
	}
	c.hasRun = true
	return v
}

// realState aggregates a real server's checkers.
type realState struct {
	spec *RealServer
	// base is the configured weight, which SetWeight moves: the spec is
	// the caller's and stays as configured.
	base     int64
	checkers []*checkerState
	alive    bool
	// contrib is what this server adds to its service's alive weight, kept
	// so a result costs O(checkers of one server), not O(servers).
	contrib int64
	// inIPVS is the weight this server had in the last membership computed,
	// -1 when absent; a change marks the service dirty.
	inIPVS int64
}

func (r *realState) computeAlive() bool {
	for _, c := range r.checkers {
		if !c.up {
			return false
		}
	}
	return true
}

// weight is keepalived's real_weight(effective_weight): configured weight
// plus the dynamic offsets, clamped to IPVS's range.
func (r *realState) weight() int64 {
	return min(max(r.rawWeight(), 0), math.MaxInt32)
}

// rawWeight is the configured weight plus the checkers' offsets.
func (r *realState) rawWeight() int64 {
	w := r.base
	for _, c := range r.checkers {
		w += c.offset
	}
	return w
}

// serviceState is a virtual server's quorum state (ipwrapper.c
// update_quorum_state) and the membership derived from it.
type serviceState struct {
	spec        *VirtualServer
	reals       []*realState
	quorum      int64
	hysteresis  int64
	quorumUp    bool
	sorryActive bool
	aliveSum    int64
	last        []Member
	// dirty means members() may differ from last.
	dirty bool
}

func newServiceState(vs *VirtualServer) *serviceState {
	s := &serviceState{spec: vs, quorum: vs.Quorum, hysteresis: vs.Hysteresis}
	var total int64
	for i := range vs.Reals {
		total += max(vs.Reals[i].Weight, 0)
	}
	if s.quorum > total {
		s.quorum = total
	}
	if s.quorum < 1 {
		s.quorum = 1
	}
	if s.hysteresis >= s.quorum {
		s.hysteresis = s.quorum - 1
	}
	if s.hysteresis < 0 {
		s.hysteresis = 0
	}
	return s
}

func (s *serviceState) aliveWeight() int64 { return s.aliveSum }

// account refreshes r's share of the alive weight and notes whether its
// IPVS entry may change.
func (s *serviceState) account(r *realState) {
	var c int64
	if r.alive {
		c = r.weight()
	}
	s.aliveSum += c - r.contrib
	r.contrib = c
	w := int64(-1)
	switch {
	case r.alive:
		w = r.weight()
	case r.spec.InhibitOnFailure:
		w = 0
	}
	if w != r.inIPVS {
		r.inIPVS = w
		s.dirty = true
	}
}

// initQuorum sets the start-up quorum state and says what keepalived
// announces (init_service_vs's update_quorum_state(vs, true), which starts
// from quorum down): "Gained quorum" and quorum_up when the live servers
// carry the quorum, "Starting with quorum down" and quorum_down when they
// do not and a sorry server stands in, nothing otherwise.
func (s *serviceState) initQuorum() (announceUp, announceDown bool) {
	s.quorumUp = s.aliveWeight() >= s.quorum+s.hysteresis
	if s.quorumUp {
		return true, false
	}
	if s.spec.Sorry != nil {
		s.sorryActive = true
		return false, true
	}
	return false, false
}

// quorumEvent is the event of the quorum state just entered, with the
// numbers keepalived logs: the threshold crossed is quorum+hysteresis
// going up and quorum-hysteresis going down.
func (s *serviceState) quorumEvent(init bool, now time.Time) Event {
	ev := Event{Kind: QuorumDown, VS: s.spec.ID, Command: s.spec.QuorumDown, Init: init, Time: now,
		Quorum: s.quorum, Hysteresis: s.hysteresis, Threshold: s.quorum - s.hysteresis, Weight: s.aliveWeight()}
	if s.quorumUp {
		ev.Kind, ev.Command, ev.Threshold = QuorumUp, s.spec.QuorumUp, s.quorum+s.hysteresis
	}
	if init && !s.quorumUp {
		// keepalived starts from quorum down: the threshold is the one
		// for going up.
		ev.Threshold = s.quorum + s.hysteresis
	}
	return ev
}

// updateQuorum applies the hysteresis band and reports a flip, if any.
func (s *serviceState) updateQuorum() (flipped bool) {
	sum := s.aliveWeight()
	if !s.quorumUp && sum >= s.quorum+s.hysteresis {
		s.quorumUp, s.sorryActive = true, false
		s.dirty = true
		return true
	}
	if s.quorumUp && (sum == 0 || sum < s.quorum-s.hysteresis) {
		s.quorumUp = false
		s.sorryActive = s.spec.Sorry != nil
		s.dirty = true
		return true
	}
	return false
}

// members is the IPVS membership the current state calls for. While the
// sorry server stands in, live real servers are out and inhibited dead ones
// stay at weight 0, as keepalived leaves them.
func (s *serviceState) members() []Member {
	m := make([]Member, 0, len(s.reals)+1)
	for _, r := range s.reals {
		switch {
		case r.alive && !s.sorryActive:
			m = append(m, Member{ID: r.spec.ID, Weight: r.weight()})
		case !r.alive && r.spec.InhibitOnFailure:
			m = append(m, Member{ID: r.spec.ID, Weight: 0})
		}
	}
	if sorry := s.spec.Sorry; sorry != nil {
		switch {
		case s.sorryActive:
			m = append(m, Member{ID: sorry.ID, Weight: 1, Sorry: true})
		case sorry.Inhibit:
			m = append(m, Member{ID: sorry.ID, Weight: 0, Sorry: true})
		}
	}
	return m
}

func sameMembers(a, b []Member) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
