package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

// commonLabels are the exporter's per-instance labels.
var commonLabels = []string{"iname", "intf", "vrid"}

// vrrpCollector emits the exporter's per-instance series plus the new
// keepalived_vrrp_* ones.
type vrrpCollector struct {
	src   status.VRRPSource
	trans *status.Transitions

	state, excludedState, garpDelay typedDesc
	counters                        []statCounter

	priority, effPriority, transitions, reasons typedDesc
	tracker, groupState                         typedDesc
}

// statCounter maps one vrrp.Stats field to a series.
type statCounter struct {
	d   typedDesc
	get func(*vrrp.Stats) uint64
}

func newVRRPCollector(src status.VRRPSource, trans *status.Transitions) *vrrpCollector {
	c := func(name, help string, get func(*vrrp.Stats) uint64) statCounter {
		return statCounter{newDesc(name, help, prometheus.CounterValue, commonLabels...), get}
	}
	vipLabels := []string{"iname", "intf", "vrid", "ip_address"}
	return &vrrpCollector{
		src:           src,
		trans:         trans,
		state:         newDesc("keepalived_vrrp_state", "State of vrrp", prometheus.GaugeValue, vipLabels...),
		excludedState: newDesc("keepalived_vrrp_excluded_state", "State of vrrp with excluded VIP", prometheus.GaugeValue, vipLabels...),
		garpDelay:     newDesc("keepalived_gratuitous_arp_delay_total", "Gratuitous ARP delay", prometheus.CounterValue, commonLabels...),
		counters: []statCounter{
			c("keepalived_advertisements_received_total", "Advertisements received", func(s *vrrp.Stats) uint64 { return s.AdvertRcvd }),
			c("keepalived_advertisements_sent_total", "Advertisements sent", func(s *vrrp.Stats) uint64 { return s.AdvertSent }),
			c("keepalived_become_master_total", "Became master", func(s *vrrp.Stats) uint64 { return s.BecomeMaster }),
			c("keepalived_release_master_total", "Released master", func(s *vrrp.Stats) uint64 { return s.ReleaseMaster }),
			c("keepalived_packet_length_errors_total", "Packet length errors", func(s *vrrp.Stats) uint64 { return s.PacketLenErr }),
			c("keepalived_advertisements_interval_errors_total", "Advertisement interval errors", func(s *vrrp.Stats) uint64 { return s.AdvertIntervalErr }),
			c("keepalived_ip_ttl_errors_total", "TTL errors", func(s *vrrp.Stats) uint64 { return s.IPTTLErr }),
			c("keepalived_invalid_type_received_total", "Invalid type errors", func(s *vrrp.Stats) uint64 { return s.InvalidTypeRcvd }),
			c("keepalived_address_list_errors_total", "Address list errors", func(s *vrrp.Stats) uint64 { return s.AddrListErr }),
			c("keepalived_authentication_invalid_total", "Authentication invalid", func(s *vrrp.Stats) uint64 { return s.InvalidAuthType }),
			c("keepalived_authentication_mismatch_total", "Authentication mismatch", func(s *vrrp.Stats) uint64 { return s.AuthTypeMismatch }),
			c("keepalived_authentication_failure_total", "Authentication failure", func(s *vrrp.Stats) uint64 { return s.AuthFailure }),
			c("keepalived_priority_zero_received_total", "Priority zero received", func(s *vrrp.Stats) uint64 { return s.PriZeroRcvd }),
			c("keepalived_priority_zero_sent_total", "Priority zero sent", func(s *vrrp.Stats) uint64 { return s.PriZeroSent }),
			// New: counters keepalived only logs.
			c("keepalived_vrrp_checksum_errors_total", "Adverts dropped for a bad checksum", func(s *vrrp.Stats) uint64 { return s.ChecksumErr }),
			c("keepalived_vrrp_version_errors_total", "Adverts dropped for a VRRP version mismatch", func(s *vrrp.Stats) uint64 { return s.VersionErr }),
			c("keepalived_vrrp_other_errors_total", "Adverts dropped for other reasons (unicast source, strict mode checks)", func(s *vrrp.Stats) uint64 { return s.OtherErr }),
			c("keepalived_vrrp_gratuitous_arp_sent_total", "Gratuitous ARPs and unsolicited neighbour advertisements sent", func(s *vrrp.Stats) uint64 { return s.GARPSent }),
			c("keepalived_vrrp_send_errors_total", "Adverts that could not be sent", func(s *vrrp.Stats) uint64 { return s.SendErr }),
		},
		priority:    newDesc("keepalived_vrrp_priority", "Configured priority of the instance", prometheus.GaugeValue, commonLabels...),
		effPriority: newDesc("keepalived_vrrp_effective_priority", "Effective priority of the instance after tracking weights", prometheus.GaugeValue, commonLabels...),
		transitions: newDesc("keepalived_vrrp_transitions_total", "VRRP state transitions by from and to state",
			prometheus.CounterValue, "iname", "intf", "vrid", "from", "to"),
		reasons: newDesc("keepalived_vrrp_transition_reasons_total", "VRRP state transitions by new state and the engine's reason",
			prometheus.CounterValue, "iname", "intf", "vrid", "to", "reason"),
		tracker: newDesc("keepalived_tracker_ok", "Verdict of a tracked interface, script, file or process of the instance (1 ok, 0 failed, before reverse)",
			prometheus.GaugeValue, "iname", "intf", "vrid", "kind", "name", "weight"),
		groupState: newDesc("keepalived_sync_group_state", "State of a vrrp_sync_group: FAULT when a member is, else its members' state",
			prometheus.GaugeValue, "group"),
	}
}

