// Package snmpagent is an AgentX subagent session (RFC 2741): it connects
// to the master agent (net-snmp's snmpd), registers subtrees, answers the
// master's Get/GetNext/GetBulk from a read-only view, sends notifications,
// and connects again when the master restarts. What the view holds is the
// caller's business (package snmpmib for keepalived's MIBs).
package snmpagent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dsas/keepalived-go/agentx"
)

// DefaultSocket is net-snmp's AgentX socket, which keepalived uses when
// neither snmp_socket nor -A names one.
const DefaultSocket = "unix:/var/agentx/master"

// View returns the objects to serve, sorted by OID (Sort). It is called
// once per request, so it may read live state.
type View func() []agentx.VarBind

// Registration is one subtree the agent serves, with the sysORTable entry
// net-snmp's register_sysORTable adds for it.
type Registration struct {
	Subtree agentx.OID
	Descr   string // sysORDescr; none when empty
}

// Agent is one subagent. Set the fields, then Run.
type Agent struct {
	Addr          string // "unix:/path", "/path", "tcp:host:port" or "host:port"
	Name          string // the Open PDU's description
	ID            agentx.OID
	Registrations []Registration
	View          View
	Log           *slog.Logger
	// Retry is the pause between connection attempts (5 s when zero).
	Retry time.Duration
	// Ping is how long the session may stay silent before the agent
	// pings the master (keepalived's 120 s when zero).
	Ping time.Duration
	// Set validates and applies a manager's writes; nil refuses every
	// write with notWritable.
	Set Setter

	start     time.Time
	connected atomic.Bool
	mu        sync.Mutex // guards conn, session, packetID and writes
	conn      net.Conn
	session   uint32
	packetID  uint32
	pending   []agentx.VarBind // the SET between TestSet and Commit/Undo/CleanupSet
}

// Setter is what a subagent lets a manager write. Test checks one
// varbind (RFC 2741's TestSet: type, value, that the object exists and is
// writable) and Commit applies it; each returns an AgentX/SNMP error
// status, 0 for none.
type Setter interface {
	Test(vb agentx.VarBind) uint16
	Commit(vb agentx.VarBind) uint16
}

// Connected reports whether a session with the master is open.
func (a *Agent) Connected() bool { return a.connected.Load() }

// network splits a net-snmp transport address.
func network(addr string) (string, string) {
	switch {
	case strings.HasPrefix(addr, "unix:"):
		return "unix", strings.TrimPrefix(addr, "unix:")
	case strings.HasPrefix(addr, "/"):
		return "unix", addr
	case strings.HasPrefix(addr, "tcp:"):
		addr = strings.TrimPrefix(addr, "tcp:")
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "705") // AgentX's port
	}
	return "tcp", addr
}

// Run connects and serves until ctx ends, connecting again after the
// master goes away. The first failure of a streak is logged once, so a
// missing snmpd does not fill the log.
func (a *Agent) Run(ctx context.Context) {
	if a.Retry == 0 {
		a.Retry = 5 * time.Second
	}
	if a.Ping == 0 {
		a.Ping = 120 * time.Second
	}
	a.start = time.Now()
	quiet := false
	for ctx.Err() == nil {
		err := a.session1(ctx)
		if ctx.Err() != nil {
			return
		}
		if !quiet && a.Log != nil {
			if errors.Is(err, errDial) {
				// net-snmp's words, which keepalived logs; "[NIL]" when no
				// socket was named (its default).
				name := a.Addr
				if name == DefaultSocket {
					name = "[NIL]"
				}
				a.Log.Warn(fmt.Sprintf("Warning: Failed to connect to the agentx master agent (%s): ", name))
				a.Log.Debug("SNMP: AgentX master unreachable, will retry", "addr", a.Addr, "err", err)
			} else {
				a.Log.Warn("SNMP: AgentX session ended, will retry", "addr", a.Addr, "err", err)
			}
		}
		quiet = errors.Is(err, errDial)
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.Retry):
		}
	}
}

