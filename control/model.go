package control

import (
	"time"

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
	Instances      []Instance      `json:"vrrp_instances"`
	VirtualServers []VirtualServer `json:"virtual_servers"`
	Reloads        *Reloads        `json:"reloads,omitempty"`
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
	AdvertsSent       uint64    `json:"adverts_sent"`
	AdvertsReceived   uint64    `json:"adverts_received"`
	BecameMaster      uint64    `json:"became_master"`
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
	RealServers []RealServer `json:"real_servers"`
}

// RealServer is one real_server with its health.
type RealServer struct {
	Name   string `json:"name"`
	Health string `json:"health"` // UP or DOWN
	// Weight is what the checker wants; KernelWeight what IPVS holds
	// (absent when the destination is not in the kernel).
	Weight            int64     `json:"weight"`
	KernelWeight      *int64    `json:"kernel_weight,omitempty"`
	ActiveConnections *uint64   `json:"active_connections,omitempty"`
	Checkers          []Checker `json:"checkers"`
}

// Checker is one health checker of a real server.
type Checker struct {
	Kind                string    `json:"kind"`
	Up                  bool      `json:"up"`
	LastError           string    `json:"last_error,omitempty"`
	LastDurationMS      float64   `json:"last_duration_ms"`
	LastRun             time.Time `json:"last_run,omitzero"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
}

// Reloads summarises configuration reloads.
type Reloads struct {
	Total     uint64    `json:"total"`
	Failures  uint64    `json:"failures"`
	LastOK    bool      `json:"last_ok"`
	LastAt    time.Time `json:"last_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// Snapshot builds a Status from the sources.
func Snapshot(src status.Sources, now time.Time, pid int) Status {
	st := Status{Schema: SchemaVersion, Time: now, PID: pid, RouterID: src.RouterIDOf(),
		Instances: []Instance{}, VirtualServers: []VirtualServer{}}
	for _, in := range status.Instances(src.VRRP) {
		fam := "inet"
		if in.IPv6 {
			fam = "inet6"
		}
		out := Instance{
			Name: in.Name, Interface: in.Interface, VRID: in.VRID, Family: fam,
			State: status.StateName(in.State), Priority: in.BasePriority, EffectivePriority: in.EffectivePriority,
			Master: in.MasterAddr, SyncGroup: in.SyncGroup, VIPs: []VIP{},
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
		if n := len(in.History); n > 0 {
			out.LastTransition = in.History[n-1].At
			out.LastReason = in.History[n-1].Reason
		}
		st.Instances = append(st.Instances, out)
	}
	if src.LVS != nil {
		for _, vs := range src.LVS.VirtualServers() {
			h := &vs.Health
			out := VirtualServer{Name: h.ID, Scheduler: vs.Scheduler, QuorumUp: h.QuorumUp, SorryActive: h.SorryActive,
				AliveWeight: h.AliveWeight, Quorum: h.Quorum, InKernel: vs.IPVS != nil, RealServers: []RealServer{}}
			if vs.IPVS != nil && vs.IPVS.StatsKnown {
				n := vs.IPVS.Stats.Connections
				out.Connections = &n
			}
			for _, r := range h.Reals {
				rs := RealServer{Name: r.ID, Health: "DOWN", Weight: r.Weight, Checkers: []Checker{}}
				if r.Alive {
					rs.Health = "UP"
				}
				if d, ok := vs.IPVS.Dest(r.ID); ok {
					w := d.Weight
					rs.KernelWeight = &w
					if vs.IPVS.StatsKnown {
						n := d.ActiveConnections
						rs.ActiveConnections = &n
					}
				}
				for _, c := range r.Checkers {
					rs.Checkers = append(rs.Checkers, Checker{Kind: c.Kind, Up: c.Up, LastError: c.LastError,
						LastDurationMS: float64(c.LastDuration.Microseconds()) / 1000, LastRun: c.LastRun,
						ConsecutiveFailures: c.ConsecutiveFailures})
				}
				out.RealServers = append(out.RealServers, rs)
			}
			st.VirtualServers = append(st.VirtualServers, out)
		}
	}
	if src.Reloads != nil {
		r := src.Reloads.Stats()
		st.Reloads = &Reloads{Total: r.Total, Failures: r.Failures, LastOK: r.LastOK, LastAt: r.LastAt, LastError: r.LastError}
	}
	return st
}
