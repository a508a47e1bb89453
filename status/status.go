// Package status is the read-only view of a running daemon that its observers
// share: the Prometheus collectors (package metrics), the control socket
// (package control) and keepalived's signal-triggered state files (package
// statefile). It holds no engine logic; it names what each observer may ask
// and provides the two recorders (reloads, VRRP transitions) and the
// vrrp_script recorder whose data the engines do not keep.
//
// How to wire: build one Sources value in the daemon and hand it to
// metrics.New, control.NewServer and statefile.New. VRRP is the running
// *vrrp.Router paired with the vrrp.Config it runs (VRRPFuncs adapts two
// closures, which also survives a reload that swaps the Router); LVS is
// LVSFunc over FromLVSKernel (the lvs.Manager's status joined with the
// kernel's IPVS counters) or FromLVS (programmed weights only);
// Transitions must also be passed to the Router as (part of) its Notifier;
// Scripts wraps the vrrp/track Sink (NewScriptRecorder) so vrrp_script
// results are seen on their way to the Router; Reloads.Record is called once
// per SIGHUP with the outcome. Every field may be nil: observers then simply
// report nothing for that side (-P / -C processes).
package status

import (
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/vrrp"
)

// Sources is everything the observers read. Any field may be nil.
type Sources struct {
	VRRP        VRRPSource
	Scripts     ScriptSource
	LVS         LVSSource
	Reloads     *Reloads
	Transitions *Transitions
	// BGP is the bgp_speaker extension; nil shows nothing.
	BGP BGPSource
	// BFD is the BFD side (bfd_instance); nil shows nothing.
	BFD BFDSource
	// RouterID returns global_defs router_id (the host name by default)
	// of the running configuration; the data file and the control socket
	// show it. Nil shows nothing.
	RouterID func() string
	// ConfigFile is the configuration file the daemon runs (-f).
	ConfigFile string
	// Version names the daemon's build (BuildVersion).
	Version string
	// Links are the monitoring and control connections the daemon keeps
	// (the SNMP subagent's AgentX session, the D-Bus service); nil or
	// empty shows nothing.
	Links func() []Link
}

// Link is one connection to a monitoring or control peer.
type Link struct {
	Name      string // "snmp" (AgentX), "dbus"
	Target    string // the AgentX socket, the bus name
	Connected bool
}

// RouterIDOf returns src.RouterID(), or "" when it is nil.
func (src Sources) RouterIDOf() string {
	if src.RouterID == nil {
		return ""
	}
	return src.RouterID()
}

// VRRPSource is the VRRP side: the engine's snapshot and the configuration
// it is running (for VIPs, garp_* and everything else the engine does not
// echo back in InstanceStatus).
type VRRPSource interface {
	Status() []vrrp.InstanceStatus
	Config() vrrp.Config
}

// VRRPFuncs adapts two closures to VRRPSource, e.g.
// VRRPFuncs{StatusFunc: router.Status, ConfigFunc: func() vrrp.Config { return cfg }}.
type VRRPFuncs struct {
	StatusFunc func() []vrrp.InstanceStatus
	ConfigFunc func() vrrp.Config
}

// Status implements VRRPSource.
func (f VRRPFuncs) Status() []vrrp.InstanceStatus {
	if f.StatusFunc == nil {
		return nil
	}
	return f.StatusFunc()
}

// Config implements VRRPSource.
func (f VRRPFuncs) Config() vrrp.Config {
	if f.ConfigFunc == nil {
		return vrrp.Config{}
	}
	return f.ConfigFunc()
}

// Instance joins one instance's runtime status with its configuration.
type Instance struct {
	vrrp.InstanceStatus
	Config vrrp.InstanceConfig
	// Configured is false when the config had no instance of that name
	// (a reload raced the snapshot); Config is then zero.
	Configured bool
}

// Instances returns the VRRP snapshot joined with the configuration, in the
// engine's order. It returns nil for a nil source.
func Instances(src VRRPSource) []Instance {
	if src == nil {
		return nil
	}
	cfg := src.Config()
	byName := make(map[string]int, len(cfg.Instances))
	for i, ic := range cfg.Instances {
		byName[ic.Name] = i
	}
	st := src.Status()
	out := make([]Instance, 0, len(st))
	for _, s := range st {
		in := Instance{InstanceStatus: s}
		if i, ok := byName[s.Name]; ok {
			in.Config = cfg.Instances[i]
			in.Configured = true
		}
		out = append(out, in)
	}
	return out
}

