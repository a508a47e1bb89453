// Package statustest provides a fixed, realistic status.Sources built from
// real vrrp and check types, shared by the tests of the observer packages
// (metrics, control, statefile) so their golden files describe one daemon.
package statustest

import (
	"errors"
	"net/netip"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

// Epoch is the fixture's "now".
var Epoch = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// VRRP is a fixed VRRPSource.
type VRRP struct {
	Cfg vrrp.Config
	St  []vrrp.InstanceStatus
}

// Status implements status.VRRPSource.
func (v *VRRP) Status() []vrrp.InstanceStatus { return v.St }

// Config implements status.VRRPSource.
func (v *VRRP) Config() vrrp.Config { return v.Cfg }

// Scripts is a fixed ScriptSource.
type Scripts []status.Script

// Scripts implements status.ScriptSource.
func (s Scripts) Scripts() []status.Script { return s }

// LVS is a fixed LVSSource.
type LVS []status.VirtualServer

// VirtualServers implements status.LVSSource.
func (l LVS) VirtualServers() []status.VirtualServer { return l }

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

// Sources returns the fixture: three VRRP instances (a v2 MASTER with
// auth, plain, labelled, broadcast and excluded VIPs and a tracked script;
// a unicast v3 IPv6 BACKUP; a FAULT instance without VIPs), two scripts,
// two virtual servers (one with IPVS counters, one fwmark service not yet in
// the kernel), three reloads of which one failed, and a few transitions.
func Sources() status.Sources {
	garp := vrrp.DefaultGARP
	cfg := vrrp.Config{
		Instances: []vrrp.InstanceConfig{
			{
				Name: "VI_1", Interface: "eth0", VRID: 51, Priority: 150, InitialState: vrrp.StateMaster,
				Version: 2, AdvertInt: time.Second, AuthType: 1, AuthPass: "secret",
				SrcIP:      addr("10.0.0.1"),
				McastGroup: addr("224.0.0.18"),
				VIPs: []vrrp.Address{
					{Prefix: pfx("10.0.0.100/24"), PreferredLft: -1},
					{Prefix: pfx("10.0.0.101/32"), Dev: "eth0", Label: "eth0:1", PreferredLft: -1},
					{Prefix: pfx("10.0.1.102/24"), Dev: "eth1", Broadcast: addr("10.0.1.255"), PreferredLft: -1},
				},
				ExcludedVIPs:     []vrrp.Address{{Prefix: pfx("10.0.0.200/32"), PreferredLft: -1}},
				TrackScripts:     []vrrp.TrackRef{{Name: "chk_nginx", Weight: 10}},
				GARP:             garp,
				DownTimerAdverts: 3,
			},
			{
				Name: "VI_6", Interface: "eth1", VRID: 52, Priority: 100, InitialState: vrrp.StateBackup,
				Version: 3, IPv6: true, AdvertInt: 500 * time.Millisecond,
				SrcIP:            addr("fe80::2"),
				UnicastPeers:     []vrrp.Peer{{Addr: addr("fe80::1")}},
				VIPs:             []vrrp.Address{{Prefix: pfx("fd00::100/64"), PreferredLft: -1}},
				Nopreempt:        true,
				GARP:             garp,
				DownTimerAdverts: 3,
			},
			{
				Name: "VI_NOVIP", Interface: "eth2", VRID: 53, Priority: 90,
				Version: 2, AdvertInt: 2 * time.Second, GARP: garp, DownTimerAdverts: 3,
				McastGroup: addr("224.0.0.18"),
			},
		},
		SyncGroups: []vrrp.SyncGroupConfig{{Name: "G_WEB", Members: []string{"VI_1", "VI_6"}}},
		Scripts:    []vrrp.ScriptConfig{{Name: "chk_nginx", Rise: 2, Fall: 3}, {Name: "chk_down", Rise: 1, Fall: 1}},
	}
	st := []vrrp.InstanceStatus{
		{
			Name: "VI_1", Interface: "eth0", VRID: 51, State: vrrp.StateMaster, SyncGroup: "G_WEB",
			BasePriority: 150, EffectivePriority: 160, MasterAdvertInt: time.Second,
			Stats: vrrp.Stats{AdvertRcvd: 11, AdvertSent: 1200, BecomeMaster: 2, ReleaseMaster: 1,
				PacketLenErr: 1, AdvertIntervalErr: 2, IPTTLErr: 3, InvalidTypeRcvd: 4, AddrListErr: 5,
				InvalidAuthType: 6, AuthTypeMismatch: 7, AuthFailure: 8, PriZeroRcvd: 9, PriZeroSent: 10,
				ChecksumErr: 12, GARPSent: 15},
			History: []vrrp.Transition{
				{At: Epoch.Add(-2 * time.Hour), From: vrrp.StateInit, To: vrrp.StateBackup, Reason: "startup"},
				{At: Epoch.Add(-2*time.Hour + 3*time.Second), From: vrrp.StateBackup, To: vrrp.StateMaster, Reason: "master down timer expired"},
			},
			Trackers: []vrrp.TrackerStatus{{Kind: "script", Name: "chk_nginx", Weight: 10, Known: true, OK: true}},
		},
		{
			Name: "VI_6", Interface: "eth1", VRID: 52, IPv6: true, State: vrrp.StateBackup, SyncGroup: "G_WEB",
			BasePriority: 100, EffectivePriority: 100, MasterAddr: "fe80::1", SaddrMaster: "fe80::1", MasterAdvertInt: 500 * time.Millisecond,
			Stats: vrrp.Stats{AdvertRcvd: 7000},
			History: []vrrp.Transition{
				{At: Epoch.Add(-time.Hour), From: vrrp.StateInit, To: vrrp.StateBackup, Reason: "startup"},
			},
		},
		{
			Name: "VI_NOVIP", Interface: "eth2", VRID: 53, State: vrrp.StateFault,
			BasePriority: 90, EffectivePriority: 90,
			Trackers: []vrrp.TrackerStatus{
				{Kind: "interface", Name: "eth2", Known: true},
				{Kind: "file", Name: "maint", Weight: 0, Known: true, Value: 1},
				{Kind: "process", Name: "haproxy", Weight: -20, Known: true, OK: true},
			},
			FaultReasons: []string{"interface eth2 down", "track_file maint is 1"},
		},
	}

	trans := &status.Transitions{}
	for _, ev := range []vrrp.Event{
		{Kind: vrrp.EventState, Name: "VI_1", State: vrrp.StateBackup, Reason: "start"},
		{Kind: vrrp.EventState, Name: "VI_1", State: vrrp.StateMaster, Reason: "master down timer"},
		{Kind: vrrp.EventState, Name: "VI_1", State: vrrp.StateBackup, Reason: "higher priority advert"},
		{Kind: vrrp.EventState, Name: "VI_1", State: vrrp.StateMaster, Reason: "master down timer"},
		{Kind: vrrp.EventState, Name: "VI_6", State: vrrp.StateBackup, Reason: "start"},
		{Kind: vrrp.EventState, Name: "VI_NOVIP", State: vrrp.StateFault, Reason: "tracking at start"},
		{Kind: vrrp.EventState, Group: true, Name: "G1", State: vrrp.StateMaster},
	} {
		trans.Notify(ev)
	}

	reloads := &status.Reloads{}
	reloads.Record(Epoch.Add(-30*time.Minute), nil)
	reloads.Record(Epoch.Add(-20*time.Minute), errors.New("keepalived.conf:12:3: unknown keyword \"virtual_ipadress\""))
	reloads.Record(Epoch.Add(-10*time.Minute), nil)

	lvs := LVS{
		{
			Scheduler: "wrr",
			Health: check.ServiceStatus{
				ID: "[10.0.0.100]:tcp:80", QuorumUp: true, AliveWeight: 3, Quorum: 1,
				Members: []check.Member{{ID: "[192.168.1.10]:tcp:8080", Weight: 3}, {ID: "[192.168.1.11]:tcp:8080", Weight: 0}},
				Reals: []check.RealStatus{
					{ID: "[192.168.1.10]:tcp:8080", Alive: true, Weight: 3, Checkers: []check.CheckerStatus{
						{Kind: "HTTP_GET", Up: true, LastOK: true, LastDuration: 12 * time.Millisecond,
							LastRun: Epoch.Add(-2 * time.Second), NextRun: Epoch.Add(4 * time.Second), Checks: 600},
					}},
					{ID: "[192.168.1.11]:tcp:8080", Alive: false, Weight: 0, Checkers: []check.CheckerStatus{
						{Kind: "HTTP_GET", Up: false, LastError: "connect: connection refused",
							LastFailure: "connect: connection refused", LastFailureAt: Epoch.Add(-1 * time.Second), LastDuration: 1500 * time.Microsecond,
							LastRun: Epoch.Add(-1 * time.Second), NextRun: Epoch.Add(2 * time.Second), ConsecutiveFailures: 4, Checks: 600, Failures: 40},
						{Kind: "TCP_CHECK", Up: true, LastOK: true, LastDuration: 300 * time.Microsecond, Checks: 598,
							LastFailure: "dial tcp 192.168.1.11:8080: i/o timeout", LastFailureAt: Epoch.Add(-time.Hour)},
					}},
				},
			},
			IPVS: &status.IPVSService{
				StatsKnown: true,
				Stats:      status.IPVSStats{Connections: 1000, InPackets: 20000, OutPackets: 18000, InBytes: 3000000, OutBytes: 90000000},
				Dests: []status.IPVSDest{
					{ID: "[192.168.1.10]:tcp:8080", Weight: 3, ActiveConnections: 12, InactiveConnections: 30, PersistentConnections: 0,
						Stats: status.IPVSStats{Connections: 990, InPackets: 19800, OutPackets: 17900, InBytes: 2990000, OutBytes: 89000000}},
					{ID: "[192.168.1.11]:tcp:8080", Weight: 0,
						Stats: status.IPVSStats{Connections: 10, InPackets: 200, OutPackets: 100, InBytes: 10000, OutBytes: 1000000}},
				},
			},
		},
		{
			Scheduler: "rr",
			Health: check.ServiceStatus{
				ID: "FWM 7", QuorumUp: false, SorryActive: true, Quorum: 1,
				Reals: []check.RealStatus{
					{ID: "[192.168.2.10]:tcp:443", Alive: false, Checkers: []check.CheckerStatus{
						{Kind: "SSL_GET", LastError: "timeout", LastFailure: "timeout", LastDuration: 5 * time.Second, ConsecutiveFailures: 2, Checks: 2, Failures: 2},
					}},
				},
			},
		},
	}

	return status.Sources{
		VRRP: &VRRP{Cfg: cfg, St: st},
		Scripts: Scripts{
			{Name: "chk_nginx", Good: true, Result: 4, State: status.ScriptIdle, LastRun: Epoch.Add(-time.Second),
				Argv: []string{"/usr/local/bin/check_nginx", "--port", "80"}, Interval: 2 * time.Second, Rise: 2, Fall: 3},
			{Name: "chk_down", Good: false, Result: 0, State: status.ScriptRunning, Rise: 1, Fall: 1, InitFail: true},
		},
		LVS:         lvs,
		Reloads:     reloads,
		Transitions: trans,
		RouterID:    func() string { return "lb1" },
		ConfigFile:  "/etc/keepalived/keepalived.conf",
		Version:     "keepalived-go test",
	}
}
