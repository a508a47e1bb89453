package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// BFDSession is one BFD session as the metrics show it; the daemon fills
// it from the BFD engine so this package depends on no engine.
type BFDSession struct {
	Name       string
	State      string // AdminDown, Down, Init, Up
	TxInterval time.Duration
	DetectTime time.Duration
}

// BFDCounters are the BFD side's packet counters.
type BFDCounters struct {
	Received, Sent, SendErrors            uint64
	Malformed, NoSession, BadTTL, Refused uint64
}

var bfdStates = []string{"AdminDown", "Down", "Init", "Up"}

type bfdCollector struct {
	sessions func() []BFDSession
	counters func() BFDCounters

	state, up, tx, detect  typedDesc
	received, sent, sendEr typedDesc
	dropped                typedDesc
}

// NewBFDCollector reports BFD sessions and packet counters; either
// function may return nothing when the BFD side is not running.
func NewBFDCollector(sessions func() []BFDSession, counters func() BFDCounters) prometheus.Collector {
	return &bfdCollector{
		sessions: sessions, counters: counters,
		state:    newDesc("keepalived_bfd_session_state", "1 for the BFD session's current state (RFC 5880 names)", prometheus.GaugeValue, "name", "state"),
		up:       newDesc("keepalived_bfd_session_up", "Whether the BFD session is Up", prometheus.GaugeValue, "name"),
		tx:       newDesc("keepalived_bfd_transmit_interval_seconds", "Negotiated transmission interval", prometheus.GaugeValue, "name"),
		detect:   newDesc("keepalived_bfd_detection_time_seconds", "Negotiated detection time (0 before the first packet)", prometheus.GaugeValue, "name"),
		received: newDesc("keepalived_bfd_packets_received_total", "BFD control packets accepted by a session", prometheus.CounterValue),
		sent:     newDesc("keepalived_bfd_packets_sent_total", "BFD control packets sent", prometheus.CounterValue),
		sendEr:   newDesc("keepalived_bfd_send_errors_total", "BFD control packets the kernel refused", prometheus.CounterValue),
		dropped:  newDesc("keepalived_bfd_packets_dropped_total", "BFD control packets dropped, by reason", prometheus.CounterValue, "reason"),
	}
}

func (c *bfdCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []typedDesc{c.state, c.up, c.tx, c.detect, c.received, c.sent, c.sendEr, c.dropped} {
		ch <- d.desc
	}
}

func (c *bfdCollector) Collect(ch chan<- prometheus.Metric) {
	if c.sessions != nil {
		for _, s := range c.sessions() {
			for _, st := range bfdStates {
				c.state.emit(ch, boolf(s.State == st), s.Name, st)
			}
			c.up.emit(ch, boolf(s.State == "Up"), s.Name)
			c.tx.emit(ch, s.TxInterval.Seconds(), s.Name)
			c.detect.emit(ch, s.DetectTime.Seconds(), s.Name)
		}
	}
	if c.counters == nil {
		return
	}
	n := c.counters()
	c.received.emit(ch, float64(n.Received))
	c.sent.emit(ch, float64(n.Sent))
	c.sendEr.emit(ch, float64(n.SendErrors))
	for reason, v := range map[string]uint64{"malformed": n.Malformed, "no_session": n.NoSession, "ttl": n.BadTTL, "refused": n.Refused} {
		c.dropped.emit(ch, float64(v), reason)
	}
}
