package statefile

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
)

// TestDebounceTimers: the Interfaces section prints each interface's
// interface_up_down_delays, a VMAC its base's (keepalived's dump_if, the
// VMAC's copied in vrrp_complete_instance).
func TestDebounceTimers(t *testing.T) {
	c := &config.Config{}
	c.VRRP.UpDownDelays = []config.InterfaceDelay{{Name: "eth0", Down: 1500 * time.Millisecond, Up: 250 * time.Millisecond}}
	c.VRRP.Instances = []config.Instance{{Name: "VI_1", Interface: "eth0", VRID: 253,
		VMAC: config.VMAC{Enabled: true, IfName: "vrrp.253"}}}
	cfg := vrrp.Config{Instances: []vrrp.InstanceConfig{{Name: "VI_1", Interface: "vrrp.253", BaseInterface: "eth0", VMACName: "vrrp.253", VRID: 253}}}
	var out []string
	dumpInterfaces(func(f string, a ...any) { out = append(out, strings.TrimSpace(fmt.Sprintf(f, a...))) },
		[]Iface{labLoopback(), labIface(2, "eth0", "02:00:00:00:00:01"), labIface(3, "vrrp.253", "00:00:5e:00:01:fd")}, cfg, c, nil)
	got := strings.Join(out, "\n")
	for _, want := range []string{"Up debounce timer = 0us\nDown debounce timer = 0us", // lo
		"Up debounce timer = 250000us\nDown debounce timer = 1500000us"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	if n := strings.Count(got, "Up debounce timer = 250000us"); n != 2 {
		t.Errorf("%d interfaces with the delays, want 2 (eth0 and its VMAC):\n%s", n, got)
	}
}
