package check

import (
	"errors"
	"net"
	"os"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
)

// The adaptive bound on checks in flight. Starting every due check at once
// works while the host keeps up; once it does not (thousands of checkers on
// a busy host), every check slows, misses its connect_timeout, is retried a
// second later, and throughput collapses to almost nothing. The engine
// therefore starts due checks only while fewer than limit run, and moves
// limit like TCP's congestion window: it grows while checks finish within
// their timing and is cut when they run late. A check that only waits for a
// peer that does not answer its SYN (a black hole) holds a slot but says
// nothing about this host, so it counts as on time: a fleet of dead real
// servers grows the bound instead of starving the healthy checks behind it.
const (
	initialLimit = 64
	minLimit     = 16
	// lateFloor: a success is never late below it, so scheduler noise on a
	// fast host does not cut the bound.
	lateFloor = 50 * time.Millisecond
	// lateFactor: a success that took this many times its checker's usual
	// duration ran late.
	lateFactor = 4
)

type limiter struct {
	fixed int // WithMaxInFlight: a fixed bound, no adaptation
	max   float64
	limit float64
	// ssthresh: below it the bound grows by one per on-time check (it
	// doubles per round of checks), above it by 1/limit (one per round).
	ssthresh float64
	// lastCut: only checks started after the last cut can justify
	// another, so one wave of late results cuts once.
	lastCut time.Time
	// full: a due check waited for a slot since the last growth; the
	// bound grows only while it holds checks back.
	full bool
}

func newLimiter(fixed, checkers int) limiter {
	l := limiter{fixed: fixed, max: float64(max(checkers, minLimit))}
	l.limit = min(initialLimit, l.max)
	l.ssthresh = l.max
	return l
}

// admit reports whether one more check may start with running in flight.
func (l *limiter) admit(running int) bool {
	if l.fixed > 0 {
		return running < l.fixed
	}
	if running < int(l.limit) {
		return true
	}
	l.full = true
	return false
}

// observe folds one finished check in: late cuts the bound once per wave,
// on time grows it while it held checks back.
func (l *limiter) observe(late bool, started time.Time) {
	if l.fixed > 0 {
		return
	}
	if late {
		if started.After(l.lastCut) {
			l.limit = max(minLimit, l.limit*0.7)
			l.ssthresh = l.limit
			l.lastCut = time.Now()
		}
		l.full = false
		return
	}
	if !l.full {
		return
	}
	l.full = false
	if l.limit < l.ssthresh {
		l.limit++
	} else {
		l.limit += 1 / l.limit
	}
	l.limit = min(l.limit, l.max)
}

// late reports whether a finished check shows this host falling behind: a
// success that used more than half its budget (its connect_timeout, known
// for the event loop's checks) or, budget unknown, lateFactor times its
// checker's usual duration (and at least lateFloor); or an I/O timeout
// after the connection was made (the read or write deadline ran out on a
// live peer). A connect timeout or refusal is the peer's state, not ours.
// Slow but timely successes do not count: the bound is there to keep
// checks from timing out, and under emulation or load their duration
// varies far more than 4x without any check failing.
func (c *checkerState) late(r probe.Result, dur, budget time.Duration) bool {
	if r.Err == nil && budget > 0 {
		return dur > budget/2
	}
	if r.Err == nil {
		late := c.avgDur > 0 && dur > lateFactor*c.avgDur && dur > lateFloor
		switch {
		case c.avgDur == 0:
			c.avgDur = dur
		case late:
			// Slowly, so a peer that became slower for good stops
			// counting as late while a passing storm does not.
			c.avgDur += (dur - c.avgDur) / 32
		default:
			c.avgDur += (dur - c.avgDur) / 8
		}
		return late
	}
	// Only where a stalled answer on a made connection is the exception:
	// a UDP or DNS peer that does not answer is simply down.
	if (c.spec.Kind != "HTTP_GET" && c.spec.Kind != "SSL_GET") || !errors.Is(r.Err, os.ErrDeadlineExceeded) {
		return false
	}
	var op *net.OpError
	return !errors.As(r.Err, &op) || op.Op != "dial"
}
