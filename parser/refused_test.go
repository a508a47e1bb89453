package parser

import (
	"strings"
	"testing"
)

// TestUseIPVLANRefused: keepalived-go creates no ipvlan interface, so -t
// refuses use_ipvlan at the keyword, saying so and what to use instead.
func TestUseIPVLANRefused(t *testing.T) {
	conf := "vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  priority 100\n  use_ipvlan 10.0.0.9/24 bridge\n  virtual_ipaddress {\n    10.0.0.100/24\n  }\n}\n"
	_, diags, _ := ParseBytes("test.conf", []byte(conf), Options{NoConfigID: true})
	want := "test.conf:5:3: error: (VI_1) use_ipvlan is not supported by keepalived-go: it creates no ipvlan interface; use use_vmac (macvlan) or the base interface"
	if !strings.Contains(diags.String(), want) || diags.ExitCode() == ExitOK {
		t.Errorf("status %d, diagnostics\n%s\nwant %q", diags.ExitCode(), diags, want)
	}
}

// TestNetNamespaceIPVSRefused: IPVS in another namespace than the daemon's
// is refused at -t; the daemon's own namespace is accepted.
func TestNetNamespaceIPVSRefused(t *testing.T) {
	for _, tc := range []struct {
		conf string
		want string // "" = no error
	}{
		{"net_namespace_ipvs blue\n", "test.conf:1:1: error: net_namespace_ipvs blue is not supported by keepalived-go: IPVS is programmed in keepalived-go's own network namespace (the default namespace); run keepalived-go in that namespace instead"},
		{"net_namespace blue\nnet_namespace_ipvs\n", "error: net_namespace_ipvs the default namespace is not supported by keepalived-go"},
		{"net_namespace blue\nnet_namespace_ipvs blue\n", ""},
		{"net_namespace_ipvs\n", ""},
	} {
		_, diags, _ := ParseBytes("test.conf", []byte(tc.conf), Options{NoConfigID: true})
		got := diags.String()
		if tc.want == "" && strings.Contains(got, "net_namespace_ipvs") || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%q: diagnostics\n%s\nwant %q", tc.conf, got, tc.want)
		}
	}
}
