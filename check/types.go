// Package check is the health-checker engine of keepalived-go's LVS side. It
// schedules the probes of package check/probe with keepalived's timing, runs
// keepalived's checker, real server and quorum state machines, and states the
// result through a Sink: for each virtual server, which real servers should be
// in IPVS and with what weight, plus the events that drive notify scripts,
// FIFO lines and metrics. It knows nothing of keepalived.conf or netlink; the
// daemon maps its configuration onto these types and the Sink onto IPVS.
package check

import (
	"time"

	"github.com/dsas/keepalived-go/check/probe"
)

// Command is the argv of a notify_up/notify_down or quorum_up/quorum_down
// script. The engine never runs it; it hands it over with the event.
type Command []string

// Timing is a checker's resolved timing (see Resolve for keepalived's
// inheritance and defaults).
type Timing struct {
	DelayLoop        time.Duration
	DelayBeforeRetry time.Duration
	// Warmup bounds the random extra delay before the first check; 0 starts
	// every checker exactly one second after the engine.
	Warmup time.Duration
	// Retry is how many extra attempts a failing, up checker gets before it
	// goes down.
	Retry int
	// Alpha starts the checker down.
	Alpha bool
}

// Checker is one checker block of a real server.
type Checker struct {
	// Kind names the checker for status and logs, e.g. "HTTP_GET".
	Kind   string
	Probe  probe.Prober
	Timing Timing
	// FastRecovery is HTTP_GET/SSL_GET fast_recovery: keepalived's epilog
	// schedules the next check at once, not after delay_loop, before the
	// first verdict and while the checker is down with no failed url.
	// An HTTP_GET/SSL_GET checker is one whose Probe is a probe.Walker:
	// it follows check_http.c's url walk (walk.go).
	FastRecovery bool
	// Wake, when set, lets Engine.Wake(Wake) run the checker at once
	// (BFD_CHECK: "bfd:" + the instance name).
	Wake string
	// Inert checkers never run and keep their initial state: keepalived's
	// BFD_CHECK on a bfd_instance its BFD process disabled (no neighbor),
	// which no event ever reaches.
	Inert bool
	// OnVerdict, when set, is told each verdict keepalived's checkers log
	// (their *_epilog functions): a success while down or before the first
	// run, a failure once the retries are spent while up or before the
	// first run, and a check that could not start (NotRun). It is called
	// from the engine's loop and must not block.
	OnVerdict func(Verdict)
}

// Verdict is a checker's logged verdict (see Checker.OnVerdict).
type Verdict struct {
	Up bool
	// WasUp is the checker's state before the verdict (false before the
	// first run of an alpha checker); HasRun whether it had run before.
	WasUp, HasRun bool
	// Retry is the checker's retry setting: keepalived says "failed after
	// N retries." when it is set and the checker had run, "failed."
	// otherwise.
	Retry int
	// Err is the failing check's error (nil for a success).
	Err error
	// NotRun: the check could not start (Err is a *probe.SetupError);
	// keepalived logs why and tries again after delay_loop, Up means
	// nothing.
	NotRun bool
	// URL is the index of the url an HTTP_GET/SSL_GET check fetched (0
	// for other checkers). With Up and !WasUp keepalived logs "… success
	// to RS url(PATH)" for it; Partial says the walk goes on (the other
	// urls are still to pass), so that is the only line.
	URL     int
	Partial bool
}

// RealServer is one real_server block.
type RealServer struct {
	// ID identifies the real server in its virtual server; the keepalived
	// FIFO form `[ADDR]:proto:PORT` (see FormatService) is the natural one.
	ID string
	// Weight is the configured weight; dynamic checkers move the effective
	// weight around it.
	Weight int64
	// InhibitOnFailure keeps a dead real server in IPVS with weight 0.
	InhibitOnFailure bool
	NotifyUp         Command
	NotifyDown       Command
	// Checkers must all be up for the server to be alive; none means
	// always alive.
	Checkers []Checker
}

// SorryServer replaces the real servers while quorum is lost.
type SorryServer struct {
	ID string
	// Inhibit keeps the sorry server in IPVS with weight 0 while unused.
	Inhibit bool
}

// VirtualServer is one virtual_server block.
type VirtualServer struct {
	// ID identifies the service, e.g. `[10.0.0.1]:tcp:80` or `FWM 7`.
	ID string
	// Quorum is the alive weight needed; values below 1 mean 1, values above
	// the total configured weight are clamped to it. Hysteresis is forced
	// below Quorum.
	Quorum     int64
	Hysteresis int64
	QuorumUp   Command
	QuorumDown Command
	Sorry      *SorryServer
	// Omega emits quorum-down and real-server-down events at shutdown.
	Omega bool
	Reals []RealServer
}

// Member is one real server the virtual server should have in IPVS.
type Member struct {
	ID string
	// Weight is the IPVS weight; 0 means inhibited (kept but unused).
	Weight int64
	// Sorry marks the sorry server.
	Sorry bool
}

// Sink is the engine's output port. The engine calls it from a single
// goroutine, so implementations need no locking against the engine; they
// should not block for long, since checks are scheduled on the same loop.
type Sink interface {
	// SetMembers states the complete desired membership of a virtual
	// server. It is called once per virtual server at start and again each
	// time that set or a weight changes; the receiver diffs against IPVS.
	SetMembers(vs string, members []Member)
	// Event reports a real server or quorum transition.
	Event(Event)
}
