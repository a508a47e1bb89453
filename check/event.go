package check

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds.
const (
	RealServerUp EventKind = iota + 1
	RealServerDown
	QuorumUp
	QuorumDown
	// CheckerUp and CheckerDown are one checker's verdicts that
	// keepalived's checkers e-mail about (a flip, or MISC_CHECK's first
	// verdict); the engine states them only under WithCheckerEvents.
	CheckerUp
	CheckerDown
)

func (k EventKind) String() string {
	switch k {
	case RealServerUp:
		return "RS UP"
	case RealServerDown:
		return "RS DOWN"
	case QuorumUp:
		return "VS UP"
	case QuorumDown:
		return "VS DOWN"
	case CheckerUp:
		return "CHECKER UP"
	case CheckerDown:
		return "CHECKER DOWN"
	}
	return "event(" + strconv.Itoa(int(k)) + ")"
}

// Event is a transition worth a notify script, a FIFO line, a log line and a
// metric.
type Event struct {
	Kind EventKind
	VS   string
	RS   string // empty for quorum events
	// Command is the configured notify_up/notify_down/quorum_up/quorum_down
	// argv, nil when none is configured; run it with no extra arguments.
	Command Command
	// Init marks keepalived's start-up notifications (quorum starting down
	// with a sorry server; an alpha checker's first failure).
	Init bool
	// Shutdown marks the notifications at stop.
	Shutdown bool
	// TrapOnly marks what keepalived announces at stop with its SNMP trap
	// alone (without omega: no script, no FIFO line, no log).
	TrapOnly bool
	Time     time.Time
	// For quorum events, what keepalived's "Gained quorum Q+H=T <= W" and
	// "Lost quorum Q-H=T > W" lines print: the quorum and hysteresis in
	// force, the threshold crossed and the alive weight.
	Quorum, Hysteresis, Threshold, Weight int64
	// Removed marks a live real server taken out by a reload (stated by
	// package lvs, not the engine).
	Removed bool

	// Checker events: the checker's Kind and index in its real server,
	// whether this was its first verdict and not a flip, the real server's
	// alive state after it and whether that changed, and the failure.
	Checker      string
	CheckerIndex int
	First        bool
	Alive        bool
	AliveChanged bool
	Err          string
}

// FIFOLine is the event as keepalived writes it to notify_fifo /
// lvs_notify_fifo, newline included: `RS <rs> <vs> UP` or `VS <vs> DOWN`.
func (e Event) FIFOLine() string {
	state := "UP"
	if e.Kind == RealServerDown || e.Kind == QuorumDown {
		state = "DOWN"
	}
	if e.Kind == QuorumUp || e.Kind == QuorumDown {
		return "VS " + e.VS + " " + state + "\n"
	}
	return "RS " + e.RS + " " + e.VS + " " + state + "\n"
}

// FormatService renders an address service as keepalived's FIFO does:
// `[ADDR]:proto:PORT` with proto tcp, udp, sctp or none.
func FormatService(addr netip.AddrPort, proto string) string {
	if proto == "" {
		proto = "none"
	}
	return "[" + addr.Addr().String() + "]:" + strings.ToLower(proto) + ":" + strconv.Itoa(int(addr.Port()))
}

// FormatFWMark renders a fwmark service: `FWM <mark>`.
func FormatFWMark(mark uint32) string { return "FWM " + strconv.FormatUint(uint64(mark), 10) }

// FormatGroup renders a virtual_server_group service: `[NAME]:PORT`.
func FormatGroup(name string, port uint16) string {
	return "[" + name + "]:" + strconv.Itoa(int(port))
}
