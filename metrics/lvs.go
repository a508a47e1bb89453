package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dsas/keepalived-go/status"
)

// lvsCollector emits health-checker and IPVS series. Virtual and real
// servers are labelled with keepalived's own identifiers (as in notify_fifo:
// `[10.0.0.1]:tcp:80`, `FWM 7`), which stay unique for fwmark and group
// services where an address/port pair would not.
type lvsCollector struct {
	src status.LVSSource

	quorumUp, sorryActive, aliveWeight typedDesc
	rsUp, rsWeight                     typedDesc
	chkUp, chkDuration, chkChecks      typedDesc
	chkFailures, chkConsecutive        typedDesc
	chkLastFailure                     typedDesc

	ipvsRSWeight, ipvsRSActive, ipvsRSInactive, ipvsRSPersistent typedDesc
	vsStats, rsStats                                             []ipvsCounter
}

type ipvsCounter struct {
	d   typedDesc
	get func(*status.IPVSStats) uint64
}

func newLVSCollector(src status.LVSSource) *lvsCollector {
	vs := []string{"virtual_server"}
	rs := []string{"virtual_server", "real_server"}
	chk := []string{"virtual_server", "real_server", "checker", "index"}
	counters := func(prefix string, labels []string) []ipvsCounter {
		c := func(name, help string, get func(*status.IPVSStats) uint64) ipvsCounter {
			return ipvsCounter{newDesc(prefix+name, help, prometheus.CounterValue, labels...), get}
		}
		return []ipvsCounter{
			c("connections_total", "Connections scheduled (IPVS)", func(s *status.IPVSStats) uint64 { return s.Connections }),
			c("in_packets_total", "Incoming packets (IPVS)", func(s *status.IPVSStats) uint64 { return s.InPackets }),
			c("out_packets_total", "Outgoing packets (IPVS)", func(s *status.IPVSStats) uint64 { return s.OutPackets }),
			c("in_bytes_total", "Incoming bytes (IPVS)", func(s *status.IPVSStats) uint64 { return s.InBytes }),
			c("out_bytes_total", "Outgoing bytes (IPVS)", func(s *status.IPVSStats) uint64 { return s.OutBytes }),
		}
	}
	g := prometheus.GaugeValue
	return &lvsCollector{
		src:            src,
		quorumUp:       newDesc("keepalived_virtual_server_quorum_up", "Whether the virtual server's alive weight meets its quorum", g, vs...),
		sorryActive:    newDesc("keepalived_virtual_server_sorry_server_active", "Whether the sorry server replaces the real servers", g, vs...),
		aliveWeight:    newDesc("keepalived_virtual_server_alive_weight", "Sum of the weights of alive real servers", g, vs...),
		rsUp:           newDesc("keepalived_real_server_up", "Whether every checker of the real server is up", g, rs...),
		rsWeight:       newDesc("keepalived_real_server_weight", "Effective weight the health checker wants for the real server", g, rs...),
		chkUp:          newDesc("keepalived_checker_up", "Checker state: 1 up, 0 down", g, chk...),
		chkDuration:    newDesc("keepalived_checker_last_duration_seconds", "Duration of the checker's last completed check", g, chk...),
		chkChecks:      newDesc("keepalived_checker_checks_total", "Checks completed", prometheus.CounterValue, chk...),
		chkFailures:    newDesc("keepalived_checker_failures_total", "Checks that failed", prometheus.CounterValue, chk...),
		chkConsecutive: newDesc("keepalived_checker_consecutive_failures", "Failures since the last success", g, chk...),
		// One series per checker at a time: the reason label changes with
		// the last failure, so old reasons go stale instead of piling up.
		chkLastFailure: newDesc("keepalived_checker_last_failure_timestamp_seconds",
			"Unix time of the checker's last failed check, labelled with its error (kept after recovery)", g, append(chk, "reason")...),
		ipvsRSWeight:   newDesc("keepalived_lvs_real_server_weight", "Weight of the destination in the kernel's IPVS table", g, rs...),
		ipvsRSActive:   newDesc("keepalived_lvs_real_server_active_connections", "Active connections to the destination (IPVS)", g, rs...),
		ipvsRSInactive: newDesc("keepalived_lvs_real_server_inactive_connections", "Inactive connections to the destination (IPVS)", g, rs...),
		ipvsRSPersistent: newDesc("keepalived_lvs_real_server_persistent_connections",
			"Persistence templates for the destination (IPVS)", g, rs...),
		vsStats: counters("keepalived_lvs_virtual_server_", vs),
		rsStats: counters("keepalived_lvs_real_server_", rs),
	}
}

func (c *lvsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []typedDesc{c.quorumUp, c.sorryActive, c.aliveWeight, c.rsUp, c.rsWeight,
		c.chkUp, c.chkDuration, c.chkChecks, c.chkFailures, c.chkConsecutive, c.chkLastFailure,
		c.ipvsRSWeight, c.ipvsRSActive, c.ipvsRSInactive, c.ipvsRSPersistent} {
		ch <- d.desc
	}
	for _, s := range append(append([]ipvsCounter(nil), c.vsStats...), c.rsStats...) {
		ch <- s.d.desc
	}
}

func (c *lvsCollector) Collect(ch chan<- prometheus.Metric) {
	if c.src == nil {
		return
	}
	for _, vs := range c.src.VirtualServers() {
		h := &vs.Health
		c.quorumUp.emit(ch, boolf(h.QuorumUp), h.ID)
		c.sorryActive.emit(ch, boolf(h.SorryActive), h.ID)
		c.aliveWeight.emit(ch, float64(h.AliveWeight), h.ID)
		for _, r := range h.Reals {
			c.rsUp.emit(ch, boolf(r.Alive), h.ID, r.ID)
			c.rsWeight.emit(ch, float64(r.Weight), h.ID, r.ID)
			for i, k := range r.Checkers {
				l := []string{h.ID, r.ID, k.Kind, strconv.Itoa(i)}
				c.chkUp.emit(ch, boolf(k.Up), l...)
				c.chkDuration.emit(ch, k.LastDuration.Seconds(), l...)
				c.chkChecks.emit(ch, float64(k.Checks), l...)
				c.chkFailures.emit(ch, float64(k.Failures), l...)
				c.chkConsecutive.emit(ch, float64(k.ConsecutiveFailures), l...)
				if k.LastFailure != "" {
					at := 0.0
					if !k.LastFailureAt.IsZero() {
						at = float64(k.LastFailureAt.UnixNano()) / 1e9
					}
					c.chkLastFailure.emit(ch, at, append(l, k.LastFailure)...)
				}
			}
		}
		if vs.IPVS == nil {
			continue
		}
		known := vs.IPVS.StatsKnown
		if known {
			for _, s := range c.vsStats {
				s.d.emit(ch, float64(s.get(&vs.IPVS.Stats)), h.ID)
			}
		}
		for _, d := range vs.IPVS.Dests {
			c.ipvsRSWeight.emit(ch, float64(d.Weight), h.ID, d.ID)
			if !known {
				continue
			}
			c.ipvsRSActive.emit(ch, float64(d.ActiveConnections), h.ID, d.ID)
			c.ipvsRSInactive.emit(ch, float64(d.InactiveConnections), h.ID, d.ID)
			c.ipvsRSPersistent.emit(ch, float64(d.PersistentConnections), h.ID, d.ID)
			for _, s := range c.rsStats {
				s.d.emit(ch, float64(s.get(&d.Stats)), h.ID, d.ID)
			}
		}
	}
}
