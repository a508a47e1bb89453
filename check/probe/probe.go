// Package probe holds keepalived's health checkers (HTTP_GET, SSL_GET,
// TCP_CHECK, SMTP_CHECK, MISC_CHECK, DNS_CHECK, UDP_CHECK, PING_CHECK,
// FILE_CHECK). Each checker is one small type behind the Prober interface;
// the engine in package check decides when to call it and what a result
// means for IPVS.
package probe

import (
	"context"
	"time"
)

// Prober runs one health check. Check must return by the prober's own
// deadline (connect_timeout, or misc_timeout for MISC_CHECK) even if the peer
// stalls, and must return promptly when ctx is cancelled. A Prober is called
// by one goroutine at a time but may be called again from another one.
type Prober interface {
	Check(ctx context.Context) Result
}

// WeightMode says how a result changes the real server's weight.
type WeightMode uint8

const (
	// WeightNone leaves the configured weight alone.
	WeightNone WeightMode = iota
	// WeightAbsolute asks for Weight as the real server's weight
	// (MISC_CHECK with misc_dynamic).
	WeightAbsolute
	// WeightRelative adds Weight to the real server's configured weight
	// (FILE_CHECK: file value × weight).
	WeightRelative
)

// Result is the outcome of one check.
type Result struct {
	// Err is nil when the target is healthy; otherwise it says why not.
	Err error
	// Mode and Weight carry a dynamic weight; only meaningful when Err is nil.
	Mode   WeightMode
	Weight int64
}

// OK reports whether the check passed.
func (r Result) OK() bool { return r.Err == nil }

// fail is shorthand used by every prober.
func fail(err error) Result { return Result{Err: err} }

// deadline returns the single deadline bounding a whole check: the earlier of
// now+timeout and ctx's own deadline. A non-positive timeout means ctx alone.
func deadline(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, timeout)
}
