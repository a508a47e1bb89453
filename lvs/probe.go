package lvs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
	"github.com/dsas/keepalived-go/config"
)

// watched wraps a probe with the logging keepalived's checkers do around
// the check itself: failures on change, or each one with
// log_all_failures, and the first success after a failure.
type watched struct {
	inner  probe.Prober
	log    *slog.Logger
	kind   string
	vs, rs string
	logAll bool
	// dynamic: the checker sets the real server's weight.
	dynamic bool
	// bfd is BFD_CHECK's bfd_instance, for keepalived's log line.
	bfd string

	mu     sync.Mutex
	ran    bool
	lastOK bool
	// sinceReset counts checks since the engine generation began.
	sinceReset int
	// cfg is the checker as configured, for its verdicts' log lines.
	cfg *config.Checker
	// st is the stepped check in flight, which w wraps (a prober runs
	// one check at a time): no wrapper kept per checker.
	st probe.Stepper
}

// ranSinceReset reports whether a check has completed in this generation.
func (w *watched) ranSinceReset() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sinceReset > 0
}

// reset starts a new engine generation.
func (w *watched) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sinceReset = 0
}

// Check implements probe.Prober.
func (w *watched) Check(ctx context.Context) probe.Result {
	r := w.inner.Check(ctx)
	if ctx.Err() != nil {
		return r
	}
	return w.observe(ctx, r)
}

// Parts implements probe.Walker: the inner prober's urls, 0 for a prober
// that has none (the engine then walks nothing).
func (w *watched) Parts() int { return walkParts(w.inner) }

// Part implements probe.Walker.
func (w *watched) Part(i int) string { return w.inner.(probe.Walker).Part(i) }

// Aim implements probe.Walker.
func (w *watched) Aim(i int) { aimWalk(w.inner, i) }

func walkParts(p probe.Prober) int {
	if wk, ok := p.(probe.Walker); ok {
		return wk.Parts()
	}
	return 0
}

func aimWalk(p probe.Prober, i int) {
	if wk, ok := p.(probe.Walker); ok {
		wk.Aim(i)
	}
}

// CanStep implements probe.Steppable.
func (w *watched) CanStep() bool {
	sp, ok := w.inner.(probe.Steppable)
	return ok && sp.CanStep()
}

// Begin implements probe.Steppable when the inner prober does.
func (w *watched) Begin(now time.Time) probe.Stepper {
	sp, ok := w.inner.(probe.Steppable)
	if !ok {
		return nil
	}
	st := sp.Begin(now)
	if st == nil {
		return nil
	}
	w.st = st
	return w
}

// Wait implements probe.Stepper for the check in flight.
func (w *watched) Wait() (int, uint32, time.Time, uint32) { return w.st.Wait() }

// Step implements probe.Stepper: the result is observed as Check's is.
func (w *watched) Step(now time.Time, expired bool) (probe.Result, bool) {
	r, done := w.st.Step(now, expired)
	if done {
		w.st = nil
		r = w.observe(context.Background(), r)
	}
	return r, done
}

// Abort implements probe.Stepper.
func (w *watched) Abort() {
	w.st.Abort()
	w.st = nil
}

// observe counts and logs one finished check.
func (w *watched) observe(ctx context.Context, r probe.Result) probe.Result {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sinceReset++
	var se *probe.SetupError
	if errors.As(r.Err, &se) {
		// The check never ran (keepalived's connect_error): the
		// engine's verdict logs keepalived's lines (kalog.go).
		return r
	}
	first := !w.ran
	w.ran = true
	ok := r.OK()
	// keepalived's own lines come from the engine's verdicts (kalog.go);
	// these add the reason, in detail mode (-D), or for every failure with
	// log_all_failures.
	level := slog.LevelDebug
	if w.logAll {
		level = slog.LevelInfo
	}
	switch {
	case w.bfd != "":
		if first || ok != w.lastOK {
			w.log.Info(fmt.Sprintf("BFD check of [%s] RS(%s) is %s", w.bfd, w.rs, map[bool]string{true: "UP", false: "DOWN"}[ok]))
		}
	case !ok && (w.logAll || first || w.lastOK):
		w.log.Log(ctx, level, w.kind+" failed", "vs", w.vs, "rs", w.rs, "err", r.Err)
	case ok && (first || !w.lastOK):
		w.log.Log(ctx, slog.LevelDebug, w.kind+" succeeded", "vs", w.vs, "rs", w.rs)
	}
	w.lastOK = ok
	return r
}
