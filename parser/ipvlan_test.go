package parser

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/config"
)

// TestUseIPVLAN: use_ipvlan is accepted as keepalived 2.2.7's -t accepts
// it, its name, address and mode carried into the configuration; the
// address is the instance's source, and without a name the VRRP side
// names the link (<vmac_prefix>.<vrid>).
func TestUseIPVLAN(t *testing.T) {
	for _, tc := range []struct {
		line string
		want config.VMAC
	}{
		{"use_ipvlan ipvlan.252 5.7.6.8 vepa", config.VMAC{IPVLAN: true, IfName: "ipvlan.252", IPVLANAddr: netip.MustParsePrefix("5.7.6.8/32"), IPVLANMode: config.IPVLANVEPA}},
		{"use_ipvlan 5.6.7.8/24 private", config.VMAC{IPVLAN: true, IPVLANAddr: netip.MustParsePrefix("5.6.7.8/24"), IPVLANMode: config.IPVLANPrivate}},
		{"use_ipvlan ipvl2 1.2.3.4", config.VMAC{IPVLAN: true, IfName: "ipvl2", IPVLANAddr: netip.MustParsePrefix("1.2.3.4/32")}},
	} {
		conf := "vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  priority 100\n  " + tc.line + "\n  virtual_ipaddress {\n    10.0.0.100/24\n  }\n}\n"
		cfg, diags, _ := ParseBytes("test.conf", []byte(conf), Options{NoConfigID: true})
		if strings.Contains(strings.ToLower(diags.String()), "ipvlan") {
			t.Errorf("%s: diagnostics\n%s", tc.line, diags)
		}
		if cfg == nil || len(cfg.VRRP.Instances) != 1 {
			t.Fatalf("%s: no instance (%s)", tc.line, diags)
		}
		in := cfg.VRRP.Instances[0]
		if in.VMAC != tc.want {
			t.Errorf("%s: VMAC %+v, want %+v", tc.line, in.VMAC, tc.want)
		}
		if in.SrcIP != tc.want.IPVLANAddr.Addr() {
			t.Errorf("%s: source %v, want the ipvlan address", tc.line, in.SrcIP)
		}
	}
}
