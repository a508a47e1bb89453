package parser

import (
	"strings"
	"testing"
)

// TestInstanceSyncDaemonInterface: the deprecated per-instance
// lvs_sync_daemon_interface still runs the sync daemon, following that
// instance (keepalived's vrrp_lvs_syncd_handler; corpus 020), unless a
// sync daemon was given before.
func TestInstanceSyncDaemonInterface(t *testing.T) {
	inst := "vrrp_instance VI_1 {\n interface eth0\n lvs_sync_daemon_interface eth1\n virtual_router_id 5\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n"
	cfg, _, err := ParseBytes("s.conf", []byte(inst), labOptions())
	if err != nil {
		t.Fatal(err)
	}
	if sd := cfg.Global.LVS.SyncDaemon; sd == nil || sd.Interface != "eth1" || sd.Instance != "VI_1" || !sd.ByInstance {
		t.Fatalf("sync daemon %+v", sd)
	}
	cfg, ds, err := ParseBytes("s.conf", []byte("global_defs {\n lvs_sync_daemon eth0 VI_1\n}\n"+inst), labOptions())
	if err != nil {
		t.Fatal(err)
	}
	if sd := cfg.Global.LVS.SyncDaemon; sd == nil || sd.Interface != "eth0" || sd.ByInstance ||
		!strings.Contains(ds.String(), "(VI_1) lvs_sync_daemon_interface has already been specified as eth0 - ignoring") {
		t.Fatalf("sync daemon %+v, diagnostics:\n%s", sd, ds)
	}
}