// LVSSource is the checker side: every virtual server with its health and,
// when known, the kernel's IPVS view of it.
type LVSSource interface {
	VirtualServers() []VirtualServer
}

// LVSFunc adapts a closure to LVSSource.
type LVSFunc func() []VirtualServer

// VirtualServers implements LVSSource.
func (f LVSFunc) VirtualServers() []VirtualServer { return f() }

// VirtualServer is one virtual_server block as the observers see it.
type VirtualServer struct {
	// Health is the checker engine's snapshot; Health.ID names the service
	// (`[10.0.0.1]:tcp:80`, `FWM 7`, `[GROUP]:80`) and Health.Reals[i].ID
	// the real servers in the same form.
	Health check.ServiceStatus
	// Scheduler is lvs_sched (rr, wlc, ...), empty when unknown.
	Scheduler string
	// IPVS is the kernel's view, nil when the service is not installed or
	// the kernel was not read.
	IPVS *IPVSService
}

// IPVSService is a service as programmed into the kernel's IPVS table.
type IPVSService struct {
	// StatsKnown says Stats and the destinations' connection counts and
	// counters were read from the kernel; without it only the programmed
	// weights are known.
	StatsKnown bool
	Stats      IPVSStats
	// Dests are the destinations in the kernel, keyed by ID in the same
	// form as check.RealStatus.ID so they can be matched to health.
	Dests []IPVSDest
}

// IPVSDest is one destination (real server) as the kernel reports it.
type IPVSDest struct {
	ID                    string
	Weight                int64
	ActiveConnections     uint64
	InactiveConnections   uint64
	PersistentConnections uint64
	Stats                 IPVSStats
}

// IPVSStats are the kernel's 64-bit counters of a service or destination.
type IPVSStats struct {
	Connections uint64
	InPackets   uint64
	OutPackets  uint64
	InBytes     uint64
	OutBytes    uint64
	// Rates: connections, packets and bytes per second (kernel estimates).
	CPS, InPPS, OutPPS, InBPS, OutBPS uint64
}

// Dest returns the destination with the given ID.
func (s *IPVSService) Dest(id string) (IPVSDest, bool) {
	if s == nil {
		return IPVSDest{}, false
	}
	for _, d := range s.Dests {
		if d.ID == id {
			return d, true
		}
	}
	return IPVSDest{}, false
}

// ScriptSource reports vrrp_script states.
type ScriptSource interface {
	Scripts() []Script
}

// ScriptState is keepalived's script process state, numbered as
// mehdy/keepalived-exporter encodes it.
type ScriptState int

// Script states.
const (
	ScriptIdle ScriptState = iota
	ScriptRunning
	ScriptRequestedTermination
	ScriptForcingTermination
)

// String is keepalived's spelling in the data file.
func (s ScriptState) String() string {
	switch s {
	case ScriptIdle:
		return "idle"
	case ScriptRunning:
		return "running"
	case ScriptRequestedTermination:
		return "requested termination"
	case ScriptForcingTermination:
		return "forcing termination"
	}
	return "unknown"
}

// Script is one vrrp_script's state.
type Script struct {
	Name string
	Good bool
	// Result is keepalived's rise/fall counter: 0..Rise+Fall-1, good when
	// at least Rise.
	Result int
	State  ScriptState
	// LastRun is the time of the last result, zero before the first.
	LastRun time.Time
	// Configuration, for the data file; zero when unknown.
	Argv       []string
	Interval   time.Duration
	Timeout    time.Duration
	Rise, Fall int
	InitFail   bool
}

// CommandString is keepalived's cmd_str: every word in single quotes,
// except a leading redirection-only word.
func CommandString(argv []string) string {
	var b []byte
	for i, a := range argv {
		if i > 0 {
			b = append(b, ' ')
		}
		quote := i > 0 || (a != "" && a[0] != '<' && a[0] != '>')
		if quote {
			b = append(b, '\'')
		}
		b = append(b, a...)
		if quote {
			b = append(b, '\'')
		}
	}
	return string(b)
}
