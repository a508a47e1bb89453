package bfd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/dsas/keepalived-go/bfd/wire"
	"github.com/dsas/keepalived-go/internal/strerror"
)

// Spec is one bfd_instance: the session's timers plus where it runs.
type Spec struct {
	Config
	Neighbor netip.Addr
	Source   netip.Addr // invalid: the kernel chooses
	TTL      int        // sent TTL / hop limit
	MaxHops  int        // received TTL must be ≥ TTL-MaxHops; 255 turns the check off
}

// sameEndpoint reports whether two specs describe the same session on the
// wire, so a reload can keep it (only timers differ).
func (s Spec) sameEndpoint(o Spec) bool {
	return s.Neighbor == o.Neighbor && s.Source == o.Source && s.TTL == o.TTL && s.MaxHops == o.MaxHops
}

// Sender sends one session's packets; the adapter owns the socket.
type Sender interface {
	Send(b []byte) error
	Close() error
}

// Transport opens a session's sending socket (bfdsock in production).
type Transport interface {
	Open(spec Spec) (Sender, error)
}

// Counters are the engine's drop counters, for metrics and tests.
type Counters struct {
	Received  uint64 // accepted by a session
	Malformed uint64 // refused by wire.Decode
	NoSession uint64 // no session for the discriminator or addresses
	BadTTL    uint64 // GTSM (RFC 5881 §5) failure
	Refused   uint64 // a session refused it (auth, AdminDown)
	Sent      uint64
	SendErr   uint64
}

// Engine runs the sessions of one configuration.
type Engine struct {
	log *slog.Logger
	tr  Transport
	now func() time.Time
	rnd func(int64) int64
	// notify tells the trackers a session's up/down, keepalived's event
	// pipe: on Up, and on a fall from Up unless the peer went AdminDown.
	notify func(name string, up bool)

	// pending, when set, reports packets received by the host and not yet
	// handed to Input (SetPending).
	pending func() bool

	mu       sync.Mutex
	sessions map[string]*entry
	order    []string // the names in configuration order, for Dump
	byDiscr  map[uint32]*entry
	cnt      Counters
	wake     chan struct{}
}

type entry struct {
	spec    Spec
	s       *Session
	tx      Sender
	openErr bool // the last Open failed: the session is AdminDown
	// retryAt is when an AdminDown session whose socket could not be
	// opened tries again (keepalived's thread_open_fd_out).
	retryAt time.Time
	sendErr bool // the last Send failed; logged once
}

// openRetry is keepalived's wait before it tries again to open a
// session's socket.
const openRetry = 60 * time.Second

// NewEngine makes an engine; notify may be nil.
func NewEngine(log *slog.Logger, tr Transport, notify func(name string, up bool)) *Engine {
	return &Engine{log: log, tr: tr, now: time.Now, rnd: rand.Int64N, notify: notify,
		sessions: map[string]*entry{}, byDiscr: map[uint32]*entry{}, wake: make(chan struct{}, 1)}
}

// Apply makes the running sessions match specs. A session whose name and
// endpoint are unchanged keeps its state (and stays Up); changed timers
// go through a poll sequence. Removed sessions go AdminDown so the peer
// drops them at once.
func (e *Engine) Apply(specs []Spec) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	want := map[string]Spec{}
	e.order = e.order[:0]
	for _, sp := range specs {
		want[sp.Name] = sp
		e.order = append(e.order, sp.Name)
	}
	for name, en := range e.sessions {
		if sp, ok := want[name]; !ok || !sp.sameEndpoint(en.spec) {
			e.removeLocked(now, en)
		}
	}
	for _, sp := range specs {
		if en := e.sessions[sp.Name]; en != nil {
			if en.spec.Config != sp.Config {
				en.s.Reconfigure(now, sp.Config)
			}
			en.spec = sp
			continue
		}
		e.addLocked(now, sp)
	}
	e.kick()
}

// closeAll closes every session's socket without a word to the peers.
func (e *Engine) closeAll() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for name, en := range e.sessions {
		if en.tx != nil {
			_ = en.tx.Close()
		}
		delete(e.sessions, name)
		delete(e.byDiscr, en.s.Discriminator())
	}
	e.order = e.order[:0]
}

func (e *Engine) addLocked(now time.Time, sp Spec) {
	discr := e.newDiscr()
	en := &entry{spec: sp}
	en.s = NewSession(sp.Config, discr, e.rnd, e.log, now)
	en.s.OnChange = func(t Transition) { e.changed(en, t) }
	e.sessions[sp.Name] = en
	e.byDiscr[discr] = en
	if !e.openLocked(now, en) {
		// keepalived's bfd_open_fds: the session is disabled (AdminDown,
		// nothing sent) until a retry opens the socket.
		e.log.Error(fmt.Sprintf("(%s) Unable to open output socket, disabling instance", sp.Name), "bfd", sp.Name)
		en.s.SetAdminDown(now)
	}
}

