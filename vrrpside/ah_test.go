package vrrpside

import (
	"errors"
	"testing"

	"github.com/dsas/keepalived-go/parser"
	"github.com/dsas/keepalived-go/vrrp"
)

// TestAHTestAndStartAgree: every auth_type AH file keepalived -t accepts
// (exit 0) is one the VRRP engine accepts at start; so are those -t
// reports with keepalived's exit code 5 (a general configuration error)
// where keepalived downgrades the instance and runs anyway.
func TestAHTestAndStartAgree(t *testing.T) {
	inst := func(extra string) string {
		return "vrrp_instance VI_1 {\n  interface eth9\n  virtual_router_id 51\n  priority 100\n" + extra +
			"  authentication {\n    auth_type AH\n    auth_pass secret12\n  }\n  virtual_ipaddress {\n    10.9.9.1/24\n  }\n}\n"
	}
	// Exit 0 at -t: the rest are keepalived's "error ... Ignoring/clearing".
	clean := map[string]bool{"backup": true, "owner": true, "unicast": true}
	tests := map[string]string{
		"backup":                 inst("  state BACKUP\n"),
		"master cleared":         inst("  state MASTER\n"),
		"owner":                  inst("  state MASTER\n  priority 255\n"),
		"unicast":                inst("  unicast_src_ip 10.9.9.2\n  unicast_peer {\n    10.9.9.3\n  }\n"),
		"long password cut":      "vrrp_instance VI_1 {\n  interface eth9\n  virtual_router_id 51\n  authentication {\n    auth_type AH\n    auth_pass 0123456789abc\n  }\n  virtual_ipaddress {\n    10.9.9.1/24\n  }\n}\n",
		"vrrpv3 drops AH":        "global_defs {\n  vrrp_version 3\n}\n" + inst(""),
		"strict drops AH":        "global_defs {\n  vrrp_strict\n}\n" + inst(""),
		"ipv6 drops AH":          "vrrp_instance VI_1 {\n  interface eth9\n  virtual_router_id 51\n  authentication {\n    auth_type AH\n    auth_pass x\n  }\n  virtual_ipaddress {\n    fd00::1/64\n  }\n}\n",
		"no password drops auth": "vrrp_instance VI_1 {\n  interface eth9\n  virtual_router_id 51\n  authentication {\n    auth_type AH\n  }\n  virtual_ipaddress {\n    10.9.9.1/24\n  }\n}\n",
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			cfg, diags, err := parser.ParseBytes("keepalived.conf", []byte(text), parser.Options{TestMode: true, InterfaceExists: func(string) bool { return true }})
			if err != nil || cfg == nil {
				t.Fatalf("parse: %v", err)
			}
			code := diags.ExitCode()
			if want := map[bool]int{true: 0, false: 5}[clean[name]]; code != want {
				t.Fatalf("-t exits %d, want %d:\n%s", code, want, diags)
			}
			res, err := translate(cfg)
			if err != nil {
				t.Fatalf("-t accepts, start refuses: %v", err)
			}
			opt := vrrp.Options{Listen: func(string, bool) (vrrp.Conn, error) { return nil, errors.New("no") }, Network: nopNetwork{}}
			if _, err := vrrp.New(res.VRRP, opt); err != nil {
				t.Fatalf("-t accepts, start refuses: %v", err)
			}
		})
	}
}
