package bfd

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/dsas/keepalived-go/bfd/wire"
)

// Config is one bfd_instance as the engine needs it.
type Config struct {
	Name       string
	MinRx      time.Duration // bfd.RequiredMinRxInterval
	MinTx      time.Duration // bfd.DesiredMinTxInterval while Up
	IdleTx     time.Duration // bfd.DesiredMinTxInterval while not Up (≥ 1 s per RFC 5880 §6.8.3)
	Multiplier uint8         // bfd.DetectMult
	Passive    bool          // wait for the peer before sending
}

// Transition is one change of a session's local state.
type Transition struct {
	Name       string
	From, To   wire.State
	LocalDiag  wire.Diag
	RemoteDiag wire.Diag
	// RemoteAdminDown is set when the peer went AdminDown: keepalived
	// tells no tracker about such a fall (RFC 5882 §3.2: not a failure).
	RemoteAdminDown bool
}

// Session is the state of one BFD session (RFC 5880 §6.8.1). It is not
// safe for concurrent use; the Engine serialises calls.
type Session struct {
	cfg Config
	log *slog.Logger
	// rnd returns a uniform value in [0, n); injected for the jitter so
	// tests are deterministic.
	rnd func(n int64) int64
	// OnChange, when set, is told every state change synchronously.
	OnChange func(Transition)

	state       wire.State
	remoteState wire.State
	localDiscr  uint32
	remoteDiscr uint32
	localDiag   wire.Diag
	remoteDiag  wire.Diag
	remoteMult  uint8
	remoteMinRx time.Duration
	remoteMinTx time.Duration
	remoteDem   bool

	// desiredTx is the DesiredMinTxInterval in force: IdleTx while not Up,
	// MinTx once a poll sequence has confirmed it (RFC 5880 §6.8.3).
	desiredTx time.Duration
	// rxInForce is the RequiredMinRxInterval the peer has acknowledged:
	// a reduced min_rx only shortens the detection time after the poll
	// sequence that announces it (§6.8.3).
	rxInForce time.Duration
	poll      bool // a poll sequence is running: P in every packet
	final     bool // the next packet answers a poll with F

	txIntv   time.Duration // negotiated transmission interval
	detect   time.Duration // local detection time
	lastSeen time.Time
	downAt   time.Time // the last fall to Down, for Dump's reset timer
	expireAt time.Time // zero while the detection timer is off
	nextTx   time.Time // zero while periodic transmission is off
	sendNow  bool      // a Final is owed at once
}

// NewSession creates a session in the Down state (RFC 5880 §6.8.1). An
// active session starts sending at once; a passive one waits for the peer.
func NewSession(cfg Config, discr uint32, rnd func(int64) int64, log *slog.Logger, now time.Time) *Session {
	s := &Session{cfg: cfg, log: log, rnd: rnd, state: wire.Down, remoteState: wire.Down,
		localDiscr: discr, desiredTx: cfg.IdleTx, rxInForce: cfg.MinRx, remoteMinRx: time.Microsecond}
	s.txIntv = max(s.desiredTx, s.remoteMinRx)
	if !cfg.Passive {
		s.nextTx = now
	}
	return s
}

// State is the local session state.
func (s *Session) State() wire.State { return s.state }

// Discriminator is bfd.LocalDiscr.
func (s *Session) Discriminator() uint32 { return s.localDiscr }

// Config is the configuration the session runs with.
func (s *Session) Config() Config { return s.cfg }

// Timers are the negotiated values, for logs, status and tests.
type Timers struct {
	TxInterval   time.Duration // what we send at
	DetectTime   time.Duration // how long we wait for the peer
	RemoteMinRx  time.Duration
	RemoteMinTx  time.Duration
	RemoteMult   uint8
	RemoteState  wire.State
	RemoteDiscr  uint32
	PollRunning  bool
	LocalDiag    wire.Diag
	RemoteDiag   wire.Diag
	DesiredMinTx time.Duration
}

// Timers reports the negotiated intervals.
func (s *Session) Timers() Timers {
	return Timers{TxInterval: s.txIntv, DetectTime: s.detect, RemoteMinRx: s.remoteMinRx,
		RemoteMinTx: s.remoteMinTx, RemoteMult: s.remoteMult, RemoteState: s.remoteState,
		RemoteDiscr: s.remoteDiscr, PollRunning: s.poll, LocalDiag: s.localDiag,
		RemoteDiag: s.remoteDiag, DesiredMinTx: s.desiredTx}
}

