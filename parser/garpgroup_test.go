package parser

import (
	"testing"

	"github.com/dsas/keepalived-go/config"
)

// TestGARPAggregationGroup: keepalived numbers a garp_group only from its
// "interfaces" block (1 + the groups numbered before); one given by
// "interface" stays group 0 (corpus 048: GG_1 is group 0, GG_2 group 1).
func TestGARPAggregationGroup(t *testing.T) {
	runBlockCases(t, []blockCase{{
		name: "garp_group numbering",
		src: `garp_group GG_1 {
  garp_interval 0.001
  interface eth0
}
garp_group GG_2 {
  garp_interval 0.0001
  interfaces {
    eth1
    eth2
  }
}
garp_group GG_3 {
  gna_interval 0.0001
  interfaces {
    eth3
  }
}
`,
		host: func(o *Options) { o.InterfaceExists = func(string) bool { return true } },
		check: func(t *testing.T, cfg *config.Config) {
			var got []int
			for _, g := range cfg.VRRP.GARPGroups {
				got = append(got, g.AggregationGroup)
			}
			if len(got) != 3 || got[0] != 0 || got[1] != 1 || got[2] != 2 {
				t.Errorf("aggregation groups %v, want [0 1 2]", got)
			}
		},
	}})
}
