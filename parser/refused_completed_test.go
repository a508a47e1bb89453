package parser

import "testing"

// TestRefusedCompleted: a VRID conflict refuses the file after every
// instance was completed (keepalived's shutdown notifies then carry the
// priorities); an instance without an interface refuses it before.
func TestRefusedCompleted(t *testing.T) {
	inst := func(name, iface string) string {
		return "vrrp_instance " + name + " {\n interface " + iface + "\n virtual_router_id 7\n priority 220\n}\n"
	}
	for _, tc := range []struct {
		conf      string
		completed bool
	}{
		{inst("A", "eth0") + inst("B", "eth0"), true},
		{"vrrp_instance A {\n virtual_router_id 7\n}\n", false},
	} {
		cfg, diags, err := ParseBytes("test.conf", []byte(tc.conf), Options{NoConfigID: true, InterfaceExists: func(string) bool { return true }})
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.VRRP.Refused || cfg.VRRP.RefusedCompleted != tc.completed {
			t.Errorf("%q: Refused %v RefusedCompleted %v, want true %v\n%s", tc.conf, cfg.VRRP.Refused, cfg.VRRP.RefusedCompleted, tc.completed, diags)
		}
	}
}