// Deadline is when Advance must next run; zero when nothing is pending.
func (s *Session) Deadline() time.Time {
	d := s.nextTx
	if !s.expireAt.IsZero() && (d.IsZero() || s.expireAt.Before(d)) {
		d = s.expireAt
	}
	if s.sendNow {
		return time.Unix(0, 0) // a Final is owed: as early as possible
	}
	return d
}

// Receive runs the reception rules of RFC 5880 §6.8.6 for a packet that
// passed wire.Decode and the caller's address and TTL checks. It reports
// whether the packet was accepted.
func (s *Session) Receive(now time.Time, p wire.Packet) bool {
	if p.Auth {
		// No authentication is configured (keepalived has none): §6.8.6.
		return false
	}
	if p.YourDiscr != 0 && p.YourDiscr != s.localDiscr {
		return false
	}
	if s.state == wire.AdminDown {
		return false
	}
	s.remoteDiscr = p.MyDiscr
	s.remoteState = p.State
	s.remoteDiag = p.Diag
	s.remoteDem = p.Demand
	s.remoteMult = p.DetectMult
	s.remoteMinRx = usec(p.RequiredMinRx)
	s.remoteMinTx = usec(p.DesiredMinTx)
	if p.Final && s.poll {
		s.poll = false
		// The peer acknowledged our new DesiredMinTx (§6.8.3).
		if s.state == wire.Up {
			s.desiredTx = s.cfg.MinTx
		}
		s.rxInForce = s.cfg.MinRx
	}
	s.retime(now)
	s.lastSeen = now

	switch {
	case p.State == wire.AdminDown:
		if s.state != wire.Down {
			s.down(now, wire.DiagNeighborDown)
		}
	case s.state == wire.Down && p.State == wire.Down:
		s.rise(now, wire.Init)
	case s.state == wire.Down && p.State == wire.Init,
		s.state == wire.Init && (p.State == wire.Init || p.State == wire.Up):
		s.rise(now, wire.Up)
	case s.state == wire.Up && p.State == wire.Down:
		s.down(now, wire.DiagNeighborDown)
	}
	if s.state == wire.Init || s.state == wire.Up {
		s.expireAt = now.Add(s.detect)
	}
	if p.Poll {
		s.final, s.sendNow = true, true
	}
	s.scheduleTx(now)
	return true
}

// retime recomputes the transmission interval and detection time from
// the latest remote values (§6.8.2, §6.8.4) and logs a detection change
// as keepalived does.
func (s *Session) retime(now time.Time) {
	oldTx, oldDetect := s.txIntv, s.detect
	s.txIntv = max(s.desiredTx, s.remoteMinRx)
	s.detect = time.Duration(s.remoteMult) * max(s.rxInForce, s.remoteMinTx)
	if s.detect != oldDetect {
		s.log.Info(fmt.Sprintf("%*s Detection time is %d us (was %d us)", len(s.cfg.Name)+2, "",
			s.detect.Microseconds(), oldDetect.Microseconds()), "bfd", s.cfg.Name)
	}
	// A shorter interval takes effect now rather than after the old one.
	if s.txIntv < oldTx && !s.nextTx.IsZero() {
		s.nextTx = now.Add(s.jittered())
	}
}

// scheduleTx starts or stops periodic transmission per §6.8.7.
func (s *Session) scheduleTx(now time.Time) {
	stop := s.state == wire.AdminDown ||
		(s.cfg.Passive && s.remoteDiscr == 0) ||
		(s.remoteDem && s.state == wire.Up && s.remoteState == wire.Up) ||
		s.remoteMinRx == 0
	switch {
	case stop:
		s.nextTx = time.Time{}
	case s.nextTx.IsZero():
		s.nextTx = now.Add(s.jittered())
	}
}

// jittered is the transmission interval less 0–25 % (10–25 % when
// DetectMult is 1), RFC 5880 §6.8.7.
func (s *Session) jittered() time.Duration {
	lo := int64(0)
	if s.cfg.Multiplier == 1 {
		lo = int64(s.txIntv / 10)
	}
	hi := int64(s.txIntv / 4)
	j := lo
	if hi > lo {
		j += s.rnd(hi - lo + 1)
	}
	return s.txIntv - time.Duration(j)
}

