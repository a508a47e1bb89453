package main

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dsas/keepalived-go/agentx"
	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/daemon"
	"github.com/dsas/keepalived-go/snmpagent"
	"github.com/dsas/keepalived-go/snmpmib"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/track"
)

func init() { extensions = append(extensions, snmpExtension) }

// snmpFlags are the SNMP parts to serve: the configuration's enable_snmp_*
// keywords, all of them with -x (keepalived's snmp_option); none of the
// VRRP ones with -C, where keepalived runs no VRRP process to serve them,
// nor the checker one with -P.
func snmpFlags(o Options, g config.Global) config.Global {
	if o.SNMP {
		g.EnableSNMPVRRP, g.EnableSNMPRFCv2, g.EnableSNMPRFCv3, g.EnableSNMPChecker = true, true, true, true
	}
	if o.CheckOnly && !o.VRRPOnly {
		g.EnableSNMPVRRP, g.EnableSNMPRFCv2, g.EnableSNMPRFCv3 = false, false, false
	}
	if o.VRRPOnly && !o.CheckOnly {
		g.EnableSNMPChecker = false
	}
	return g
}

// snmpExtension runs the AgentX subagent once the daemon is ready, when
// -x or an enable_snmp_* keyword asks for it. The set of subtrees is
// fixed at start (as keepalived registers them once); what they hold is
// read from the running daemon at each request, reloads included.
func snmpExtension(o Options, opt *hooks) (func(*daemon.Daemon) func(), error) {
	if opt.start != nil && len(snmpmib.Registrations(snmpFlags(o, opt.start.Global))) == 0 {
		// No subtree to serve, and a reload adds none: no subagent, so
		// no trap queues (3 x 256 events, 88 KB live) and no notifier
		// holding each instance's first events for a subagent that
		// never comes.
		return nil, nil
	}
	var (
		mu      sync.Mutex
		d       *daemon.Daemon
		cancel  context.CancelFunc
		done    = make(chan struct{})
		scripts = status.NewScriptRecorder(nil, nil, nil)
	)
	get := func() *daemon.Daemon { mu.Lock(); defer mu.Unlock(); return d }
	start := time.Now()

	prevWrap := opt.WrapTrackSink
	opt.WrapTrackSink = func(next track.Sink, sc []vrrp.ScriptConfig, runs []track.Script) track.Sink {
		if prevWrap != nil {
			next = prevWrap(next, sc, runs)
		}
		return scripts.Wrap(next, sc, runs)
	}
	traps := newSNMPTraps()
	if o.LogDetail {
		traps.detail = func(l string) { opt.Logs.VRRP.Info(l) }
	}
	opt.Notifiers = append(opt.Notifiers, traps)
	checkTraps.Store(traps)
	prevRejected := opt.Rejected
	opt.Rejected = func(r vrrp.Rejection) {
		if prevRejected != nil {
			prevRejected(r)
		}
		queue(traps, traps.rejected, r)
	}
	lvsState := lastLVS(lvsSource(get, opt))

	// input is the running daemon as the MIB view reads it; withStatus
	// false leaves out the engine's snapshot, which traps do not need.
	input := func(withStatus bool) (snmpmib.Input, bool) {
		dd := get()
		if dd == nil || dd.Config() == nil {
			return snmpmib.Input{}, false
		}
		cfg := dd.Config()
		g := snmpFlags(o, cfg.Global)
		in := snmpmib.Input{
			Version: keepalivedVersion, Config: cfg, Scripts: scripts.Scripts(),
			Iface: ifaceInfo, Start: start, Now: time.Now(),
			Keepalived: g.EnableSNMPVRRP, RFCv2: g.EnableSNMPRFCv2, RFCv3: g.EnableSNMPRFCv3, Traps: g.EnableTraps,
			Checker: g.EnableSNMPChecker,
		}
		if withStatus {
			in.Status = vrrpOf(dd).Status()
		}
		if in.Checker {
			in.LVS = lvsState()
		}
		return in, true
	}
	view := func() []agentx.VarBind {
		in, ok := input(true)
		if !ok {
			return nil
		}
		return snmpmib.View(in)
	}

	prevReady := opt.Ready
	opt.Ready = func() {
		if prevReady != nil {
			prevReady()
		}
		dd := get()
		if dd == nil || dd.Config() == nil {
			return
		}
		cfg := dd.Config()
		g := snmpFlags(o, cfg.Global)
		regs := snmpmib.Registrations(g)
		if len(regs) == 0 {
			close(done)
			return
		}
		opt.Logs.VRRP.Info("Starting SNMP subagent")
		a := &snmpagent.Agent{
			Addr: snmpagent.SocketFrom(o.SNMPSocket, cfg.Global.SNMPSocket), Name: "Keepalived",
			ID: agentx.MustOID("1.3.6.1.4.1.9586.100"), Registrations: regs, View: view, Log: opt.Logs.VRRP,
			Set: &snmpmib.Writer{Input: func() (snmpmib.Input, bool) { return input(false) }, Actions: snmpActions(get)},
		}
		runningAgent.Store(a)
		ctx, c := context.WithCancel(context.Background())
		mu.Lock()
		cancel = c
		mu.Unlock()
		go traps.run(ctx, a, func() (snmpmib.Input, bool) { return input(false) })
		go func() { defer close(done); a.Run(ctx) }()
	}

	attach := func(dd *daemon.Daemon) func() {
		mu.Lock()
		d = dd
		mu.Unlock()
		return func() {
			mu.Lock()
			c := cancel
			mu.Unlock()
			if c != nil {
				// The traps of the stop (the checker side's) go out
				// before the session closes, as keepalived sends them.
				traps.drain(2 * time.Second)
				c()
				<-done
			}
		}
	}
	return attach, nil
}

