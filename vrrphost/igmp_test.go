package vrrphost

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDisableLocalIGMP: on at start is turned off and reported changed
// (so it is turned on again at stop); off already is left alone.
func TestDisableLocalIGMP(t *testing.T) {
	old := igmpReportsPath
	t.Cleanup(func() { igmpReportsPath = old })
	igmpReportsPath = filepath.Join(t.TempDir(), "igmp_link_local_mcast_reports")
	for _, tc := range []struct {
		was     string
		changed bool
	}{{"1\n", true}, {"0\n", false}} {
		if err := os.WriteFile(igmpReportsPath, []byte(tc.was), 0o644); err != nil {
			t.Fatal(err)
		}
		changed, err := DisableLocalIGMP()
		if err != nil || changed != tc.changed {
			t.Fatalf("was %q: changed %v, %v; want %v", tc.was, changed, err, tc.changed)
		}
		if b, _ := os.ReadFile(igmpReportsPath); b[0] != '0' {
			t.Fatalf("was %q: now %q", tc.was, b)
		}
	}
	if err := RestoreLocalIGMP(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(igmpReportsPath); b[0] != '1' {
		t.Fatalf("restored to %q", b)
	}
}
