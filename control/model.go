package control

import (
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

// SchemaVersion is bumped on incompatible changes to Status's JSON.
const SchemaVersion = 1

// Status is the control socket's answer to GET /v1/status, and what
// `keepalivectl status --json` prints.
type Status struct {
	Schema         int             `json:"schema"`
	Time           time.Time       `json:"time"`
	PID            int             `json:"pid"`
	RouterID       string          `json:"router_id,omitempty"`
	Version        string          `json:"version,omitempty"`
	ConfigFile     string          `json:"config_file,omitempty"`
	Instances      []Instance      `json:"vrrp_instances"`
	SyncGroups     []SyncGroup     `json:"sync_groups"`
	Scripts        []Script        `json:"vrrp_scripts"`
	Trackers       []Tracker       `json:"trackers"`
	VirtualServers []VirtualServer `json:"virtual_servers"`
	Reloads        *Reloads        `json:"reloads,omitempty"`
	// BGP is set only when a bgp_speaker block runs.
	BGP *BGP `json:"bgp,omitempty"`
	// BFD is set only when the BFD side runs (bfd_instance blocks).
	BFD []BFDSession `json:"bfd_sessions,omitempty"`
	// Links are the SNMP (AgentX) and D-Bus connections, when enabled.
	Links []Link `json:"links,omitempty"`
}

// BFDSession is one bfd_instance's session. Intervals are microseconds,
// as keepalived's logs and data file give them.
type BFDSession struct {
	Name             string    `json:"name"`
	Neighbor         string    `json:"neighbor"`
	Source           string    `json:"source,omitempty"`
	State            string    `json:"state"`
	RemoteState      string    `json:"remote_state"`
	LocalDiag        string    `json:"local_diag"`
	RemoteDiag       string    `json:"remote_diag"`
	MinRxUS          int64     `json:"min_rx_us"`
	MinTxUS          int64     `json:"min_tx_us"`
	IdleTxUS         int64     `json:"idle_tx_us"`
	Multiplier       int       `json:"multiplier"`
	TxIntervalUS     int64     `json:"tx_interval_us"`
	DetectTimeUS     int64     `json:"detect_time_us"`
	RemoteMinRxUS    int64     `json:"remote_min_rx_us"`
	RemoteMinTxUS    int64     `json:"remote_min_tx_us"`
	RemoteMultiplier int       `json:"remote_multiplier"`
	LastSeen         time.Time `json:"last_seen,omitzero"`
}

// Link is a monitoring or control connection: the SNMP subagent's AgentX
// session with snmpd ("snmp") or the D-Bus service ("dbus").
type Link struct {
	Name      string `json:"name"`
	Target    string `json:"target"`
	Connected bool   `json:"connected"`
}

// BGP is the bgp_speaker extension's sessions and announcements.
type BGP struct {
	Neighbors  []BGPNeighbor `json:"neighbors"`
	Announced  []string      `json:"announced"`
	LastChange time.Time     `json:"last_change,omitzero"`
	Draining   bool          `json:"draining"`
}

// BGPNeighbor is one BGP session.
type BGPNeighbor struct {
	Address  string `json:"address"`
	RemoteAS uint32 `json:"remote_as"`
	State    string `json:"state"`
}

// SyncGroup is one vrrp_sync_group.
type SyncGroup struct {
	Name    string   `json:"name"`
	State   string   `json:"state"` // FAULT when a member is, else the members' state
	Members []string `json:"members"`
}

// Script is one vrrp_script.
type Script struct {
	Name    string    `json:"name"`
	Status  string    `json:"status"` // GOOD or BAD
	State   string    `json:"state"`  // idle, running, ...
	Command string    `json:"command,omitempty"`
	LastRun time.Time `json:"last_run,omitzero"`
}

// Tracker is one tracked object (interface, script, file, process) of an
// instance with its current verdict.
type Tracker struct {
	Instance string `json:"instance"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Weight   int    `json:"weight"`
	Reverse  bool   `json:"reverse,omitempty"`
	// State is OK, FAILED or UNKNOWN (no result yet).
	State string `json:"state"`
	Value *int   `json:"value,omitempty"` // track_file's number
}

// Instance is one vrrp_instance.
type Instance struct {
	Name              string    `json:"name"`
	Interface         string    `json:"interface"`
	VRID              uint8     `json:"vrid"`
	Family            string    `json:"family"` // inet or inet6
	State             string    `json:"state"`  // INIT, BACKUP, MASTER, FAULT
	Priority          int       `json:"priority"`
	EffectivePriority int       `json:"effective_priority"`
	Master            string    `json:"master,omitempty"` // address of the current master, ours when MASTER
	MasterIsSelf      bool      `json:"master_is_self"`
	SyncGroup         string    `json:"sync_group,omitempty"`
	VIPs              []VIP     `json:"vips"`
	ExcludedVIPs      []VIP     `json:"excluded_vips,omitempty"`
	LastTransition    time.Time `json:"last_transition,omitzero"`
	LastReason        string    `json:"last_reason,omitempty"`
	FaultReasons      []string  `json:"fault_reasons,omitempty"`
	Transitions       []Change  `json:"transitions,omitempty"` // oldest first
	AdvertsSent       uint64    `json:"adverts_sent"`
	AdvertsReceived   uint64    `json:"adverts_received"`
	BecameMaster      uint64    `json:"became_master"`
}

// Change is one state transition of an instance.
type Change struct {
	At     time.Time `json:"at"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason,omitempty"`
}

// VIP is one virtual address.
type VIP struct {
	Address string `json:"address"` // keepalived's text: 10.0.0.1 or 10.0.0.1/24
	Dev     string `json:"dev"`
	Set     bool   `json:"set"` // installed (instance is MASTER)
}

// VirtualServer is one virtual_server.
type VirtualServer struct {
	Name        string       `json:"name"` // `[10.0.0.1]:tcp:80`, `FWM 7`
	Scheduler   string       `json:"scheduler,omitempty"`
	QuorumUp    bool         `json:"quorum_up"`
	SorryActive bool         `json:"sorry_server_active"`
	AliveWeight int64        `json:"alive_weight"`
	Quorum      int64        `json:"quorum"`
	InKernel    bool         `json:"in_kernel"`
	Connections *uint64      `json:"connections,omitempty"` // absent when the kernel's counters were not read
	Stats       *IPVSStats   `json:"ipvs_stats,omitempty"`  // likewise
	RealServers []RealServer `json:"real_servers"`
}

// RealServer is one real_server with its health.
type RealServer struct {
	Name   string `json:"name"`
	Health string `json:"health"` // UP or DOWN
	// Weight is what the checker wants; KernelWeight what IPVS holds
	// (absent when the destination is not in the kernel).
	Weight              int64      `json:"weight"`
	KernelWeight        *int64     `json:"kernel_weight,omitempty"`
	ActiveConnections   *uint64    `json:"active_connections,omitempty"`
	InactiveConnections *uint64    `json:"inactive_connections,omitempty"`
	Stats               *IPVSStats `json:"ipvs_stats,omitempty"`
	Checkers            []Checker  `json:"checkers"`
}

// Checker is one health checker of a real server.
type Checker struct {
	Kind                string    `json:"kind"`
	Up                  bool      `json:"up"`
	LastError           string    `json:"last_error,omitempty"`
	LastFailure         string    `json:"last_failure,omitempty"` // kept after recovery
	LastFailureAt       time.Time `json:"last_failure_at,omitzero"`
	LastDurationMS      float64   `json:"last_duration_ms"`
	LastRun             time.Time `json:"last_run,omitzero"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
}

// IPVSStats are the kernel's counters of a service or destination.
type IPVSStats struct {
	Connections uint64 `json:"connections"`
	InPackets   uint64 `json:"in_packets"`
	OutPackets  uint64 `json:"out_packets"`
	InBytes     uint64 `json:"in_bytes"`
	OutBytes    uint64 `json:"out_bytes"`
}

// Reloads summarises configuration reloads.
type Reloads struct {
	Total     uint64    `json:"total"`
	Failures  uint64    `json:"failures"`
	LastOK    bool      `json:"last_ok"`
	LastAt    time.Time `json:"last_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	// LoadedAt is when the running configuration was loaded: the start or
	// the last applied reload.
	LoadedAt time.Time `json:"loaded_at,omitzero"`
}

// Snapshot builds a Status from the sources.
func Snapshot(src status.Sources, now time.Time, pid int) Status {
	st := Status{Schema: SchemaVersion, Time: now, PID: pid, RouterID: src.RouterIDOf(),
		Version: src.Version, ConfigFile: src.ConfigFile,
		Instances: []Instance{}, SyncGroups: []SyncGroup{}, Scripts: []Script{}, Trackers: []Tracker{},
		VirtualServers: []VirtualServer{}}
	instances := status.Instances(src.VRRP)
	for _, in := range instances {
		st.Instances = append(st.Instances, instance(in))
		st.Trackers = append(st.Trackers, trackers(in)...)
	}
	st.SyncGroups = syncGroups(src.VRRP, instances)
	if src.Scripts != nil {
		for _, sc := range src.Scripts.Scripts() {
			st.Scripts = append(st.Scripts, script(sc))
		}
	}
	if src.LVS != nil {
		for _, vs := range src.LVS.VirtualServers() {
			st.VirtualServers = append(st.VirtualServers, virtualServer(vs))
		}
	}
	st.BGP = bgp(src.BGP)
	st.BFD = bfdSessions(src.BFD)
	if src.Links != nil {
		for _, l := range src.Links() {
			st.Links = append(st.Links, Link{Name: l.Name, Target: l.Target, Connected: l.Connected})
		}
	}
	if src.Reloads != nil {
		r := src.Reloads.Stats()
		st.Reloads = &Reloads{Total: r.Total, Failures: r.Failures, LastOK: r.LastOK, LastAt: r.LastAt,
			LastError: r.LastError, LoadedAt: r.LastSuccessAt}
	}
	return st
}

func instance(in status.Instance) Instance {
	fam := "inet"
	if in.IPv6 {
		fam = "inet6"
	}
	out := Instance{
		Name: in.Name, Interface: in.Interface, VRID: in.VRID, Family: fam,
		State: status.StateName(in.State), Priority: in.BasePriority, EffectivePriority: in.EffectivePriority,
		Master: in.MasterAddr, SyncGroup: in.SyncGroup, VIPs: []VIP{}, FaultReasons: in.FaultReasons,
		AdvertsSent: in.Stats.AdvertSent, AdvertsReceived: in.Stats.AdvertRcvd, BecameMaster: in.Stats.BecomeMaster,
	}
	if in.State == vrrp.StateMaster {
		out.MasterIsSelf = true
		out.Master = ""
		if in.Config.SrcIP.IsValid() {
			out.Master = in.Config.SrcIP.String()
		}
	}
	set := in.State == vrrp.StateMaster
	for _, a := range in.Config.VIPs {
		out.VIPs = append(out.VIPs, VIP{Address: status.AddrString(a), Dev: status.AddrDev(a, in.Interface), Set: set})
	}
	for _, a := range in.Config.ExcludedVIPs {
		out.ExcludedVIPs = append(out.ExcludedVIPs, VIP{Address: status.AddrString(a), Dev: status.AddrDev(a, in.Interface), Set: set})
	}
	for _, h := range in.History {
		out.Transitions = append(out.Transitions, Change{At: h.At, From: status.StateName(h.From), To: status.StateName(h.To), Reason: h.Reason})
	}
	if n := len(in.History); n > 0 {
		out.LastTransition = in.History[n-1].At
		out.LastReason = in.History[n-1].Reason
	}
	return out
}

func trackers(in status.Instance) []Tracker {
	var out []Tracker
	for _, t := range in.Trackers {
		tr := Tracker{Instance: in.Name, Kind: t.Kind, Name: t.Name, Weight: t.Weight, Reverse: t.Reverse, State: "UNKNOWN"}
		switch {
		case !t.Known:
		case t.OK:
			tr.State = "OK"
		default:
			tr.State = "FAILED"
		}
		if t.Kind == "file" && t.Known {
			v := t.Value
			tr.Value = &v
		}
		out = append(out, tr)
	}
	return out
}

// syncGroups lists the configured groups with the state their members are
// in: FAULT wins, as a member in FAULT holds the whole group there.
func syncGroups(src status.VRRPSource, instances []status.Instance) []SyncGroup {
	out := []SyncGroup{}
	if src == nil {
		return out
	}
	state := map[string]vrrp.State{}
	for _, in := range instances {
		state[in.Name] = in.State
	}
	for _, g := range src.Config().SyncGroups {
		sg := SyncGroup{Name: g.Name, Members: append([]string{}, g.Members...), State: "INIT"}
		var st vrrp.State = vrrp.StateInit
		for i, m := range g.Members {
			ms := state[m]
			if i == 0 || ms == vrrp.StateFault {
				st = ms
			}
			if st == vrrp.StateFault {
				break
			}
		}
		sg.State = status.StateName(st)
		out = append(out, sg)
	}
	return out
}

func script(sc status.Script) Script {
	out := Script{Name: sc.Name, Status: "BAD", State: sc.State.String(), LastRun: sc.LastRun}
	if sc.Good {
		out.Status = "GOOD"
	}
	if len(sc.Argv) > 0 {
		out.Command = status.CommandString(sc.Argv)
	}
	return out
}

func virtualServer(vs status.VirtualServer) VirtualServer {
	h := &vs.Health
	out := VirtualServer{Name: h.ID, Scheduler: vs.Scheduler, QuorumUp: h.QuorumUp, SorryActive: h.SorryActive,
		AliveWeight: h.AliveWeight, Quorum: h.Quorum, InKernel: vs.IPVS != nil, RealServers: []RealServer{}}
	if vs.IPVS != nil && vs.IPVS.StatsKnown {
		n := vs.IPVS.Stats.Connections
		out.Connections = &n
		out.Stats = ipvsStats(vs.IPVS.Stats)
	}
	for _, r := range h.Reals {
		out.RealServers = append(out.RealServers, realServer(r, vs.IPVS))
	}
	return out
}

func realServer(r check.RealStatus, ipvs *status.IPVSService) RealServer {
	rs := RealServer{Name: r.ID, Health: "DOWN", Weight: r.Weight, Checkers: []Checker{}}
	if r.Alive {
		rs.Health = "UP"
	}
	if d, ok := ipvs.Dest(r.ID); ok {
		w := d.Weight
		rs.KernelWeight = &w
		if ipvs.StatsKnown {
			a, in := d.ActiveConnections, d.InactiveConnections
			rs.ActiveConnections, rs.InactiveConnections = &a, &in
			rs.Stats = ipvsStats(d.Stats)
		}
	}
	for _, c := range r.Checkers {
		rs.Checkers = append(rs.Checkers, Checker{Kind: c.Kind, Up: c.Up, LastError: c.LastError,
			LastFailure: c.LastFailure, LastFailureAt: c.LastFailureAt,
			LastDurationMS: float64(c.LastDuration.Microseconds()) / 1000, LastRun: c.LastRun,
			ConsecutiveFailures: c.ConsecutiveFailures})
	}
	return rs
}

func ipvsStats(s status.IPVSStats) *IPVSStats {
	return &IPVSStats{Connections: s.Connections, InPackets: s.InPackets, OutPackets: s.OutPackets,
		InBytes: s.InBytes, OutBytes: s.OutBytes}
}

func bgp(src status.BGPSource) *BGP {
	if src == nil {
		return nil
	}
	b := src.BGP()
	if !b.Running {
		return nil
	}
	out := &BGP{Neighbors: []BGPNeighbor{}, Announced: append([]string{}, b.Announced...), LastChange: b.LastChange, Draining: b.Draining}
	for _, n := range b.Neighbors {
		out.Neighbors = append(out.Neighbors, BGPNeighbor{Address: n.Addr, RemoteAS: n.RemoteAS, State: n.State})
	}
	return out
}

func bfdSessions(src status.BFDSource) []BFDSession {
	if src == nil {
		return nil
	}
	b := src.BFD()
	if !b.Running {
		return nil
	}
	out := []BFDSession{}
	for _, s := range b.Sessions {
		out = append(out, BFDSession{Name: s.Name, Neighbor: s.Neighbor, Source: s.Source, State: s.State,
			RemoteState: s.RemoteState, LocalDiag: s.LocalDiag, RemoteDiag: s.RemoteDiag,
			MinRxUS: s.MinRx.Microseconds(), MinTxUS: s.MinTx.Microseconds(), IdleTxUS: s.IdleTx.Microseconds(),
			Multiplier: s.Multiplier, TxIntervalUS: s.TxInterval.Microseconds(), DetectTimeUS: s.DetectTime.Microseconds(),
			RemoteMinRxUS: s.RemoteMinRx.Microseconds(), RemoteMinTxUS: s.RemoteMinTx.Microseconds(),
			RemoteMultiplier: s.RemoteMultiplier, LastSeen: s.LastSeen})
	}
	return out
}
