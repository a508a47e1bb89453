package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

func TestBFDCollector(t *testing.T) {
	c := NewBFDCollector(
		func() []BFDSession {
			return []BFDSession{{Name: "B1", State: "Up", TxInterval: 50 * time.Millisecond, DetectTime: 150 * time.Millisecond}}
		},
		func() BFDCounters { return BFDCounters{Received: 7, Sent: 9, BadTTL: 2} },
	)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	got := gatherText(t, reg)
	for _, line := range []string{
		`keepalived_bfd_detection_time_seconds{name="B1"} 0.15`,
		`keepalived_bfd_transmit_interval_seconds{name="B1"} 0.05`,
		`keepalived_bfd_packets_dropped_total{reason="ttl"} 2`,
		`keepalived_bfd_packets_dropped_total{reason="malformed"} 0`,
		`keepalived_bfd_packets_received_total 7`,
		`keepalived_bfd_packets_sent_total 9`,
		`keepalived_bfd_session_state{name="B1",state="Up"} 1`,
		`keepalived_bfd_session_state{name="B1",state="Down"} 0`,
		`keepalived_bfd_session_up{name="B1"} 1`,
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("missing %s in\n%s", line, got)
		}
	}
	empty := prometheus.NewPedanticRegistry()
	empty.MustRegister(NewBFDCollector(nil, nil))
	if got := gatherText(t, empty); got != "" {
		t.Fatalf("no BFD side: %s", got)
	}
}

// gatherText is the registry in the text exposition format.
func gatherText(t *testing.T, g prometheus.Gatherer) string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}
