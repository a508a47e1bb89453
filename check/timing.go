package check

import (
	"strings"
	"time"
)

// Keepalived's defaults for the inherited timing keywords.
const (
	DefaultDelayLoop      = 60 * time.Second
	DefaultConnectTimeout = 5 * time.Second
	// bootstrapDelay is keepalived's fixed delay before any first check.
	bootstrapDelay = time.Second
)

// Levels is the timing one configuration level (virtual_server, real_server
// or checker block) sets; nil means "not set here, inherit".
type Levels struct {
	DelayLoop        *time.Duration
	ConnectTimeout   *time.Duration
	DelayBeforeRetry *time.Duration
	Warmup           *time.Duration
	Retry            *int
	Alpha            *bool
}

// Resolved is a checker's effective timing plus its connect_timeout, which
// the caller puts into the probe (probes own their deadline).
type Resolved struct {
	Timing
	ConnectTimeout time.Duration
}

// Resolve applies keepalived's inheritance VS → RS → checker (pass the
// levels in that order; later wins) and then the checker-kind defaults:
// retry 1 (DNS_CHECK 3, MISC_CHECK and FILE_CHECK 0), delay_before_retry 1 s
// (HTTP_GET/SSL_GET 3 s, DNS_CHECK delay_loop), warmup = delay_loop.
// FILE_CHECK reacts to the file rather than to a retry loop in keepalived,
// so it is polled every second from the start.
func Resolve(kind string, levels ...Levels) Resolved {
	var m Levels
	for _, l := range levels {
		if l.DelayLoop != nil {
			m.DelayLoop = l.DelayLoop
		}
		if l.ConnectTimeout != nil {
			m.ConnectTimeout = l.ConnectTimeout
		}
		if l.DelayBeforeRetry != nil {
			m.DelayBeforeRetry = l.DelayBeforeRetry
		}
		if l.Warmup != nil {
			m.Warmup = l.Warmup
		}
		if l.Retry != nil {
			m.Retry = l.Retry
		}
		if l.Alpha != nil {
			m.Alpha = l.Alpha
		}
	}
	kind = strings.ToUpper(kind)
	r := Resolved{ConnectTimeout: DefaultConnectTimeout}
	r.DelayLoop = DefaultDelayLoop
	if m.DelayLoop != nil && *m.DelayLoop > 0 {
		r.DelayLoop = *m.DelayLoop
	}
	if m.ConnectTimeout != nil {
		r.ConnectTimeout = *m.ConnectTimeout
	}
	switch kind {
	case "DNS_CHECK":
		r.Retry = 3
	case "MISC_CHECK", "FILE_CHECK":
		r.Retry = 0
	default:
		r.Retry = 1
	}
	if m.Retry != nil {
		r.Retry = *m.Retry
	}
	switch kind {
	case "HTTP_GET", "SSL_GET":
		r.DelayBeforeRetry = 3 * time.Second
	case "DNS_CHECK":
		r.DelayBeforeRetry = r.DelayLoop
	default:
		r.DelayBeforeRetry = time.Second
	}
	if m.DelayBeforeRetry != nil {
		r.DelayBeforeRetry = *m.DelayBeforeRetry
	}
	r.Warmup = r.DelayLoop
	if m.Warmup != nil {
		r.Warmup = *m.Warmup
	}
	if m.Alpha != nil {
		r.Alpha = *m.Alpha
	}
	if kind == "FILE_CHECK" {
		r.DelayLoop, r.Retry, r.Warmup = time.Second, 0, 0
	}
	return r
}