// Advance runs the timers at now: the detection timer may take the
// session Down, and it reports whether a packet is due. The caller then
// sends Packet(); Advance reschedules the next one.
func (s *Session) Advance(now time.Time) bool {
	if !s.expireAt.IsZero() && !now.Before(s.expireAt) {
		s.expire(now)
	}
	if s.sendNow {
		s.sendNow = false
		return true
	}
	if !s.nextTx.IsZero() && !now.Before(s.nextTx) {
		// From the deadline, not from now: a timer that fires late (Go's
		// wake up to about a millisecond after the deadline, more on a
		// loaded host) must not lengthen every interval, or three of them
		// outlast the peer's detection time. Late by more than an
		// interval, start again from now.
		next := s.nextTx.Add(s.jittered())
		if !next.After(now) {
			next = now.Add(s.jittered())
		}
		s.nextTx = next
		return true
	}
	return false
}

func (s *Session) expire(now time.Time) {
	s.expireAt = time.Time{}
	dead := now.Sub(s.lastSeen)
	if s.state == wire.Up {
		s.log.Warn(fmt.Sprintf("(%s) Expired after %d ms (%d usec overdue)", s.cfg.Name,
			dead.Milliseconds(), (dead-s.detect).Microseconds()), "bfd", s.cfg.Name)
	}
	// §6.8.1: RemoteDiscr is zeroed after a Detection Time of silence.
	s.remoteDiscr = 0
	s.down(now, wire.DiagExpired)
}

// Packet is the next Control packet to send; it consumes a pending Final.
func (s *Session) Packet() wire.Packet {
	p := wire.Packet{
		Diag: s.localDiag, State: s.state, DetectMult: s.cfg.Multiplier,
		MyDiscr: s.localDiscr, YourDiscr: s.remoteDiscr,
		DesiredMinTx: uint32(s.advertisedTx().Microseconds()), RequiredMinRx: uint32(s.cfg.MinRx.Microseconds()),
	}
	if s.final {
		p.Final, s.final = true, false
	} else if s.poll {
		p.Poll = true
	}
	return p
}

// advertisedTx is what DesiredMinTx says on the wire: the new MinTx as
// soon as a poll sequence for it starts (§6.8.3).
func (s *Session) advertisedTx() time.Duration {
	if s.state == wire.Up {
		return s.cfg.MinTx
	}
	return s.cfg.IdleTx
}

func (s *Session) rise(now time.Time, to wire.State) {
	from := s.state
	s.state, s.localDiag = to, wire.DiagNone
	if to == wire.Up {
		s.log.Info(fmt.Sprintf("(%s) Entering %s state", s.cfg.Name, to), "bfd", s.cfg.Name)
		if s.cfg.MinTx != s.desiredTx {
			s.startPoll(now)
		}
	}
	s.notify(from, false)
}

// startPoll announces new intervals (§6.8.3). Changes that are safe for
// the peer take effect at once: sending faster, and waiting longer
// (a larger min_rx). The others wait for the Final.
func (s *Session) startPoll(now time.Time) {
	s.log.Debug(fmt.Sprintf("(%s) Starting poll sequence", s.cfg.Name), "bfd", s.cfg.Name)
	s.poll = true
	s.desiredTx = min(s.desiredTx, s.cfg.MinTx)
	s.rxInForce = max(s.rxInForce, s.cfg.MinRx)
	s.retime(now)
}

func (s *Session) down(now time.Time, diag wire.Diag) {
	from := s.state
	if from == wire.Up {
		s.log.Warn(fmt.Sprintf("(%s) Entering %s state (Local diagnostic - %s, Remote diagnostic - %s)",
			s.cfg.Name, wire.Down, diag, s.remoteDiag), "bfd", s.cfg.Name)
	}
	s.state, s.localDiag = wire.Down, diag
	s.expireAt, s.downAt = time.Time{}, now
	// Back to the slow rate (§6.8.3) with no poll: the peer is not Up.
	s.desiredTx, s.rxInForce, s.poll = s.cfg.IdleTx, s.cfg.MinRx, false
	s.txIntv = max(s.desiredTx, s.remoteMinRx)
	if s.cfg.Passive {
		s.nextTx = time.Time{}
	} else if !s.nextTx.IsZero() && s.nextTx.After(now.Add(s.txIntv)) {
		s.nextTx = now.Add(s.jittered())
	}
	s.notify(from, s.remoteState == wire.AdminDown)
}

