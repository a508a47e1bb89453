package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// BGPNeighbor is one BGP session as the metrics show it.
type BGPNeighbor struct {
	Addr     string
	RemoteAS uint32
	State    string // idle, connect, active, opensent, openconfirm, established, unknown
}

// BGPSnapshot is the BGP side: its sessions and what it announces. The
// daemon fills it so this package depends on neither engine nor speaker.
type BGPSnapshot struct {
	Running    bool
	Neighbors  []BGPNeighbor
	Announced  []string // prefixes
	LastChange time.Time
	Draining   bool
}

var bgpStates = []string{"idle", "connect", "active", "opensent", "openconfirm", "established"}

type bgpCollector struct {
	snap                                func() BGPSnapshot
	state, up, announced, count, change typedDesc
	draining                            typedDesc
}

// NewBGPCollector reports the bgp_speaker extension's sessions and
// announced prefixes; snap returns Running false when no block is
// configured, and then nothing is reported.
func NewBGPCollector(snap func() BGPSnapshot) prometheus.Collector {
	return &bgpCollector{
		snap:      snap,
		state:     newDesc("keepalived_bgp_neighbor_state", "1 for the BGP session's current FSM state (RFC 4271 names, lower case)", prometheus.GaugeValue, "neighbor", "remote_as", "state"),
		up:        newDesc("keepalived_bgp_neighbor_up", "Whether the BGP session is Established", prometheus.GaugeValue, "neighbor", "remote_as"),
		announced: newDesc("keepalived_bgp_prefix_announced", "1 for each prefix announced to the BGP neighbours", prometheus.GaugeValue, "prefix"),
		count:     newDesc("keepalived_bgp_announced_prefixes", "Number of prefixes announced to the BGP neighbours", prometheus.GaugeValue),
		change:    newDesc("keepalived_bgp_last_change_timestamp_seconds", "When a prefix was last announced or withdrawn (0: never)", prometheus.GaugeValue),
		draining:  newDesc("keepalived_bgp_draining", "Whether the director is draining (every prefix withdrawn before stopping)", prometheus.GaugeValue),
	}
}

func (c *bgpCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []typedDesc{c.state, c.up, c.announced, c.count, c.change, c.draining} {
		ch <- d.desc
	}
}

func (c *bgpCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.snap()
	if !s.Running {
		return
	}
	for _, n := range s.Neighbors {
		as := strconv.FormatUint(uint64(n.RemoteAS), 10)
		for _, st := range bgpStates {
			c.state.emit(ch, boolf(n.State == st), n.Addr, as, st)
		}
		c.up.emit(ch, boolf(n.State == "established"), n.Addr, as)
	}
	for _, p := range s.Announced {
		c.announced.emit(ch, 1, p)
	}
	c.count.emit(ch, float64(len(s.Announced)))
	var ts float64
	if !s.LastChange.IsZero() {
		ts = float64(s.LastChange.UnixNano()) / 1e9
	}
	c.change.emit(ch, ts)
	c.draining.emit(ch, boolf(s.Draining))
}