// snmpActions are what a manager's SET changes in the running daemon.
func snmpActions(get func() *daemon.Daemon) snmpmib.Actions {
	return snmpmib.Actions{
		SetPriority: func(name string, prio int) {
			if r := vrrpOf(get()).Router(); r != nil {
				r.SetBasePriority(name, prio)
			}
		},
		SetPreempt: func(name string, on bool) {
			if r := vrrpOf(get()).Router(); r != nil {
				r.SetPreempt(name, on)
			}
		},
		SetWeight: func(vs *config.VirtualServer, rs *config.RealServer, w int) {
			d := get()
			m := lvsOf(d)
			if m == nil || d.Config() == nil {
				return
			}
			vi := slices.Index(d.Config().LVS.VirtualServers, vs)
			ri := slices.Index(vs.RealServers, rs)
			st := m.Status()
			if vi < 0 || ri < 0 || vi >= len(st) || ri >= len(st[vi].Reals) {
				return
			}
			m.SetWeight(st[vi].ID, st[vi].Reals[ri].ID, w)
		},
	}
}

// lastLVS is src that answers with its last snapshot once the checker
// side has stopped: the traps of the stop are built after it.
func lastLVS(src status.LVSFunc) func() []status.VirtualServer {
	var (
		mu   sync.Mutex
		last []status.VirtualServer
	)
	return func() []status.VirtualServer {
		vs := src()
		mu.Lock()
		defer mu.Unlock()
		if vs != nil {
			last = vs
		}
		return last
	}
}

// keepalivedVersion is the version string keepalived serves as
// version.0 (and logs at start).
const keepalivedVersion = "Keepalived v2.2.7 (01/16,2022)"

// ifaceInfo reads an interface's index, MAC and primary addresses.
func ifaceInfo(name string) snmpmib.Iface {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return snmpmib.Iface{}
	}
	out := snmpmib.Iface{Index: ifi.Index, MAC: ifi.HardwareAddr}
	addrs, _ := ifi.Addrs()
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err != nil {
			continue
		}
		ip := p.Addr()
		switch {
		case ip.Is4() && !out.IPv4.IsValid():
			out.IPv4 = ip
		case ip.Is6() && ip.IsLinkLocalUnicast() && !out.IPv6.IsValid():
			out.IPv6 = ip
		}
	}
	return out
}

