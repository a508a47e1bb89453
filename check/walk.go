package check

import (
	"github.com/dsas/keepalived-go/check/probe"
)

// urlWalk is check_http.c's url iterator of an HTTP_GET/SSL_GET checker
// (its epilog and timeout_epilog): each check fetches one url, url_it, and
// a url that passes moves the walk to the next one after delay_loop. The
// checker is called up only when the walk passes its last url with no url
// failed. A url that still fails once the retries are spent becomes
// failed_url: the walk stays on it (after delay_loop at least) until it
// answers, which only clears it; the walk then starts again from the first
// url.
type urlWalk struct {
	p      probe.Walker
	n      int
	it     int // url_it: the url the next check fetches
	failed int // failed_url; -1: none
}

// newURLWalk is the walk of a prober with urls, nil for any other.
func newURLWalk(p probe.Prober) *urlWalk {
	w, ok := p.(probe.Walker)
	if !ok || w.Parts() == 0 {
		return nil
	}
	return &urlWalk{p: w, n: w.Parts(), failed: -1}
}

// aim points the probe at the url its next check fetches; called before
// every check, by the goroutine that owns the schedule.
func (c *checkerState) aim() {
	if c.walk != nil {
		c.walk.p.Aim(c.walk.it)
	}
}

// failedURL is failed_url's path, "" when no url is failed.
func (w *urlWalk) failedURL() string {
	if w == nil || w.failed < 0 {
		return ""
	}
	return w.p.Part(w.failed)
}

// walkMethod is the epilog's register_checker_t.
type walkMethod uint8

const (
	walkNew    walkMethod = iota // the url passed
	walkRetry                    // it failed while up or before the first verdict
	walkFailed                   // it failed while known down: nothing counts
)

// applyWalk is the epilog for one url's result (ok, or err).
func (c *checkerState) applyWalk(ok bool, err error) verdict {
	w, t := c.walk, c.spec.Timing
	hadRun := c.hasRun
	said := Verdict{Up: ok, WasUp: c.up, HasRun: hadRun, Retry: t.Retry, Err: err, URL: w.it}
	var v verdict
	method := walkNew
	switch {
	case ok:
		if !c.up {
			// http_handle_response: "<what> success to RS url(PATH)".
			said.Partial = true
			v.logged = &said
		}
	case c.up || !c.hasRun:
		// timeout_epilog marks the checker as run before the epilog.
		c.hasRun = true
		method = walkRetry
	default:
		method = walkFailed
	}
	switch method {
	case walkNew:
		w.it++
		c.retryIt = 0
	case walkRetry:
		c.retryIt++
	}
	switch {
	case method == walkNew && w.it == w.n && w.failed < 0:
		// Every url passed.
		if !c.up || !c.hasRun {
			said.Partial = false
			v.logged = &said
			v.changed, v.first = !c.up, !hadRun
			c.up, c.hasRun = true, true
		}
		w.it, c.retryIt = 0, 0
	case method == walkRetry && c.retryIt > t.Retry:
		// An alpha checker's first failure is quiet: it is down already
		// and, by now, has run.
		if c.up {
			v.logged = &said
			v.changed, v.first = true, !hadRun
			c.up = false
		}
		w.failed = w.it
	case method == walkNew && w.failed >= 0:
		// The failed url answers again: check every url once more.
		w.failed, w.it, c.retryIt = -1, 0, 0
	}
	switch {
	case method == walkNew:
		v.delay = t.DelayLoop
		if !c.hasRun {
			c.retryIt = t.Retry
		}
	case w.failed >= 0:
		v.delay = max(t.DelayBeforeRetry, t.DelayLoop)
	default:
		v.delay = t.DelayBeforeRetry
	}
	if c.spec.FastRecovery && (!c.hasRun || !c.up && w.failed < 0) {
		v.delay = 0
	}
	return v
}
