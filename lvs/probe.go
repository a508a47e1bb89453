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

	mu        sync.Mutex
	ran       bool
	lastOK    bool
	consec    int
	failedURL bool
}

// Check implements probe.Prober.
func (w *watched) Check(ctx context.Context) probe.Result {
	r := w.inner.Check(ctx)
	if ctx.Err() != nil {
		return r
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	first := !w.ran
	w.ran = true
	ok := r.OK()
	if w.http {
		if !ok {
			w.consec++
			if first || w.consec > w.retry {
				w.failedURL = true
			}
		} else {
			w.consec = 0
			if w.failedURL {
				w.failedURL = false
				r = probe.Result{Err: errConfirming}
			}
		}
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
