package statefile

import (
	"fmt"
	"net/netip"
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

// TestVIPAlsoOnAnotherInterface: an address keepalived added as a VIP on
// a VMAC is still the base interface's own when the base has it too (the
// instance's configured source, corpus 068): keepalived lists it there.
func TestVIPAlsoOnAnotherInterface(t *testing.T) {
	c := &config.Config{}
	c.VRRP.Instances = []config.Instance{{Name: "42", Interface: "bond0.2", VRID: 1,
		VMAC: config.VMAC{Enabled: true, IfName: "vrrp4.2.1"}}}
	vip := vrrp.Address{Prefix: netip.MustParsePrefix("10.0.2.254/24"), Dev: "vrrp4.2.1"}
	cfg := vrrp.Config{Instances: []vrrp.InstanceConfig{{Name: "42", Interface: "vrrp4.2.1", BaseInterface: "bond0.2",
		VMACName: "vrrp4.2.1", VRID: 1, VIPs: []vrrp.Address{vip}}}}
	var out []string
	dumpInterfaces(func(f string, a ...any) { out = append(out, strings.TrimSpace(fmt.Sprintf(f, a...))) },
		[]Iface{labIface(2, "bond0.2", "02:00:00:00:00:01", "10.0.2.254", "10.99.1.2"),
			labIface(3, "vrrp4.2.1", "00:00:5e:00:01:01", "10.0.2.254")}, cfg, c, nil)
	got := strings.Join(out, "\n")
	for _, want := range []string{"Name = bond0.2\nindex = 2\nIPv4 address = 10.0.2.254\nAdditional IPv4 addresses :\n10.99.1.2",
		"Name = vrrp4.2.1\nindex = 3\nIPv4 address = (none)"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}

// TestDelayedStateChange: while an interface's change waits for its
// delay, keepalived's dump shows it running and the flags from before
// the change.
func TestDelayedStateChange(t *testing.T) {
	c := &config.Config{}
	c.VRRP.UpDownDelays = []config.InterfaceDelay{{Name: "eth0", Down: 2 * time.Second}}
	down := labIface(2, "eth0", "02:00:00:00:00:01", "10.0.0.1")
	down.Flags &^= iffRunning // the carrier went
	h := Host{Config: c, Interfaces: []Iface{down}, Delayed: map[string]uint32{"eth0": iffUp | iffRunning | iffBroadcast | iffMulticast},
		// a master's shorter interval cut the down delay
		Delays: map[string]config.InterfaceDelay{"eth0": {Name: "eth0", Down: 199610 * time.Microsecond}}}
	var out []string
	dumpInterfaces(func(f string, a ...any) { out = append(out, strings.TrimSpace(fmt.Sprintf(f, a...))) },
		h.delayedIfaces(), vrrp.Config{}, c, nil)
	got := strings.Join(out, "\n")
	want := "State = UP, RUNNING\nSeen up = 1\nDelayed state change running = true\nUp debounce timer = 0us\nDown debounce timer = 199610us"
	if !strings.Contains(got, want) {
		t.Errorf("no %q in\n%s", want, got)
	}
	if h.Interfaces[0].Flags&iffRunning != 0 {
		t.Error("delayedIfaces changed the host's interfaces")
	}
}
