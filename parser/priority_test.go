package parser

import (
	"testing"
)

// TestPriorityNumbers: a bad priority gets read_unsigned's own line
// before "Priority not valid!" and the default 100, in -t and in the
// daemon alike (keepalived reads it without ignore_error: "12x" is not
// 12). Checked against keepalived 2.2.7 -t; corpus 068's undefined
// $priority in the runtime differential.
func TestPriorityNumbers(t *testing.T) {
	for _, tt := range []struct{ text, line string }{
		{"300", "number '300' outside range [1, 255]"},
		{"0", "number '0' outside range [1, 255]"},
		{"12x", "invalid number '12x'"},
		{"$priority", "invalid number '$priority'"},
		{"-5", "negative number '-5'"},
	} {
		for _, testMode := range []bool{true, false} {
			o := recordedHost("high")
			o.TestMode = testMode
			src := "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  priority " + tt.text + "\n}\n"
			cfg, diags, err := ParseBytes("p.conf", []byte(src), o)
			if err != nil {
				t.Fatal(err)
			}
			got := diagLines(diags)
			want := []string{"4:12: error: " + tt.line, "4:12: error: (VI_1) Priority not valid! must be between 1 & 255. Using default 100"}
			equalLines(t, tt.text, got[:min(2, len(got))], want)
			if p := cfg.VRRP.Instances[0].Priority; p != 100 {
				t.Errorf("priority %s (-t %v): %d, want 100", tt.text, testMode, p)
			}
		}
	}
}
