package check

import "time"

// ServiceStatus is a snapshot of one virtual server for metrics and the
// status command.
type ServiceStatus struct {
	ID          string
	QuorumUp    bool
	SorryActive bool
	AliveWeight int64
	Quorum      int64 // after keepalived's clamping
	Hysteresis  int64
	Members     []Member
	Reals       []RealStatus
}

// RealStatus is a snapshot of one real server.
type RealStatus struct {
	ID     string
	Alive  bool
	Weight int64 // effective weight (configured + dynamic), as IPVS takes it (clamped)
	// RawWeight is the sum before clamping (keepalived's effective_weight,
	// which keepalived_check.data prints).
	RawWeight int64
	Checkers  []CheckerStatus
}

// CheckerStatus is a snapshot of one checker.
type CheckerStatus struct {
	Kind      string
	Up        bool
	InFlight  bool
	LastOK    bool
	LastError string
	// LastFailure is the error of the most recent failed check, kept after
	// the checker recovers; LastFailureAt is when that check ran.
	LastFailure   string
	LastFailureAt time.Time
	LastDuration  time.Duration
	LastRun       time.Time
	// HasRun is keepalived's has_run: a check reached a verdict. One whose
	// socket could not be set up (probe.SetupError) has not run.
	HasRun              bool
	NextRun             time.Time // zero while in flight
	ConsecutiveFailures int
	Checks              uint64
	Failures            uint64
	// FailedURL is an HTTP_GET/SSL_GET checker's failed_url (its path): the
	// url that failed once the retries were spent, which alone is checked
	// until it answers again; "" when none (walk.go).
	FailedURL string
	// Weight is the checker's dynamic weight (keepalived's cur_weight):
	// FILE_CHECK's value × weight, MISC_CHECK's misc_dynamic offset.
	Weight int64
}

// Status returns a consistent snapshot of every service.
func (e *Engine) Status() []ServiceStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]ServiceStatus, 0, len(e.services))
	for _, s := range e.services {
		ss := ServiceStatus{
			ID: s.spec.ID, QuorumUp: s.quorumUp, SorryActive: s.sorryActive,
			AliveWeight: s.aliveWeight(), Quorum: s.quorum, Hysteresis: s.hysteresis,
			Members: append([]Member(nil), s.last...),
		}
		for _, r := range s.reals {
			rs := RealStatus{ID: r.spec.ID, Alive: r.alive, Weight: r.weight(), RawWeight: r.rawWeight()}
			for _, c := range r.checkers {
				cs := CheckerStatus{
					Kind: c.spec.Kind, Up: c.up, InFlight: c.inFlight, LastOK: c.lastOK,
					LastError: c.lastErr, LastFailure: c.lastFail, LastFailureAt: c.lastFailAt,
					LastDuration: c.lastDur, LastRun: c.lastRun, HasRun: c.hasRun,
					ConsecutiveFailures: c.consecFail, Checks: c.checks, Failures: c.failures,
					FailedURL: c.walk.failedURL(), Weight: c.offset,
				}
				if !c.inFlight {
					cs.NextRun = c.next
				}
				rs.Checkers = append(rs.Checkers, cs)
			}
			ss.Reals = append(ss.Reals, rs)
		}
		out = append(out, ss)
	}
	return out
}
