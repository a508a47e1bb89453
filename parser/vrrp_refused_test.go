package parser

import (
	"os"
	"testing"
)

// TestVRRPRefused: the files on which keepalived 2.2.7's VRRP process
// exits at start with its permanent CONFIG error (so the daemon
// terminates with exit 2, verified side by side in the runtime
// differential) are marked Refused; files it runs are not.
func TestVRRPRefused(t *testing.T) {
	for file, want := range map[string]bool{
		"testdata/vrrp/no_vrid.conf":        true,  // chk_min_cfg: no virtual_router_id
		"testdata/vrrp/lo_if.conf":          true,  // chk_min_cfg: "Unknown interface!"
		"testdata/vrrp/dup_vrid.conf":       true,  // check_vrid_conflicts
		"testdata/vrrp/no_vip_v3.conf":      true,  // VRRPv3 without a VIP
		"testdata/vrrp/missing_if.conf":     true,  // eth9 absent, no dynamic_interfaces
		"testdata/vrrp/strict_unicast.conf": false, // 2.2.7 runs it (the notes say otherwise)
		"testdata/vrrp/dynamic_if.conf":     false,
		"testdata/vrrp/no_vip_v2.conf":      false, // a warning only
		"testdata/vrrp/basic.conf":          false,
	} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := ParseBytes(file, data, labOptions())
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if cfg.VRRP.Refused != want {
			t.Errorf("%s: Refused %v, want %v", file, cfg.VRRP.Refused, want)
		}
	}
}
