package lvs

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/dsas/keepalived-go/check/probe"
)

// errConfirming is the verdict of an HTTP_GET/SSL_GET pass that succeeded
// on the URL that had failed: keepalived then checks every URL once more
// (after delay_loop) before it calls the server up (check_http.c epilog).
var errConfirming = errors.New("failed url answers again; checking every url once more")

// watched wraps a probe with what keepalived's checkers do around the check
// itself: logging failures the way keepalived does (on change, or each one
// with log_all_failures) and, for HTTP_GET/SSL_GET, the second pass that a
// failed checker needs before it recovers.
type watched struct {
	inner  probe.Prober
	log    *slog.Logger
	kind   string
	vs, rs string
	logAll bool
	// http enables the failed-url rule; retry is the checker's retry.
	http  bool
	retry int
	// dynamic: the checker sets the real server's weight.
	dynamic bool

	mu     sync.Mutex
	ran    bool
	lastOK bool
	// A mirror of the engine's checker state (check/state.go), which
	// decides when keepalived would mark the url failed.
	up, hasRun bool
	retryIt    int
	failedURL  bool
	// sinceReset counts checks since the engine generation began.
	sinceReset int
}

// ranSinceReset reports whether a check has completed in this generation.
func (w *watched) ranSinceReset() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sinceReset > 0
}

// reset aligns the mirror with a fresh engine whose checker starts down
// when alpha.
func (w *watched) reset(alpha bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.up, w.hasRun, w.retryIt, w.sinceReset = !alpha, false, w.retry, 0
}

// Check implements probe.Prober.
func (w *watched) Check(ctx context.Context) probe.Result {
	r := w.inner.Check(ctx)
	if ctx.Err() != nil {
		return r
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sinceReset++
	first := !w.ran
	w.ran = true
	ok := r.OK()
	if w.http {
		switch {
		case !ok:
			// keepalived's REGISTER_CHECKER_RETRY with retries exhausted.
			if (w.up || !w.hasRun) && w.retryIt >= w.retry {
				w.failedURL, w.up, w.retryIt = true, false, 0
			} else if w.up {
				w.retryIt++
			}
		case w.failedURL:
			w.failedURL = false
			r = probe.Result{Err: errConfirming}
		default:
			w.up, w.retryIt = true, 0
		}
		w.hasRun = true
	}
	switch {
	case !ok && (w.logAll || first || w.lastOK):
		w.log.Info(w.kind+" failed", "vs", w.vs, "rs", w.rs, "err", r.Err)
	case ok && (first || !w.lastOK):
		w.log.Info(w.kind+" succeeded", "vs", w.vs, "rs", w.rs)
	}
	w.lastOK = ok
	return r
}
