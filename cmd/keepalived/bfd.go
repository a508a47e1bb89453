package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dsas/keepalived-go/status"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/daemon"
	"github.com/dsas/keepalived-go/metrics"
)

// bfdPIDPath is the BFD child's pid file, chosen as pidPaths chooses the
// others: -b, else under /run/keepalived/ with the instance name or with
// use_pid_dir, else /run/bfd.pid.
func bfdPIDPath(o Options, cfg *config.Config) string {
	switch inst := instanceName(o, cfg); {
	case o.BFDPIDFile != "":
		return o.BFDPIDFile
	case inst != "":
		return "/run/keepalived/bfd_" + inst + ".pid"
	case cfg.Global.UsePIDDir:
		return "/run/keepalived/bfd.pid"
	}
	return "/run/bfd.pid"
}

// bfdCollector exposes the BFD side's sessions and counters to the
// metrics endpoint; get returns the running daemon (nil before it runs).
func bfdCollector(get func() *daemon.Daemon) prometheus.Collector {
	return metrics.NewBFDCollector(
		func() []metrics.BFDSession {
			d := get()
			if d == nil {
				return nil
			}
			var out []metrics.BFDSession
			for _, s := range d.BFD().Status() {
				out = append(out, metrics.BFDSession{Name: s.Name, State: s.State.String(),
					TxInterval: s.Timers.TxInterval, DetectTime: s.Timers.DetectTime})
			}
			return out
		},
		func() metrics.BFDCounters {
			d := get()
			if d == nil {
				return metrics.BFDCounters{}
			}
			c := d.BFD().Counters()
			return metrics.BFDCounters{Received: c.Received, Sent: c.Sent, SendErrors: c.SendErr,
				Malformed: c.Malformed, NoSession: c.NoSession, BadTTL: c.BadTTL, Refused: c.Refused}
		},
	)
}

// bfdStatus is the BFD side's sessions for the control socket (not
// Running when d or its BFD side is not running).
func bfdStatus(d *daemon.Daemon) status.BFD {
	if d == nil || d.BFD() == nil {
		return status.BFD{}
	}
	out := status.BFD{Running: true}
	for _, e := range d.BFD().Dump() {
		s := status.BFDSession{Name: e.Spec.Name, Neighbor: e.Spec.Neighbor.String(),
			State: e.State.String(), RemoteState: e.RemoteState.String(),
			LocalDiag: e.LocalDiag.String(), RemoteDiag: e.RemoteDiag.String(),
			MinRx: e.Spec.MinRx, MinTx: e.Spec.MinTx, IdleTx: e.Spec.IdleTx, Multiplier: int(e.Spec.Multiplier),
			TxInterval: e.LocalTx, DetectTime: e.LocalDetect, RemoteMinRx: e.RemoteMinRx, RemoteMinTx: e.RemoteMinTx,
			RemoteMultiplier: int(e.RemoteMult), LastSeen: e.LastSeen}
		if e.Spec.Source.IsValid() {
			s.Source = e.Spec.Source.String()
		}
		out.Sessions = append(out.Sessions, s)
	}
	return out
}
