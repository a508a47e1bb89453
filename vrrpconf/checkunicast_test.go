package vrrpconf

import (
	"testing"

	"github.com/dsas/keepalived-go/parser"
)

// TestGlobalCheckUnicastSrc: vrrp_check_unicast_src makes every instance
// check an advert's source, but keepalived leaves the instance's own flag
// alone, so its dump says "Check unicast src : no" and "Flags: none"
// (corpus 048's VIt_248, VIt_245, VIt_251).
func TestGlobalCheckUnicastSrc(t *testing.T) {
	conf := `global_defs {
  vrrp_check_unicast_src
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  priority 100
  virtual_ipaddress {
    192.0.2.10
  }
}
`
	cfg, diags, err := parser.ParseBytes("test.conf", []byte(conf), parser.Options{NoConfigID: true, InterfaceExists: func(string) bool { return true }})
	if err != nil || diags.ExitCode() != 0 {
		t.Fatalf("parse: %v\n%s", err, diags)
	}
	if cfg.VRRP.Instances[0].CheckUnicastSrc {
		t.Error("the global set the instance's own check_unicast_src")
	}
	res, err := Translate(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.VRRP.Instances[0].CheckUnicastSrc {
		t.Error("the engine does not check the unicast source")
	}
}
