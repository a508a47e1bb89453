package statefile

import (
	"fmt"
	"net/netip"
	"os/user"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

// TestIPv6VMACInterfaces: an IPv6 instance's VMAC leaves its base's ARP
// configuration alone (keepalived's create_vmac sets and counts it for
// IPv4 only: "Reset ARP config counter 0"), and the VMAC's IPv6 address
// is the link-local address it got before its VIPs, not a link-local VIP
// the kernel lists first (corpus 078 in the runtime differential, issue
// 11 divergence 30).
func TestIPv6VMACInterfaces(t *testing.T) {
	vip := netip.MustParsePrefix("fe80:1:2::41/64")
	c := &config.Config{}
	c.VRRP.Instances = []config.Instance{{Name: "VI_1", Interface: "eth0", VRID: 253, Family: config.IPv6,
		VMAC: config.VMAC{Enabled: true, IfName: "vrrp.253"}}}
	cfg := vrrp.Config{Instances: []vrrp.InstanceConfig{{Name: "VI_1", Interface: "vrrp.253", VRID: 253, IPv6: true,
		VIPs: []vrrp.Address{{Prefix: vip, Dev: "vrrp.253"}}}}}
	eth0 := labIface(2, "eth0", "ea:a6:26:77:52:1e", "10.99.1.2")
	vm := labIface(3, "vrrp.253", "00:00:5e:00:02:fd")
	own := vm.IPv6
	vm.IPv6 = vip.Addr()
	vm.Prefixes = []netip.Prefix{vip, netip.PrefixFrom(own, 64)}
	var out []string
	dumpInterfaces(func(f string, a ...any) { out = append(out, strings.TrimSpace(fmt.Sprintf(f, a...))) },
		[]Iface{labLoopback(), eth0, vm}, cfg, c, nil)
	if n := strings.Count(strings.Join(out, "\n"), "Reset ARP config counter 1"); n != 0 {
		t.Errorf("an IPv6 VMAC counted as resetting its base's ARP configuration:\n%s", strings.Join(out, "\n"))
	}
	if !slices.Contains(out, "IPv6 address = "+own.String()) || slices.Contains(out, "IPv6 address = "+vip.Addr().String()) {
		t.Errorf("the VMAC's IPv6 address is not its own link-local %s:\n%s", own, strings.Join(out, "\n"))
	}
	if n := len(slices.DeleteFunc(slices.Clone(out), func(l string) bool { return !strings.HasPrefix(l, "rp_filter ") })); n != 2 {
		t.Errorf("rp_filter printed %d times, want 2 (the VMAC and its base):\n%s", n, strings.Join(out, "\n"))
	}
}

// TestDefaultGARPDelays: with vrrp_garp_interval set, keepalived gives
// every interface an instance or its VIPs use, and no garp_group names,
// a GARP delay group of its own (aggregation group 0), in instance order,
// a VMAC's for its base interface, and lists the interval under the
// interface (corpus 067, issue 11 divergence 31).
func TestDefaultGARPDelays(t *testing.T) {
	c := &config.Config{}
	c.Global.VRRP.GARPInterval = 10456 * time.Millisecond
	c.VRRP.GARPGroups = []config.GARPGroup{{GNAInterval: 2 * time.Second, Interfaces: []string{"eth2"}, AggregationGroup: 1}}
	vip := func(s, dev string) config.Address {
		return config.Address{Prefix: netip.MustParsePrefix(s), Dev: dev}
	}
	c.VRRP.Instances = []config.Instance{
		{Name: "VI_1", Interface: "eth0", VRID: 1, VMAC: config.VMAC{Enabled: true, IfName: "vrrp.1"}, VIPs: []config.Address{vip("10.0.0.1/32", "eth0")}},
		{Name: "VI_2", Interface: "eth1", VRID: 2, VIPs: []config.Address{vip("10.0.1.1/32", "eth2"), vip("10.0.1.2/32", "eth3")}},
		{Name: "VI_3", Interface: "eth0", VRID: 3},
	}
	ifs := []Iface{labLoopback(), labIface(2, "eth0", "02:00:00:00:00:01"), labIface(3, "eth1", "02:00:00:00:00:02"),
		labIface(4, "eth2", "02:00:00:00:00:03"), labIface(5, "eth3", "02:00:00:00:00:04")}
	var out []string
	p := func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }
	dumpGARPGroups(p, c, ifs, time.UTC)
	var got []string
	for _, l := range out {
		if !strings.Contains(l, "next time") {
			got = append(got, l)
		}
	}
	want := []string{"------< Gratuitous ARP delays >------",
		"------< GARP delay group 1 >------", " GNA interval = 2", " Interfaces", "  eth2",
		"------< GARP delay group 0 >------", " GARP interval = 10.456", " Interfaces", "  eth0",
		"------< GARP delay group 0 >------", " GARP interval = 10.456", " Interfaces", "  eth1",
		"------< GARP delay group 0 >------", " GARP interval = 10.456", " Interfaces", "  eth3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("GARP delays:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	out = nil
	dumpIfaceGARP(p, "eth1", c)
	if want := []string{"   Gratuitous ARP interval 10456ms"}; !slices.Equal(out, want) {
		t.Errorf("eth1: %q, want %q", out, want)
	}
	out = nil
	dumpIfaceGARP(p, "eth2", c)
	if want := []string{"   Gratuitous NA interval 2000ms", "   Gratuitous ARP aggregation group 1"}; !slices.Equal(out, want) {
		t.Errorf("eth2: %q, want %q", out, want)
	}
}

// TestRunningVMACName: the dumps name an instance's VMAC as the VRRP side
// made it (keepalived's create_vmac_name gives an IPv6 instance whose
// vrrp.N is taken vrrp6.N), and an IPv6 VMAC's NAs check its base's
// IPv6 forwarding (corpus 067).
func TestRunningVMACName(t *testing.T) {
	c := &config.Config{}
	c.VRRP.Instances = []config.Instance{
		{Name: "VI_1", Interface: "eth0", VRID: 253, VMAC: config.VMAC{Enabled: true, IfName: "vrrp.253"}},
		{Name: "VI_6", Interface: "eth0", VRID: 253, Family: config.IPv6, VMAC: config.VMAC{Enabled: true}},
	}
	ip6 := vrrp.Address{Prefix: netip.MustParsePrefix("2001:db8::1/128"), Dev: "vrrp6.253"}
	cfg := vrrp.Config{Instances: []vrrp.InstanceConfig{
		{Name: "VI_1", Interface: "vrrp.253", BaseInterface: "eth0", VRID: 253, VMACName: "vrrp.253"},
		{Name: "VI_6", Interface: "vrrp6.253", BaseInterface: "eth0", VRID: 253, IPv6: true, VMACName: "vrrp6.253", VIPs: []vrrp.Address{ip6}},
	}}
	in := status.Instance{InstanceStatus: vrrp.InstanceStatus{Name: "VI_6", Interface: "vrrp6.253", State: vrrp.StateMaster}, Config: cfg.Instances[1], Configured: true}
	var out []string
	p := func(f string, a ...any) { out = append(out, strings.TrimSpace(fmt.Sprintf(f, a...))) }
	dumpVMAC(p, &in, c, &c.VRRP.Instances[1])
	if !slices.Contains(out, "Interface = vrrp6.253, vmac on eth0") {
		t.Errorf("VI_6's VMAC: %q", out)
	}
	out = nil
	ifs := []Iface{labIface(2, "eth0", "02:00:00:00:00:01"), labIface(3, "vrrp.253", "00:00:5e:00:01:fd"), labIface(4, "vrrp6.253", "00:00:5e:00:02:fd")}
	dumpInterfaces(p, ifs, cfg, c, []status.Instance{in})
	var cur string
	for _, l := range out {
		if n, ok := strings.CutPrefix(l, "Name = "); ok {
			cur = n
		}
		if strings.Contains(l, "IPv6 forwarding") && cur != "eth0" {
			t.Errorf("IPv6 forwarding checked on %s, want only eth0 (the VMAC's base)", cur)
		}
		if cur == "vrrp6.253" && strings.HasPrefix(l, "VMAC type private, underlying interface = eth0") {
			cur = "vrrp6.253 ok"
		}
	}
	if cur != "vrrp6.253 ok" {
		t.Errorf("vrrp6.253 not dumped as VI_6's VMAC:\n%s", strings.Join(out, "\n"))
	}
}

// TestDefaultScriptUserLine: keepalived.data's "Default script uid:gid"
// is printed only when keepalived's get_default_script_user succeeds: not
// for a script_user that does not exist (corpus 126, 127), nor under
// enable_script_security without keepalived_script (131, 138, 139, 147);
// without script security the daemon's own 0:0 stands in.
func TestDefaultScriptUserLine(t *testing.T) {
	if _, err := user.Lookup("keepalived_script"); err == nil {
		t.Skip("this host has a keepalived_script user")
	}
	for _, tc := range []struct {
		name, user, group string
		security          bool
		want              string
	}{
		{"missing script_user", "nosuchuser-hsmall", "", false, ""},
		{"missing group", "root", "nosuchgroup-hsmall", false, ""},
		{"security, no keepalived_script", "", "", true, ""},
		{"no security", "", "", false, " Default script uid:gid 0:0"},
		{"root", "root", "", true, " Default script uid:gid 0:0"},
	} {
		g := &config.Global{ScriptUser: tc.user, ScriptGroup: tc.group, EnableScriptSecurity: tc.security}
		var got string
		dumpGlobalTail(func(f string, a ...any) {
			if l := fmt.Sprintf(f, a...); strings.HasPrefix(l, " Default script") {
				got = l
			}
		}, g)
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
