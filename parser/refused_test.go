package parser

import (
	"strings"
	"testing"
)

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