// snmpTraps turns the engine's state events into notifications. Notify
// only queues the event: the engine calls it in its own flow, which must
// not wait on snmpd or read the daemon back. One goroutine builds and
// sends the traps in event order; a full queue drops, as keepalived drops
// traps snmpd is not there to take.
type snmpTraps struct {
	// detail logs keepalived's -D line of each VRRP trap; nil without -D.
	detail   func(string)
	events   chan vrrp.Event
	check    chan check.Event
	rejected chan vrrp.Rejection
	pending  atomic.Int64 // queued and not sent yet
}

// drain waits, at most max, until every queued trap has been sent.
func (t *snmpTraps) drain(max time.Duration) {
	for deadline := time.Now().Add(max); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if t.pending.Load() == 0 {
			return
		}
	}
}

func newSNMPTraps() *snmpTraps {
	return &snmpTraps{events: make(chan vrrp.Event, 256), check: make(chan check.Event, 256),
		rejected: make(chan vrrp.Rejection, 256)}
}

// checkTraps queues the checker side's events for the SNMP traps, nil
// without SNMP; the checker side calls queueCheckTrap (sides.go).
var checkTraps atomic.Pointer[snmpTraps]

// queueCheckTrap queues a checker event for its trap.
func queueCheckTrap(ev check.Event) {
	if t := checkTraps.Load(); t != nil {
		queue(t, t.check, ev)
	}
}

// queue puts v on q, counted in t.pending; a full queue drops it.
func queue[T any](t *snmpTraps, q chan T, v T) {
	t.pending.Add(1)
	select {
	case q <- v:
	default:
		t.pending.Add(-1)
	}
}

// Notify implements vrrp.Notifier.
func (t *snmpTraps) Notify(ev vrrp.Event) { queue(t, t.events, ev) }

// run sends the traps of each queued event until ctx ends.
func (t *snmpTraps) run(ctx context.Context, a *snmpagent.Agent, input func() (snmpmib.Input, bool)) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-t.events:
			t.send(a, input, func(in snmpmib.Input) []snmpmib.Trap { return snmpmib.StateTraps(ev, in) })
		case ev := <-t.check:
			t.send(a, input, func(in snmpmib.Input) []snmpmib.Trap { return snmpmib.CheckTraps(ev, in) })
		case r := <-t.rejected:
			t.send(a, input, func(in snmpmib.Input) []snmpmib.Trap { return snmpmib.RejectTraps(r, in) })
		}
	}
}

// send sends the traps build makes of the running daemon.
func (t *snmpTraps) send(a *snmpagent.Agent, input func() (snmpmib.Input, bool), build func(snmpmib.Input) []snmpmib.Trap) {
	defer t.pending.Add(-1)
	in, ok := input()
	if !ok {
		return
	}
	for _, tr := range build(in) {
		if t.detail != nil && tr.Log != "" {
			t.detail(tr.Log)
		}
		a.Notify(a.Trap(tr.OID, tr.VarBinds...)) // dropped when snmpd is away, as keepalived's
	}
}

// runningAgent is the subagent of this process, nil without SNMP; the
// metrics read its connection state.
var runningAgent atomic.Pointer[snmpagent.Agent]

// snmpCollector exports the AgentX session state: 1 while a session with
// snmpd is open, 0 while the subagent retries; absent without SNMP.
func snmpCollector() prometheus.Collector { return snmpStateCollector{} }

type snmpStateCollector struct{}

var snmpConnectedDesc = prometheus.NewDesc("keepalived_snmp_agentx_connected",
	"1 while the SNMP subagent has an AgentX session with the master agent (snmpd), 0 while it retries.", nil, nil)

// Describe implements prometheus.Collector.
func (snmpStateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- snmpConnectedDesc }

// Collect implements prometheus.Collector.
func (snmpStateCollector) Collect(ch chan<- prometheus.Metric) {
	a := runningAgent.Load()
	if a == nil {
		return
	}
	v := 0.0
	if a.Connected() {
		v = 1
	}
	ch <- prometheus.MustNewConstMetric(snmpConnectedDesc, prometheus.GaugeValue, v)
}
