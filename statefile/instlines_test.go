package statefile

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/parser"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/status/statustest"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// TestInstanceLines048: the instance lines corpus 048 showed different
// from keepalived 2.2.7: "Kernel rx buffer size" after the
// authentication, and, under a global vrrp_check_unicast_src, "Flags:
// none" and "Check unicast src : no" for instances that did not ask.
func TestInstanceLines048(t *testing.T) {
	conf := `global_defs {
  vrrp_check_unicast_src
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  priority 100
  kernel_rx_buf_size 200000
  virtual_ipaddress {
    10.1.0.1
  }
}
vrrp_instance B {
  interface eth1
  virtual_router_id 2
  priority 100
  unicast_peer {
    10.2.0.2
  }
  virtual_ipaddress {
    10.2.0.1
  }
}
`
	cfg, diags, err := parser.ParseBytes("t.conf", []byte(conf), parser.Options{NoConfigID: true, InterfaceExists: func(string) bool { return true }})
	if err != nil || diags.ExitCode() != 0 {
		t.Fatalf("parse: %v\n%s", err, diags)
	}
	res, err := vrrpconf.Translate(cfg, vrrpconf.Options{PrimaryAddr: func(string, bool) netip.Addr { return netip.MustParseAddr("10.9.0.1") }})
	if err != nil {
		t.Fatal(err)
	}
	var st []vrrp.InstanceStatus
	for _, ic := range res.VRRP.Instances {
		st = append(st, vrrp.InstanceStatus{Name: ic.Name, Interface: ic.Interface, VRID: ic.VRID, State: vrrp.StateBackup,
			BasePriority: ic.Priority, EffectivePriority: ic.Priority, MasterAdvertInt: ic.AdvertInt})
	}
	src := status.Sources{VRRP: &statustest.VRRP{Cfg: res.VRRP, St: st}, RouterID: func() string { return "r" }}
	var b bytes.Buffer
	FormatDataHost(&b, src, time.UTC, Host{Config: cfg})
	out := b.String()
	for _, want := range []string{"   Flags: none\n", "   Kernel rx buffer size = 200000\n", "   Check unicast src : no\n", "   Rx buf size = 200000\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", strings.TrimSpace(want), out)
		}
	}
}