var errDial = errors.New("agentx: cannot reach master")

// session1 runs one session: open, register, serve.
func (a *Agent) session1(ctx context.Context) error {
	nw, addr := network(a.Addr)
	var d net.Dialer
	conn, err := d.DialContext(ctx, nw, addr)
	if err != nil {
		return fmt.Errorf("%w: %v", errDial, err)
	}
	stop := context.AfterFunc(ctx, func() { a.closeSession(conn) })
	defer stop()
	defer conn.Close()
	if err := a.open(conn); err != nil {
		return err
	}
	defer func() {
		a.connected.Store(false)
		a.mu.Lock()
		a.conn = nil
		a.mu.Unlock()
	}()
	if a.Log != nil {
		a.Log.Info("SNMP: AgentX session opened", "addr", a.Addr)
	}
	return a.serve(conn)
}

// closeSession says goodbye to the master at shutdown (keepalived's
// snmp_shutdown does the same) and unblocks serve.
func (a *Agent) closeSession(conn net.Conn) {
	a.mu.Lock()
	if a.conn == conn {
		a.writeLocked(agentx.PDU{Header: agentx.Header{Type: agentx.TypeClose}, Reason: agentx.CloseShutdown})
	}
	a.mu.Unlock()
	conn.Close()
}

// call sends p and waits for its response; only used while opening.
func (a *Agent) call(conn net.Conn, p agentx.PDU) (agentx.PDU, error) {
	a.mu.Lock()
	a.packetID++
	p.PacketID = a.packetID
	p.SessionID = a.session
	_, err := conn.Write(agentx.Encode(p))
	a.mu.Unlock()
	if err != nil {
		return agentx.PDU{}, err
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer conn.SetReadDeadline(time.Time{})
	for {
		r, err := readPDU(conn)
		if err != nil {
			return agentx.PDU{}, err
		}
		if r.Type == agentx.TypeResponse && r.PacketID == p.PacketID {
			if r.Error != agentx.ErrNoError {
				return r, fmt.Errorf("agentx: %v refused: error %d", p.Type, r.Error)
			}
			return r, nil
		}
		// The master may query a subtree as soon as its Register is
		// answered, while the agent still registers the next ones.
		if resp, ok := a.answer(r); ok {
			a.mu.Lock()
			_, err := conn.Write(agentx.Encode(resp))
			a.mu.Unlock()
			if err != nil {
				return agentx.PDU{}, err
			}
		}
	}
}

func (a *Agent) open(conn net.Conn) error {
	r, err := a.call(conn, agentx.PDU{Header: agentx.Header{Type: agentx.TypeOpen}, ID: a.ID, Descr: a.Name})
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.session, a.conn = r.SessionID, conn
	a.mu.Unlock()
	for _, reg := range a.Registrations {
		// Priority 127 is net-snmp's default, what keepalived registers with.
		if _, err := a.call(conn, agentx.PDU{Header: agentx.Header{Type: agentx.TypeRegister}, Priority: 127, Subtree: reg.Subtree}); err != nil {
			return err
		}
	}
	for _, reg := range a.Registrations {
		if reg.Descr == "" {
			continue
		}
		if _, err := a.call(conn, agentx.PDU{Header: agentx.Header{Type: agentx.TypeAddAgentCaps}, ID: reg.Subtree, Descr: reg.Descr}); err != nil {
			return err
		}
	}
	a.connected.Store(true)
	return nil
}

// readPDU reads one whole PDU from a stream.
func readPDU(r io.Reader) (agentx.PDU, error) {
	h := make([]byte, agentx.HeaderLen)
	if _, err := io.ReadFull(r, h); err != nil {
		return agentx.PDU{}, err
	}
	hdr, err := agentx.ParseHeader(h)
	if err != nil {
		return agentx.PDU{}, err
	}
	b := make([]byte, agentx.HeaderLen+int(hdr.PayloadLen))
	copy(b, h)
	if _, err := io.ReadFull(r, b[agentx.HeaderLen:]); err != nil {
		return agentx.PDU{}, err
	}
	return agentx.Decode(b)
}

// serve answers the master until the connection fails. Silence longer than
// Ping is met with a Ping, and a Ping unanswered for 5 s ends the session
// (the master is wedged or gone without a FIN).
func (a *Agent) serve(conn net.Conn) error {
	pinged := false
	for {
		wait := a.Ping
		if pinged {
			wait = 5 * time.Second
		}
		conn.SetReadDeadline(time.Now().Add(wait))
		p, err := readPDU(conn)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && !pinged {
			pinged = true
			a.send(agentx.PDU{Header: agentx.Header{Type: agentx.TypePing}})
			continue
		}
		if err != nil {
			return err
		}
		pinged = false
		if p.Type == agentx.TypeClose {
			return fmt.Errorf("agentx: master closed the session (reason %d)", p.Reason)
		}
		if resp, ok := a.answer(p); ok {
			a.mu.Lock()
			err := a.writeLocked(resp)
			a.mu.Unlock()
			if err != nil {
				return err
			}
		}
	}
}

// send writes a PDU of ours with the next packet id.
func (a *Agent) send(p agentx.PDU) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn == nil {
		return errors.New("agentx: not connected")
	}
	a.packetID++
	p.PacketID = a.packetID
	p.SessionID = a.session
	return a.writeLocked(p)
}