func (s *Session) notify(from wire.State, remoteAdmin bool) {
	if s.OnChange != nil && from != s.state {
		s.OnChange(Transition{Name: s.cfg.Name, From: from, To: s.state, LocalDiag: s.localDiag,
			RemoteDiag: s.remoteDiag, RemoteAdminDown: remoteAdmin})
	}
}

// SetAdminDown takes the session AdminDown (diag 7), as on removal from
// the configuration: the caller sends Packet() a few times so the peer
// goes Down at once instead of waiting out its detection time.
func (s *Session) SetAdminDown(now time.Time) {
	from := s.state
	s.state, s.localDiag = wire.AdminDown, wire.DiagAdminDown
	s.expireAt, s.nextTx, s.poll, s.final, s.sendNow = time.Time{}, time.Time{}, false, false, false
	s.log.Warn(fmt.Sprintf("(%s) Entering %s state", s.cfg.Name, s.state), "bfd", s.cfg.Name)
	s.notify(from, false)
}

// Enable takes a session disabled for want of a socket from AdminDown
// to Down and starts its transmissions; keepalived leaves the AdminDown
// diagnostic in place and logs nothing.
func (s *Session) Enable(now time.Time) {
	if s.state != wire.AdminDown {
		return
	}
	s.state = wire.Down
	s.scheduleTx(now)
}

// Reconfigure applies changed intervals to a running session without
// taking it down: a change of the intervals in force while Up starts a
// poll sequence (§6.8.3). The caller keeps the session when only
// intervals, multiplier or passive changed.
func (s *Session) Reconfigure(now time.Time, cfg Config) {
	old := s.cfg
	s.cfg = cfg
	if s.state != wire.Up {
		s.desiredTx, s.rxInForce = cfg.IdleTx, cfg.MinRx
		if old.IdleTx != cfg.IdleTx || old.MinRx != cfg.MinRx {
			s.retime(now)
		}
	} else if old.MinTx != cfg.MinTx || old.MinRx != cfg.MinRx {
		s.startPoll(now)
	}
	s.scheduleTx(now)
}

// Dump is a session's state as keepalived's SIGUSR1 file (bfd_data.c)
// shows it, in its terms.
type Dump struct {
	State, RemoteState       wire.State
	LocalDiscr, RemoteDiscr  uint32
	LocalDiag, RemoteDiag    wire.Diag
	RemoteMinTx, RemoteMinRx time.Duration
	RemoteDemand             bool
	RemoteMult               uint8
	Poll, Final              bool
	LocalTx, RemoteTx        time.Duration
	LocalDetect              time.Duration
	RemoteDetect             time.Duration
	LastSeen                 time.Time // zero: never
	// Sending, Expiring, Resetting: keepalived's thread_out, thread_exp
	// and thread_rst are scheduled (periodic transmission, the detection
	// timer, the reset a detection time after a fall to Down).
	Sending, Expiring, Resetting bool
}

// Dump reports the session at now.
func (s *Session) Dump(now time.Time) Dump {
	d := Dump{State: s.state, RemoteState: s.remoteState, LocalDiscr: s.localDiscr, RemoteDiscr: s.remoteDiscr,
		LocalDiag: s.localDiag, RemoteDiag: s.remoteDiag, Poll: s.poll, Final: s.final, LocalTx: s.txIntv,
		LocalDetect: s.detect, LastSeen: s.lastSeen,
		Sending: !s.nextTx.IsZero() || s.sendNow, Expiring: !s.expireAt.IsZero(),
		Resetting: s.state == wire.Down && !s.downAt.IsZero() && now.Before(s.downAt.Add(s.detect))}
	if !s.lastSeen.IsZero() {
		// keepalived keeps the peer's values from its last packet; before
		// one they read 0 (our RFC 5880 start value of 1 µs included).
		d.RemoteMinTx, d.RemoteMinRx, d.RemoteDemand, d.RemoteMult = s.remoteMinTx, s.remoteMinRx, s.remoteDem, s.remoteMult
		d.RemoteTx = max(s.cfg.MinRx, s.remoteMinTx)
		d.RemoteDetect = time.Duration(s.cfg.Multiplier) * s.txIntv
	}
	return d
}

func usec(v uint32) time.Duration { return time.Duration(v) * time.Microsecond }
