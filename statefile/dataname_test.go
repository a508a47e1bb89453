package statefile

import "testing"

// TestDataUseInstanceName follows keepalived's open_dump_file:
// keepalived.NS_INST.data, either part alone without the '_'.
func TestDataUseInstanceName(t *testing.T) {
	for _, tc := range []struct{ ns, inst, want string }{
		{"", "", "keepalived_check.data"},
		{"blue", "", "keepalived_check.blue.data"},
		{"", "lab1", "keepalived_check.lab1.data"},
		{"blue", "lab1", "keepalived_check.blue_lab1.data"},
	} {
		if got := DataUseInstanceName("keepalived_check.data", tc.ns, tc.inst); got != tc.want {
			t.Errorf("ns %q instance %q: %s, want %s", tc.ns, tc.inst, got, tc.want)
		}
	}
}