func (a *Agent) writeLocked(p agentx.PDU) error {
	if a.conn == nil {
		return errors.New("agentx: not connected")
	}
	a.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := a.conn.Write(agentx.Encode(p))
	return err
}

// uptime is sysUpTime as the subagent reports it in responses.
func (a *Agent) uptime() uint32 { return uint32(time.Since(a.start) / (10 * time.Millisecond)) }

// answer builds the response to one request from the master; ok is false
// for what needs none (responses to our pings and notifications,
// CleanupSet).
func (a *Agent) answer(p agentx.PDU) (agentx.PDU, bool) {
	resp := agentx.PDU{Header: p.Header, SysUpTime: a.uptime()}
	resp.Type, resp.Flags, resp.Context = agentx.TypeResponse, 0, ""
	switch p.Type {
	case agentx.TypeGet, agentx.TypeGetNext, agentx.TypeGetBulk:
		resp.VarBinds = Answer(p, a.View())
	case agentx.TypeTestSet, agentx.TypeCommitSet, agentx.TypeUndoSet:
		resp.Error, resp.Index = a.set(p)
	case agentx.TypeCleanupSet:
		a.setPending(nil)
		return agentx.PDU{}, false
	case agentx.TypeResponse:
		return agentx.PDU{}, false
	default:
		resp.Error = agentx.ErrProcessing
	}
	return resp, true
}

// set runs one phase of a SET (RFC 2741 §7.2.4): TestSet checks every
// varbind and keeps them, CommitSet applies them, UndoSet forgets them
// (keepalived's handlers cannot fail once tested, so there is nothing to
// undo). It returns the error status and the 1-based index of the varbind
// at fault.
func (a *Agent) set(p agentx.PDU) (uint16, uint16) {
	switch p.Type {
	case agentx.TypeTestSet:
		a.setPending(nil)
		for i, vb := range p.VarBinds {
			e := uint16(agentx.ErrNotWritable)
			if a.Set != nil {
				e = a.Set.Test(vb)
			}
			if e != 0 {
				return e, uint16(i + 1)
			}
		}
		a.setPending(p.VarBinds)
	case agentx.TypeCommitSet:
		a.mu.Lock()
		vbs := a.pending
		a.mu.Unlock()
		for i, vb := range vbs {
			if e := a.Set.Commit(vb); e != 0 {
				return agentx.ErrCommitFailed, uint16(i + 1)
			}
		}
	case agentx.TypeUndoSet:
		a.setPending(nil)
	}
	return 0, 0
}

func (a *Agent) setPending(vbs []agentx.VarBind) {
	a.mu.Lock()
	a.pending = vbs
	a.mu.Unlock()
}

