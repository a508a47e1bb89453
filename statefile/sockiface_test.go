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

// TestSockpoolRxBufSize: a socket's "Rx buf size" is the sum of its
// instances' kernel_rx_buf_size, as keepalived's vrrp_create_sockpool
// adds them (corpus 048's VIt_250: 200000), and under vrrp_rx_bufs_policy
// MTU the multiplier times the interface's MTU for each instance.
func TestSockpoolRxBufSize(t *testing.T) {
	cfg := vrrp.Config{Instances: []vrrp.InstanceConfig{
		{Name: "A", Interface: "eth0", VRID: 1, RxBuf: 200000},
		{Name: "B", Interface: "eth0", VRID: 2, RxBuf: 1000},
		{Name: "C", Interface: "eth1", VRID: 3},
		{Name: "D", Interface: "eth2", VRID: 4, RxBufMTUs: 3},
		{Name: "E", Interface: "eth2", VRID: 5, RxBufMTUs: 3},
	}}
	var out []string
	dumpSockpool(func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }, cfg, []Iface{{Name: "eth2", MTU: 1500}})
	var sizes []string
	for _, l := range out {
		if len(l) > 14 && l[:14] == "   Rx buf size" {
			sizes = append(sizes, l)
		}
	}
	if want := []string{"   Rx buf size = 201000", "   Rx buf size = 0", "   Rx buf size = 9000"}; !slices.Equal(sizes, want) {
		t.Errorf("rx buf lines %q, want %q", sizes, want)
	}
}

// TestIfaceOwnAddresses: an interface's own IPv4 addresses leave out only
// what keepalived added there (a VIP or static address on that
// interface); an address it had that is another interface's VIP stays
// (072: bond1.1's 10.1.1.1 is the VIP of the VMAC vrrp4.1.1.1).
func TestIfaceOwnAddresses(t *testing.T) {
	vip := func(s, dev string) vrrp.Address { return vrrp.Address{Prefix: netip.MustParsePrefix(s), Dev: dev} }
	cfg := vrrp.Config{Instances: []vrrp.InstanceConfig{
		{Name: "V", Interface: "vrrp4.1", VRID: 1, VIPs: []vrrp.Address{vip("10.1.1.1/24", "vrrp4.1")}},
		{Name: "P", Interface: "eth1", VRID: 2, VIPs: []vrrp.Address{vip("10.1.1.3/32", "")}},
	}}
	c := &config.Config{}
	ifs := []Iface{labIface(2, "eth1", "02:00:00:00:00:01", "10.1.1.1", "10.99.2.2", "10.1.1.3")}
	var out []string
	dumpInterfaces(func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }, ifs, cfg, c, nil)
	var got []string
	for _, l := range out {
		if strings.Contains(l, "IPv4") || strings.HasPrefix(l, "     1") {
			got = append(got, l)
		}
	}
	want := []string{"   IPv4 address = 10.1.1.1", "   Additional IPv4 addresses :", "     10.99.2.2"}
	if !slices.Equal(got, want) {
		t.Errorf("eth1:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestXmitBaseDontTrackPrimary: the VIPs of a dont_track_primary VMAC
// instance sending on its base (vmac_xmit_base) do not make it track the
// VMAC: keepalived lists it there with VRRP_NOT_TRACK_IF (255), as it
// does without xmit_base (048's VIt_249 on vrrp.249).
func TestXmitBaseDontTrackPrimary(t *testing.T) {
	cfg := vrrp.Config{Instances: []vrrp.InstanceConfig{{Name: "VIt_249", Interface: "eth0", VMACName: "vrrp.249", VRID: 249,
		DontTrackPrimary: true, VIPs: []vrrp.Address{{Prefix: netip.MustParsePrefix("10.249.0.100/32"), Dev: "vrrp.249"}}}}}
	c := &config.Config{}
	c.VRRP.Instances = []config.Instance{{Name: "VIt_249", Interface: "eth0", VRID: 249, DontTrackPrimary: true,
		VMAC: config.VMAC{Enabled: true, IfName: "vrrp.249", XmitBase: true}}}
	ifs := []Iface{labIface(2, "eth0", "02:00:00:00:00:01"), labIface(3, "vrrp.249", "00:00:5e:00:01:f9")}
	var out []string
	dumpInterfaces(func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }, ifs, cfg, c, nil)
	var got []string
	name := ""
	for _, l := range out {
		if strings.HasPrefix(l, " Name = ") {
			name = l[8:]
		}
		if strings.Contains(l, "VIt_249, weight") {
			got = append(got, name+":"+strings.TrimSpace(l))
		}
	}
	want := []string{"eth0:VIt_249, weight 255", "vrrp.249:VIt_249, weight 255"}
	if !slices.Equal(got, want) {
		t.Errorf("tracking %q, want %q", got, want)
	}
}

// TestStaticRouteMonitored: keepalived marks an installed static route
// "[installed ifindex 0]" only while it does not listen to the family's
// route events; a tracked virtual route of an instance turns them on and
// the route's own event sets the index (048: no mark; 071: the mark).
func TestStaticRouteMonitored(t *testing.T) {
	c := &config.Config{}
	c.VRRP.StaticRoutes = []config.Route{{Family: config.IPv4, Dst: netip.MustParsePrefix("192.168.200.0/24"), Dev: "eth1", Table: 254}}
	ifs := []Iface{labIface(2, "eth1", "02:00:00:00:00:01", "10.0.0.1")}
	dump := func() string {
		var out []string
		dumpStatic(func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }, c, nil, ifs)
		return strings.Join(out, "\n")
	}
	if s := dump(); !strings.Contains(s, "[installed ifindex 0]") {
		t.Errorf("unmonitored route without the mark:\n%s", s)
	}
	c.VRRP.Instances = []config.Instance{{Name: "VI_1", Routes: []config.Route{{Family: config.IPv4, Dst: netip.MustParsePrefix("192.168.210.0/24"), Dev: "eth1"}}}}
	if s := dump(); strings.Contains(s, "installed ifindex") {
		t.Errorf("monitored route with the mark:\n%s", s)
	}
	c.VRRP.Instances[0].Routes[0].Family = config.IPv6
	if s := dump(); !strings.Contains(s, "[installed ifindex 0]") {
		t.Errorf("an IPv6 virtual route turned the IPv4 monitor on:\n%s", s)
	}
}
