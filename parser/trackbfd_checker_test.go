package parser

import "testing"

// A track_bfd naming a bfd_instance whose events go to the checker only is
// "not found" for the VRRP side, as in keepalived 2.2.7 (-t exit 5).
func TestTrackBFDCheckerOnly(t *testing.T) {
	src := "bfd_instance B1 {\n  neighbor_ip 10.0.0.2\n  checker\n}\n" +
		"vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  track_bfd {\n    B1\n  }\n  virtual_ipaddress {\n    10.0.0.100\n  }\n}\n"
	cfg, diags, err := ParseBytes("keepalived.conf", []byte(src), Options{InterfaceExists: func(string) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	if diags.ExitCode() != ExitConfig || len(cfg.VRRP.Instances) != 1 || len(cfg.VRRP.Instances[0].Trackers) != 0 {
		t.Fatalf("exit %d, trackers %+v:\n%s", diags.ExitCode(), cfg.VRRP.Instances[0].Trackers, diags)
	}
}
