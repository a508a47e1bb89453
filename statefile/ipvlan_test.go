package statefile

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

// TestIPVLANDump: a use_ipvlan instance whose link the kernel refused
// (no ipvlan, as on the lab host) shows keepalived 2.2.7's lines: the
// "Use IPVLAN" line with is_up false, its address without /32 and its
// type, "Interface = NAME, ipvlan on BASE", and an Interfaces entry for the
// link that never existed, tracking the instance (corpus 067 and 048 in
// the runtime differential).
func TestIPVLANDump(t *testing.T) {
	c := &config.Config{}
	c.VRRP.Instances = []config.Instance{{Name: "VI_2", Interface: "eth1", VRID: 252, Family: config.IPv4,
		VMAC: config.VMAC{IPVLAN: true, IfName: "ipvl2", IPVLANAddr: netip.MustParsePrefix("1.2.3.4/32"), IPVLANMode: config.IPVLANVEPA}}}
	ic := vrrp.InstanceConfig{Name: "VI_2", Interface: "ipvl2", BaseInterface: "eth1", VMACName: "ipvl2", VRID: 252}
	cfg := vrrp.Config{Instances: []vrrp.InstanceConfig{ic}}
	in := status.Instance{InstanceStatus: vrrp.InstanceStatus{Name: "VI_2", Interface: "ipvl2", FaultReasons: []string{"interface ipvl2 down"}}, Config: ic, Configured: true}

	var out []string
	p := func(f string, a ...any) { out = append(out, strings.TrimSpace(fmt.Sprintf(f, a...))) }
	if !dumpVMAC(p, &in, c, &c.VRRP.Instances[0]) {
		t.Fatal("dumpVMAC printed nothing for use_ipvlan")
	}
	want := []string{"Use IPVLAN, i/f ipvl2, is_up = false, i/f address = 1.2.3.4, type vepa", "Interface = ipvl2, ipvlan on eth1"}
	if strings.Join(out, "\n") != strings.Join(want, "\n") {
		t.Errorf("topology lines\n%s\nwant\n%s", strings.Join(out, "\n"), strings.Join(want, "\n"))
	}

	out = nil
	dumpInterfaces(p, []Iface{labLoopback(), labIface(3, "eth1", "56:be:bc:b5:3e:c7", "1.2.3.4")}, cfg, c, []status.Instance{in})
	got := strings.Join(out, "\n")
	i := strings.Index(got, "Name = ipvl2")
	if i < 0 {
		t.Fatalf("no entry for the never-created ipvlan:\n%s", got)
	}
	block := got[i:]
	for _, l := range []string{"index = 0 (deleted)", "IPv4 address = (none)", "State = not UP, not RUNNING, no broadcast, no multicast",
		"I/f created by keepalived", "MTU = 0", "HW Type = UNKNOWN (0)", "rp_filter 0", "Tracking VRRP instances :", "VI_2, weight 0"} {
		if !strings.Contains(block, l) {
			t.Errorf("ipvl2 entry lacks %q:\n%s", l, block)
		}
	}
	// The base interface tracks the instance too (keepalived's
	// TRACK_VRRP_DYNAMIC).
	if eth1 := got[strings.Index(got, "Name = eth1"):i]; !strings.Contains(eth1, "VI_2, weight 0") {
		t.Errorf("eth1 does not track VI_2:\n%s", eth1)
	}
}

// TestIfFaultsLine: the dump prints the engine's fault count for a FAULT
// instance (keepalived's num_script_if_fault; corpus 048 VI_1 has 6), 0
// for one FAULT only through its sync group (keepalived counts the fault
// on the member that has it) and for any other state.
func TestIfFaultsLine(t *testing.T) {
	for _, c := range []struct {
		state vrrp.State
		count int
		want  int
	}{
		{vrrp.StateFault, 6, 6},
		{vrrp.StateFault, 0, 0},
		{vrrp.StateBackup, 0, 0},
	} {
		in := status.Instance{InstanceStatus: vrrp.InstanceStatus{Name: "VI_1", State: c.state, FaultCount: c.count}}
		if got := ifFaults(&in); got != c.want {
			t.Errorf("state %v count %d: printed %d, want %d", c.state, c.count, got, c.want)
		}
	}
}
