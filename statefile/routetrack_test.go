package statefile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
)

// TestRouteInterfaceTracking: an instance's virtual routes and rules make
// it track their interfaces (weight 0), and keepalived.data lists it under
// each (corpus 024: VI_1 under eth1 and eth2 through its routes).
func TestRouteInterfaceTracking(t *testing.T) {
	cfg := vrrp.Config{Instances: []vrrp.InstanceConfig{{Name: "VI_1", Interface: "eth0",
		Routes: []vrrp.Route{{Dev: "eth1"}, {Dev: "eth2"}, {Dev: "eth3", NoTrack: true}},
		Rules:  []vrrp.Rule{{IIf: "eth4"}}}}}
	c := &config.Config{}
	c.VRRP.Instances = []config.Instance{{Name: "VI_1", Interface: "eth0"}}
	var ifs []Iface
	for i, n := range []string{"eth0", "eth1", "eth2", "eth3", "eth4"} {
		ifs = append(ifs, Iface{Index: i + 2, Name: n})
	}
	x := newIfaceCtx(ifs, cfg, c, nil)
	for name, want := range map[string]bool{"eth1": true, "eth2": true, "eth3": false, "eth4": true} {
		var lines []string
		dumpTracking(func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }, name, cfg, c, x)
		got := strings.Contains(strings.Join(lines, "\n"), "     VI_1, weight 0")
		if got != want {
			t.Errorf("%s: VI_1 listed %v, want %v: %q", name, got, want, lines)
		}
	}
}
