package parser

import (
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/internal/netns"
)

// TestInterfaceMulticastFlag checks the real-host interface look-ups in a
// namespace: keepalived disables a multicast instance whose interface
// lacks IFF_MULTICAST (a config error, -t exit 5), and accepts it once the
// flag is on.
func TestInterfaceMulticastFlag(t *testing.T) {
	ns := netns.New(t, "kdmc")
	const link = "kdmc0"
	if _, err := ns.Run("ip", "link", "add", link, "type", "dummy"); err != nil {
		ns.MustRun(t, "ip", "link", "add", link, "type", "ifb")
	}
	src := []byte("vrrp_instance VI_1 {\n interface " + link + "\n virtual_router_id 5\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n")
	const msg = "(VI_1) interface kdmc0 does not support multicast, specify unicast peers - disabling"
	for _, tt := range []struct {
		multicast string
		want      bool
		code      int
	}{
		{"off", true, ExitConfig},
		{"on", false, ExitOK},
	} {
		ns.MustRun(t, "ip", "link", "set", link, "multicast", tt.multicast)
		var diags Diagnostics
		ns.MustDo(t, func() error {
			_, diags, _ = ParseBytes("t.conf", src, Options{TestMode: true, ConfigID: "x"})
			return nil
		})
		if got := strings.Contains(diags.String(), "t.conf:1:1: error: "+msg); got != tt.want {
			t.Errorf("multicast %s: diagnostic present %v, want %v:\n%s", tt.multicast, got, tt.want, diags)
		}
		if c := diags.ExitCode(); c != tt.code {
			t.Errorf("multicast %s: exit %d, want %d", tt.multicast, c, tt.code)
		}
	}
}