// newDiscr picks a random unused non-zero discriminator (§6.8.1).
func (e *Engine) newDiscr() uint32 {
	for {
		d := uint32(e.rnd(1<<32-1)) + 1
		if e.byDiscr[d] == nil {
			return d
		}
	}
}

// openLocked opens the session's socket, logging a failure in
// keepalived's words (bfd_open_fd_out, at each try) and arming the retry.
func (e *Engine) openLocked(now time.Time, en *entry) bool {
	if en.tx != nil {
		return true
	}
	tx, err := e.tr.Open(en.spec)
	if err != nil {
		call := "socket"
		var se *os.SyscallError
		if errors.As(err, &se) && se.Syscall == "bind" {
			call = "bind"
		}
		e.log.Error(fmt.Sprintf("(%s) %s() error (%s)", en.spec.Name, call, strerror.Text(err)), "bfd", en.spec.Name)
		en.openErr, en.retryAt = true, now.Add(openRetry)
		return false
	}
	en.tx, en.openErr, en.retryAt = tx, false, time.Time{}
	return true
}

// retryOpenLocked tries again to open a disabled session's socket; once
// open the session leaves AdminDown for Down and starts sending, without
// a word, as keepalived's bfd_open_fd_out_thread.
func (e *Engine) retryOpenLocked(now time.Time, en *entry) {
	if e.openLocked(now, en) {
		en.s.Enable(now)
	}
}

// removeLocked sends AdminDown and forgets the session.
func (e *Engine) removeLocked(now time.Time, en *entry) {
	if en.s.State() != wire.AdminDown {
		en.s.SetAdminDown(now)
		// Several copies: one may be lost and the peer then waits out
		// its detection time (RFC 5880 §6.8.16 suggests more than one).
		for range 3 {
			e.sendLocked(en)
		}
	}
	if en.tx != nil {
		_ = en.tx.Close()
	}
	delete(e.sessions, en.spec.Name)
	delete(e.byDiscr, en.s.Discriminator())
}

func (e *Engine) changed(en *entry, t Transition) {
	if e.notify == nil {
		return
	}
	switch {
	case t.To == wire.Up:
		e.notify(t.Name, true)
	case t.From == wire.Up && !t.RemoteAdminDown && t.To == wire.Down:
		e.notify(t.Name, false)
	}
}

func (e *Engine) sendLocked(en *entry) {
	p := en.s.Packet()
	if en.tx == nil {
		return
	}
	if err := en.tx.Send(p.Append(nil)); err != nil {
		e.cnt.SendErr++
		if !en.sendErr {
			// keepalived's two lines: bfd_send_packet's, then the caller's.
			e.log.Error(fmt.Sprintf("sendto() error (%s)", strerror.Text(err)), "bfd", en.spec.Name)
			e.log.Error(fmt.Sprintf("(%s) Error sending packet", en.spec.Name), "bfd", en.spec.Name)
			en.sendErr = true
		}
		return
	}
	en.sendErr = false
	e.cnt.Sent++
}

// Input hands the engine one received datagram with its addresses and
// the TTL/hop limit it arrived with (0 when unknown). Every refusal is
// counted and the packet dropped.
func (e *Engine) Input(b []byte, src, dst netip.Addr, ttl int) {
	p, err := wire.Decode(b)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		e.cnt.Malformed++
		e.log.Debug("Discarding bogus packet from "+src.String(), "err", err)
		return
	}
	en := e.lookupLocked(p, src.Unmap(), dst.Unmap())
	if en == nil {
		e.cnt.NoSession++
		return
	}
	// GTSM (RFC 5881 §5), keepalived's reading: max_hops below ttl.
	if ttl != 0 && en.spec.MaxHops != 255 && ttl+en.spec.MaxHops < en.spec.TTL {
		e.cnt.BadTTL++
		e.log.Debug(fmt.Sprintf("Packet ttl(%d) < %d - discarding", ttl, en.spec.TTL-en.spec.MaxHops), "bfd", en.spec.Name)
		return
	}
	if en.openErr {
		// keepalived tries the socket again on a packet for a disabled
		// session (bfd_receive_packet), and takes it once open.
		e.retryOpenLocked(e.now(), en)
	}
	if !en.s.Receive(e.now(), p) {
		e.cnt.Refused++
		return
	}
	e.cnt.Received++
	// Only this session: advancing the others here could expire one
	// whose packet is queued right behind this one (after the process
	// was not scheduled for a while). Run handles them, reading first.
	now := e.now()
	for en.s.Advance(now) {
		e.sendLocked(en)
	}
	e.kick()
}

