package statefile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/config"
)

// TestSyncDaemonGlobalLines: lvs_sync_daemon's lines in the global
// section, as keepalived 2.2.7 wrote them for corpus 062
// (`lvs_sync_daemon eth4 id 12 maxlen 120000 port 2000 ttl 5`, the maxlen
// out of range and dropped) and for a named instance giving the sync id.
func TestSyncDaemonGlobalLines(t *testing.T) {
	for _, tc := range []struct {
		sd   config.SyncDaemon
		want string
	}{
		{config.SyncDaemon{Interface: "eth4", SyncID: 12, SyncIDSet: true, Port: 2000, TTL: 5},
			" LVS syncd interface = eth4\n LVS syncd syncid = 12\n LVS syncd mcast port = 2000\n LVS syncd mcast ttl = 5"},
		{config.SyncDaemon{Interface: "eth1", Instance: "VI_1"},
			" LVS syncd vrrp instance = VI_1\n LVS syncd interface = eth1\n LVS syncd syncid = 51"},
		{config.SyncDaemon{Interface: "eth1", Instance: "VI_9"},
			" LVS syncd vrrp name = VI_9\n LVS syncd interface = eth1\n LVS syncd syncid = 0"},
	} {
		var lines []string
		p := func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }
		dumpSyncDaemon(p, &tc.sd, []config.Instance{{Name: "VI_1", VRID: 51}})
		if got := strings.Join(lines, "\n"); got != tc.want {
			t.Errorf("got\n%s\nwant\n%s", got, tc.want)
		}
	}
}

// TestSyncDaemonByInstanceNotInCheckData: a vrrp_instance's deprecated
// lvs_sync_daemon_interface is read by keepalived's VRRP process only, so
// keepalived_check.data has no sync daemon lines (corpus 020 in the LVS
// differential); the global lvs_sync_daemon is in both.
func TestSyncDaemonByInstanceNotInCheckData(t *testing.T) {
	for _, tc := range []struct {
		sd   config.SyncDaemon
		want bool
	}{
		{config.SyncDaemon{Interface: "eth1", Instance: "VI_1", ByInstance: true}, false},
		{config.SyncDaemon{Interface: "eth1", Instance: "VI_1"}, true},
	} {
		cfg := &config.Config{}
		cfg.Global.LVS.SyncDaemon = &tc.sd
		var b strings.Builder
		writeChildGlobals(&b, cfg)
		if got := strings.Contains(b.String(), " LVS syncd interface = eth1\n"); got != tc.want {
			t.Errorf("%+v: sync daemon lines %v, want %v", tc.sd, got, tc.want)
		}
		if cfg.Global.LVS.SyncDaemon == nil {
			t.Fatal("the configuration was changed")
		}
	}
}
