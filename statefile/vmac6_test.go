package statefile

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/config"
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
