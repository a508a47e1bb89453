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

// TestLinkNameNotReusable: a use_ipvlan or use_vmac name the daemon's
// interface list already has as another kind of link is dropped with
// keepalived's line (the VRRP side then names the link vrrp.<vrid>);
// a reusable one, an absent one and -t (no list) keep it.
func TestLinkNameNotReusable(t *testing.T) {
	list := func(name string, ipvlan bool) (bool, bool) {
		switch name {
		case "taken":
			return true, false
		case "mine":
			return true, true
		}
		return false, false
	}
	for _, tc := range []struct {
		line, name, diag string
		noList           bool
	}{
		{"use_ipvlan taken 1.2.3.4 bridge", "", "(VI_1) interface taken already exists and is not an l2 ipvlan; ignoring ipvlan if_name", false},
		{"use_vmac taken", "", "(VI_1) interface taken already exists and is not a private macvlan; ignoring vmac if_name", false},
		{"use_ipvlan mine 1.2.3.4", "mine", "", false},
		{"use_vmac free", "free", "", false},
		{"use_ipvlan taken 1.2.3.4", "taken", "", true},
	} {
		conf := "vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  priority 100\n  " + tc.line + "\n  virtual_ipaddress {\n    10.0.0.100/24\n  }\n}\n"
		opt := Options{NoConfigID: true, LinkReusable: list}
		if tc.noList {
			opt.LinkReusable = nil
		}
		cfg, diags, _ := ParseBytes("test.conf", []byte(conf), opt)
		if cfg == nil || len(cfg.VRRP.Instances) != 1 {
			t.Fatalf("%s: no instance (%s)", tc.line, diags)
		}
		if got := cfg.VRRP.Instances[0].VMAC.IfName; got != tc.name {
			t.Errorf("%s: name %q, want %q", tc.line, got, tc.name)
		}
		if has := strings.Contains(diags.String(), "already exists"); has != (tc.diag != "") || !strings.Contains(diags.String(), tc.diag) {
			t.Errorf("%s: diagnostics %q, want %q", tc.line, diags, tc.diag)
		}
	}
}