// Notify sends an SNMPv2 notification: vbs start with sysUpTime.0 and
// snmpTrapOID.0 (Trap builds them). It fails when no session is open:
// keepalived drops traps in that case too.
func (a *Agent) Notify(vbs []agentx.VarBind) error {
	if !a.Connected() {
		return errors.New("agentx: not connected")
	}
	return a.send(agentx.PDU{Header: agentx.Header{Type: agentx.TypeNotify}, VarBinds: vbs})
}

var (
	sysUpTimeOID   = agentx.MustOID("1.3.6.1.2.1.1.3.0")
	snmpTrapOIDOID = agentx.MustOID("1.3.6.1.6.3.1.1.4.1.0")
)

// Trap prefixes vbs with the two varbinds every notification starts with.
func (a *Agent) Trap(trap agentx.OID, vbs ...agentx.VarBind) []agentx.VarBind {
	return append([]agentx.VarBind{agentx.Ticks(sysUpTimeOID, a.uptime()), agentx.ObjID(snmpTrapOIDOID, trap)}, vbs...)
}

// Sort orders a view by OID.
func Sort(vbs []agentx.VarBind) {
	slices.SortFunc(vbs, func(x, y agentx.VarBind) int { return x.Name.Compare(y.Name) })
}

// Answer resolves a Get, GetNext or GetBulk against a sorted view.
func Answer(p agentx.PDU, view []agentx.VarBind) []agentx.VarBind {
	switch p.Type {
	case agentx.TypeGet:
		out := make([]agentx.VarBind, len(p.Ranges))
		for i, r := range p.Ranges {
			out[i] = get(view, r.Start)
		}
		return out
	case agentx.TypeGetNext:
		out := make([]agentx.VarBind, len(p.Ranges))
		for i, r := range p.Ranges {
			out[i] = next(view, r)
		}
		return out
	}
	return bulk(p, view)
}

func get(view []agentx.VarBind, name agentx.OID) agentx.VarBind {
	i, found := slices.BinarySearchFunc(view, name, func(vb agentx.VarBind, o agentx.OID) int { return vb.Name.Compare(o) })
	if found {
		return view[i]
	}
	return agentx.VarBind{Type: agentx.NoSuchObject, Name: name}
}

// next is the first object in r: after r.Start (or at it, with Include)
// and before r.End when that is set.
func next(view []agentx.VarBind, r agentx.SearchRange) agentx.VarBind {
	i, found := slices.BinarySearchFunc(view, r.Start, func(vb agentx.VarBind, o agentx.OID) int { return vb.Name.Compare(o) })
	if found && !r.Include {
		i++
	}
	if i < len(view) && (len(r.End) == 0 || view[i].Name.Compare(r.End) < 0) {
		return view[i]
	}
	return agentx.VarBind{Type: agentx.EndOfMibView, Name: r.Start}
}

// bulk follows RFC 2741 §7.2.3.3: the non-repeaters once, then up to
// max-repetitions rounds over the others.
func bulk(p agentx.PDU, view []agentx.VarBind) []agentx.VarBind {
	nr := min(int(p.NonRepeaters), len(p.Ranges))
	var out []agentx.VarBind
	for _, r := range p.Ranges[:nr] {
		out = append(out, next(view, r))
	}
	reps := p.Ranges[nr:]
	cur := slices.Clone(reps)
	for range int(p.MaxRepetition) {
		done := true
		for j := range cur {
			vb := next(view, cur[j])
			out = append(out, vb)
			if vb.Type != agentx.EndOfMibView {
				done = false
				cur[j].Start, cur[j].Include = vb.Name, false
			}
		}
		if done || len(cur) == 0 {
			break
		}
	}
	return out
}

// SocketFrom picks the AgentX address as keepalived does: -A, else
// snmp_socket, else net-snmp's default.
func SocketFrom(flag, conf string) string {
	for _, s := range []string{flag, conf} {
		if s != "" {
			return s
		}
	}
	return DefaultSocket
}
