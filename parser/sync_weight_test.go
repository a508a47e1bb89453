package parser

import (
	"os"
	"testing"
)

// TestSyncGroupTrackingWeight: a sync group member's weighted track_script
// is dropped with keepalived's message unless the group has
// sync_group_tracking_weight (or its deprecated alias global_tracking),
// in which case the member keeps the weight the engine then applies.
func TestSyncGroupTrackingWeight(t *testing.T) {
	for _, tc := range []struct {
		file string
		kept bool
	}{
		{"testdata/vrrp/sync_weight.conf", false},
		{"testdata/vrrp/sync_weight_kept.conf", true},
	} {
		data, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := ParseBytes(tc.file, data, labOptions())
		if err != nil {
			t.Fatal(err)
		}
		var weight int
		found := false
		for _, tr := range cfg.VRRP.Instances[0].Trackers {
			if tr.Name == "chk" {
				weight, found = tr.Weight, true
			}
		}
		if tc.kept != (found && weight == 10) {
			t.Errorf("%s: track_script chk found %v weight %d, want kept=%v", tc.file, found, weight, tc.kept)
		}
	}
}
