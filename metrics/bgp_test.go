package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestBGPCollector(t *testing.T) {
	snap := BGPSnapshot{Running: true,
		Neighbors:  []BGPNeighbor{{Addr: "10.0.0.1", RemoteAS: 65000, State: "established"}},
		Announced:  []string{"192.0.2.10/32"},
		LastChange: time.Unix(1700000000, 0),
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewBGPCollector(func() BGPSnapshot { return snap }))
	want := `# HELP keepalived_bgp_announced_prefixes Number of prefixes announced to the BGP neighbours
# TYPE keepalived_bgp_announced_prefixes gauge
keepalived_bgp_announced_prefixes 1
# HELP keepalived_bgp_neighbor_up Whether the BGP session is Established
# TYPE keepalived_bgp_neighbor_up gauge
keepalived_bgp_neighbor_up{neighbor="10.0.0.1",remote_as="65000"} 1
# HELP keepalived_bgp_prefix_announced 1 for each prefix announced to the BGP neighbours
# TYPE keepalived_bgp_prefix_announced gauge
keepalived_bgp_prefix_announced{prefix="192.0.2.10/32"} 1
# HELP keepalived_bgp_last_change_timestamp_seconds When a prefix was last announced or withdrawn (0: never)
# TYPE keepalived_bgp_last_change_timestamp_seconds gauge
keepalived_bgp_last_change_timestamp_seconds 1.7e+09
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "keepalived_bgp_announced_prefixes",
		"keepalived_bgp_neighbor_up", "keepalived_bgp_prefix_announced", "keepalived_bgp_last_change_timestamp_seconds"); err != nil {
		t.Error(err)
	}
	snap = BGPSnapshot{}
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 0 {
		t.Errorf("not running: %d series, %v", n, err)
	}
}