// lookupLocked finds the session by Your Discriminator or, while that is
// zero, by the addresses (RFC 5880 §6.8.6, RFC 5881 §3).
func (e *Engine) lookupLocked(p wire.Packet, src, dst netip.Addr) *entry {
	if p.YourDiscr != 0 {
		en := e.byDiscr[p.YourDiscr]
		if en != nil && en.spec.Neighbor != src {
			return nil
		}
		return en
	}
	for _, en := range e.sessions {
		if en.spec.Neighbor == src && (!en.spec.Source.IsValid() || !dst.IsValid() || en.spec.Source == dst) {
			return en
		}
	}
	return nil
}

// flushLocked runs every session's timers at now and sends what is due.
func (e *Engine) flushLocked(now time.Time) {
	for _, en := range e.sessions {
		if en.openErr && !now.Before(en.retryAt) {
			e.retryOpenLocked(now, en)
		}
		for en.s.Advance(now) {
			e.sendLocked(en)
		}
	}
}

func (e *Engine) kick() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *Engine) nextLocked() time.Time {
	var next time.Time
	for _, en := range e.sessions {
		if d := en.s.Deadline(); !d.IsZero() && (next.IsZero() || d.Before(next)) {
			next = d
		}
		if en.openErr && (next.IsZero() || en.retryAt.Before(next)) {
			next = en.retryAt
		}
	}
	return next
}

// SetPending gives the engine a way to see packets that reached the host
// but not yet Input; call it before Run. When the process has not been
// scheduled for a while (a loaded host), the timer and the reader wake
// together: without this, the timer could take every session Down while
// their packets wait unread.
func (e *Engine) SetPending(f func() bool) { e.pending = f }

// drainBound bounds how long Run waits for the reader before it lets a
// detection timer expire.
const drainBound = 5 * time.Millisecond

// drain waits, without the lock, until the reader has taken what is
// queued (or drainBound has passed), when a detection timer is due.
func (e *Engine) drain() {
	if e.pending == nil {
		return
	}
	e.mu.Lock()
	now := e.now()
	due := false
	for _, en := range e.sessions {
		if x := en.s.expireAt; !x.IsZero() && !now.Before(x) {
			due = true
			break
		}
	}
	e.mu.Unlock()
	if !due {
		return
	}
	for end := time.Now().Add(drainBound); e.pending() && time.Now().Before(end); {
		time.Sleep(50 * time.Microsecond)
	}
}

// Run drives the timers until ctx ends, then stops sending, as
// keepalived's BFD child does at a stop: the peer times the session out
// and its VRRP and checkers get a Down event. An AdminDown would tell
// them nothing (RFC 5880 §6.8.6 forbids reporting it as a failure), so
// a stopped director would stay "up" for every tracker.
func (e *Engine) Run(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		e.drain()
		e.mu.Lock()
		e.flushLocked(e.now())
		next := e.nextLocked()
		e.mu.Unlock()
		d := time.Hour
		if !next.IsZero() {
			d = max(time.Until(next), 0)
		}
		t.Reset(d)
		select {
		case <-ctx.Done():
			e.closeAll()
			return
		case <-t.C:
		case <-e.wake:
		}
	}
}

// Status is one session's view for logs, metrics and tests.
type Status struct {
	Name   string
	State  wire.State
	Timers Timers
}

// Status lists the sessions by name.
func (e *Engine) Status() []Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Status
	for _, en := range e.sessions {
		out = append(out, Status{Name: en.spec.Name, State: en.s.State(), Timers: en.s.Timers()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Counters returns the packet counters.
func (e *Engine) Counters() Counters {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cnt
}

// EntryDump is one session for keepalived's SIGUSR1 file.
type EntryDump struct {
	Spec Spec
	Dump
	FD        int  // the sending socket, -1 while none is open
	OpenRetry bool // the socket could not be opened (thread_open_fd_out)
	SendError bool
}

// Dump lists the sessions in configuration order at now.
func (e *Engine) Dump() []EntryDump {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	var out []EntryDump
	for _, name := range e.order {
		en := e.sessions[name]
		if en == nil {
			continue
		}
		d := EntryDump{Spec: en.spec, Dump: en.s.Dump(now), FD: -1, OpenRetry: en.openErr, SendError: en.sendErr}
		if f, ok := en.tx.(interface{ FD() int }); ok {
			d.FD = f.FD()
		}
		out = append(out, d)
	}
	return out
}
