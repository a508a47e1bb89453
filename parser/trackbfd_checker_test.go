package parser

import (
	"strings"
	"testing"
)

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

// multihop is a keepalived 2.3 keyword: 2.2.7 says "Unknown keyword
// 'multihop'" and -t exits 5 (checked), and so do we; the session keeps
// the rest of its block.
func TestBFDMultihopRefused(t *testing.T) {
	for _, kw := range []string{"multihop", "multihop true"} {
		src := "bfd_instance B1 {\n  neighbor_ip 10.0.0.2\n  " + kw + "\n  max_hops 2\n}\n"
		cfg, diags, err := ParseBytes("keepalived.conf", []byte(src), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if diags.ExitCode() != ExitConfig || !strings.Contains(diags.String(), "Unknown keyword 'multihop'") {
			t.Errorf("%q: exit %d:\n%s", kw, diags.ExitCode(), diags)
		}
		if len(cfg.VRRP.BFDs) != 1 || cfg.VRRP.BFDs[0].MaxHops != 2 {
			t.Errorf("%q: bfd_instance not kept with its max_hops: %+v", kw, cfg.VRRP.BFDs)
		}
	}
}