func (c *vrrpCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []typedDesc{c.state, c.excludedState, c.garpDelay, c.priority, c.effPriority, c.transitions, c.reasons, c.tracker, c.groupState} {
		ch <- d.desc
	}
	for _, sc := range c.counters {
		ch <- sc.d.desc
	}
}

func (c *vrrpCollector) Collect(ch chan<- prometheus.Metric) {
	if c.src == nil {
		return
	}
	type ids struct{ intf, vrid string }
	known := map[string]ids{}
	groups := map[string]vrrp.State{}
	for _, in := range status.Instances(c.src) {
		if g := in.SyncGroup; g != "" {
			if st, ok := groups[g]; !ok || st != vrrp.StateFault {
				groups[g] = in.State
			}
		}
		vrid := strconv.Itoa(int(in.VRID))
		known[in.Name] = ids{in.Interface, vrid}
		for _, sc := range c.counters {
			sc.d.emit(ch, float64(sc.get(&in.Stats)), in.Name, in.Interface, vrid)
		}
		garp := in.Config.GARP.MasterDelay
		if !in.Configured {
			garp = vrrp.DefaultGARP.MasterDelay
		}
		c.garpDelay.emit(ch, garp.Seconds(), in.Name, in.Interface, vrid)
		st := float64(in.State)
		seen := map[string]bool{}
		for _, a := range in.Config.VIPs {
			ip := status.AddrString(a)
			if seen[ip] {
				continue // a duplicate VIP would break the whole scrape
			}
			seen[ip] = true
			c.state.emit(ch, st, in.Name, status.AddrDev(a, in.Interface), vrid, ip)
		}
		if len(in.Config.VIPs) == 0 {
			c.state.emit(ch, st, in.Name, in.Interface, vrid, "")
		}
		seen = map[string]bool{}
		for _, a := range in.Config.ExcludedVIPs {
			ip := status.AddrString(a)
			if seen[ip] {
				continue
			}
			seen[ip] = true
			c.excludedState.emit(ch, st, in.Name, status.AddrDev(a, in.Interface), vrid, ip)
		}
		c.priority.emit(ch, float64(in.BasePriority), in.Name, in.Interface, vrid)
		c.effPriority.emit(ch, float64(in.EffectivePriority), in.Name, in.Interface, vrid)
		c.collectTrackers(ch, in, vrid)
	}
	for _, t := range c.trans.Counts() {
		id, ok := known[t.Instance]
		if !ok {
			continue // removed by a reload
		}
		c.transitions.emit(ch, float64(t.Count), t.Instance, id.intf, id.vrid, status.StateName(t.From), status.StateName(t.To))
	}
	for g, st := range groups {
		c.groupState.emit(ch, float64(st), g)
	}
	for _, r := range c.trans.Reasons() {
		id, ok := known[r.Instance]
		if !ok {
			continue
		}
		c.reasons.emit(ch, float64(r.Count), r.Instance, id.intf, id.vrid, status.StateName(r.To), r.Reason)
	}
}

// collectTrackers emits one verdict per tracked object; a tracker not yet
// known (no script result) is left out rather than reported failed.
func (c *vrrpCollector) collectTrackers(ch chan<- prometheus.Metric, in status.Instance, vrid string) {
	seen := map[string]bool{}
	for _, t := range in.Trackers {
		key := t.Kind + "\x00" + t.Name
		if !t.Known || seen[key] {
			continue
		}
		seen[key] = true
		c.tracker.emit(ch, boolf(t.OK), in.Name, in.Interface, vrid, t.Kind, t.Name, strconv.Itoa(t.Weight))
	}
}

// scriptCollector emits the exporter's vrrp_script series.
type scriptCollector struct {
	src           status.ScriptSource
	status, state typedDesc
}

func newScriptCollector(src status.ScriptSource) *scriptCollector {
	return &scriptCollector{
		src:    src,
		status: newDesc("keepalived_script_status", "Tracker Script Status", prometheus.GaugeValue, "name"),
		state:  newDesc("keepalived_script_state", "Tracker Script State", prometheus.GaugeValue, "name"),
	}
}

func (c *scriptCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.status.desc
	ch <- c.state.desc
}

func (c *scriptCollector) Collect(ch chan<- prometheus.Metric) {
	if c.src == nil {
		return
	}
	for _, s := range c.src.Scripts() {
		c.status.emit(ch, boolf(s.Good), s.Name)
		c.state.emit(ch, float64(s.State), s.Name)
	}
}
