package main

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/dsas/keepalived-go/agentx"
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
// keywords, all of them with -x (keepalived's snmp_option).
func snmpFlags(o Options, g config.Global) config.Global {
	if o.SNMP {
		g.EnableSNMPVRRP, g.EnableSNMPRFCv2, g.EnableSNMPRFCv3 = true, true, true
	}
	return g
}

// snmpExtension runs the AgentX subagent once the daemon is ready, when
// -x or an enable_snmp_* keyword asks for it. The set of subtrees is
// fixed at start (as keepalived registers them once); what they hold is
// read from the running daemon at each request, reloads included.
func snmpExtension(o Options, opt *daemon.Options) (func(*daemon.Daemon) func(), error) {
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
	traps := &snmpTraps{}
	opt.Notifiers = append(opt.Notifiers, traps)

	view := func() []agentx.VarBind {
		dd := get()
		if dd == nil {
			return nil
		}
		cfg := dd.Config()
		if cfg == nil {
			return nil
		}
		g := snmpFlags(o, cfg.Global)
		return snmpmib.View(snmpmib.Input{
			Version: keepalivedVersion, Config: cfg, Status: dd.VRRPStatus(), Scripts: scripts.Scripts(),
			Iface: ifaceInfo, Start: start, Now: time.Now(),
			Keepalived: g.EnableSNMPVRRP, RFCv2: g.EnableSNMPRFCv2, RFCv3: g.EnableSNMPRFCv3,
		})
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
		}
		ctx, c := context.WithCancel(context.Background())
		mu.Lock()
		cancel = c
		mu.Unlock()
		traps.set(a, cfg.Global.EnableTraps, cfg)
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
				c()
				<-done
			}
		}
	}
	return attach, nil
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

// snmpTraps sends KEEPALIVED-MIB's vrrpInstanceStateChange and
// vrrpSyncGroupStateChange for the engine's state events, with
// enable_traps and the VRRP part enabled, as keepalived does. Like
// keepalived's, the varbind names carry no row index.
type snmpTraps struct {
	mu      sync.Mutex
	agent   *snmpagent.Agent
	enabled bool
	cfg     *config.Config
}

func (t *snmpTraps) set(a *snmpagent.Agent, enabled bool, cfg *config.Config) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.agent, t.enabled, t.cfg = a, enabled && cfg.Global.EnableSNMPVRRP, cfg
}

// Notify implements vrrp.Notifier.
func (t *snmpTraps) Notify(ev vrrp.Event) {
	t.mu.Lock()
	a, on, cfg := t.agent, t.enabled, t.cfg
	t.mu.Unlock()
	if !on || a == nil || ev.Kind != vrrp.EventState {
		return
	}
	if vbs := stateTrap(ev, cfg); vbs != nil {
		a.Notify(a.Trap(vbs[0].Value.(agentx.OID), vbs[1:]...)) // dropped when snmpd is away, as keepalived's
	}
}

// stateTrap is the notification OID (as the first varbind's value) and
// the objects of the trap for ev.
func stateTrap(ev vrrp.Event, cfg *config.Config) []agentx.VarBind {
	base := snmpmib.VRRPOID
	state := 4
	switch {
	case ev.State <= vrrp.StateFault:
		state = int(ev.State)
	case ev.State == vrrp.StateStop:
		state = 5
	case ev.State == vrrp.StateDeleted && !ev.Group:
		state = 6
	}
	routerID := agentx.Str(snmpmib.GlobalOID.Append(2, 0), cfg.Global.RouterID)
	if ev.Group {
		return []agentx.VarBind{
			{Value: base.Append(10, 0, 1)},
			agentx.Str(base.Append(1, 1, 2), ev.Name),
			agentx.Int(base.Append(1, 1, 3), state),
			routerID,
		}
	}
	initial := 1
	if in := cfg.VRRP.Instance(ev.Name); in != nil && in.State == config.StateMaster {
		initial = 2
	}
	return []agentx.VarBind{
		{Value: base.Append(10, 0, 2)},
		agentx.Str(base.Append(3, 1, 2), ev.Name),
		agentx.Int(base.Append(3, 1, 4), state),
		agentx.Int(base.Append(3, 1, 5), initial),
		routerID,
	}
}
