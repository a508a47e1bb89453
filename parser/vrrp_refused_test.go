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

// TestVRRPAbortRefuses: a VRRP keyword missing its parameter aborts
// keepalived's VRRP child only (CONFIG: the daemon terminates with exit
// 2 after starting); the parent and checker read on. -t still exits 2.
func TestVRRPAbortRefuses(t *testing.T) {
	src := []byte("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n}\nvrrp_track_file {\n}\n")
	cfg, ds, err := ParseBytes("abort.conf", src, labOptions())
	if err != nil || cfg == nil || !cfg.VRRP.Refused || ds.ExitCode() != ExitAborted {
		t.Fatalf("err %v, refused %v, exit %d", err, cfg != nil && cfg.VRRP.Refused, ds.ExitCode())
	}
}

// TestCheckerAbortRefuses: at daemon start a checker keyword missing its
// parameter stops the checker side's read only; the VRRP side reads the
// file on its own (keepalived -P runs it). -t keeps stopping there.
func TestCheckerAbortRefuses(t *testing.T) {
	src := []byte("virtual_server 10.0.0.1 80 {\n lb_algo\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n")
	opt := labOptions()
	opt.TestMode = false
	cfg, ds, err := ParseBytes("abort.conf", src, opt)
	if err != nil || cfg == nil || !cfg.LVS.Refused || cfg.VRRP.Refused || len(cfg.VRRP.Instances) != 1 || ds.ExitCode() != ExitAborted {
		t.Fatalf("err %v, cfg %v, exit %d", err, cfg != nil, ds.ExitCode())
	}
	if _, _, err := ParseBytes("abort.conf", src, labOptions()); err == nil {
		t.Fatal("-t read on after the checker's abort")
	}
}
