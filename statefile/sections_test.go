package statefile

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/parser"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/status/statustest"
	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpconf"
)

// labRun is a configuration of testdata/DIR as keepalived-go runs it in
// the runtime differential's lab (eth0 10.99.1.2, eth1 10.99.2.2), every
// instance MASTER at its configured priority: the state keepalived 2.2.7
// was in when it wrote DIR/keepalived.data.
func labRun(t *testing.T, dir string) (*config.Config, status.Sources) {
	t.Helper()
	cfg, _, err := parser.Parse(filepath.Join("testdata", dir, "keepalived.conf"), parser.Options{
		NoConfigID:      true,
		InterfaceExists: func(string) bool { return true },
		UserExists:      func(string) bool { return true },
		GroupExists:     func(string) bool { return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	primary := map[string]netip.Addr{"eth0": netip.MustParseAddr("10.99.1.2"), "eth1": netip.MustParseAddr("10.99.2.2")}
	res, err := vrrpconf.Translate(cfg, vrrpconf.Options{PrimaryAddr: func(n string, _ bool) netip.Addr { return primary[n] }})
	if err != nil {
		t.Fatal(err)
	}
	var st []vrrp.InstanceStatus
	for _, ic := range res.VRRP.Instances {
		st = append(st, vrrp.InstanceStatus{Name: ic.Name, Interface: ic.Interface, VRID: ic.VRID, IPv6: ic.IPv6,
			State: vrrp.StateMaster, BasePriority: ic.Priority, EffectivePriority: ic.Priority,
			TotalPriority: ic.Priority, MasterAdvertInt: ic.AdvertInt, SyncGroup: syncGroupOf(cfg, ic.Name)})
	}
	return cfg, status.Sources{VRRP: &statustest.VRRP{Cfg: res.VRRP, St: st}, RouterID: func() string { return cfg.Global.RouterID }}
}

func syncGroupOf(c *config.Config, name string) string {
	for _, g := range c.VRRP.SyncGroups {
		for _, m := range g.Members {
			if m == name {
				return g.Name
			}
		}
	}
	return ""
}

// labIface is one of the lab's interfaces as keepalived showed it.
func labIface(index int, name, mac string, ipv4 ...string) Iface {
	hw, _ := net.ParseMAC(mac)
	bc, _ := net.ParseMAC("ff:ff:ff:ff:ff:ff")
	f := Iface{Index: index, Name: name, Flags: iffUp | iffRunning | iffBroadcast | iffMulticast, MTU: 1500,
		HWType: arphrdEther, MAC: hw, Broadcast: bc}
	// The link-local address derives from the MAC, as the kernel's.
	ll := [16]byte{0: 0xfe, 1: 0x80, 8: hw[0] ^ 2, 9: hw[1], 10: hw[2], 11: 0xff, 12: 0xfe, 13: hw[3], 14: hw[4], 15: hw[5]}
	f.IPv6 = netip.AddrFrom16(ll)
	for _, a := range ipv4 {
		f.IPv4 = append(f.IPv4, netip.MustParseAddr(a))
	}
	return f
}

func labLoopback() Iface {
	return Iface{Index: 1, Name: "lo", Flags: iffUp | iffRunning | iffLoopback, MTU: 65536, HWType: arphrdLoopback,
		IPv4: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
}

// normaliseLab is normalise plus the GARP group's and the IPv6
// forwarding check's times, which have no "=".
func normaliseLab(b []byte) []string {
	times := regexp.MustCompile(`(next time|Last checked) \d+\.\d{6} \(.*\)$`)
	out := normalise(b)
	for i, l := range out {
		out[i] = times.ReplaceAllString(l, "$1 TIME")
	}
	return out
}

func compareLab(t *testing.T, dir string, ifs []Iface) {
	t.Helper()
	real, err := os.ReadFile(filepath.Join("testdata", dir, DataName))
	if err != nil {
		t.Fatal(err)
	}
	cfg, src := labRun(t, dir)
	var ours bytes.Buffer
	FormatDataHost(&ours, src, time.UTC, Host{Config: cfg, Interfaces: ifs})
	equalLines(t, normaliseLab(ours.Bytes()), normaliseLab(real))
}

// TestDataVMACMatchesRealKeepalived: use_vmac's topology lines ("Use
// VMAC", "Interface = vrrp51, vmac on eth0", "dev vrrp51@eth0", bare
// "Flags:"), the nftables global lines, and the Interfaces section's VMAC
// lines and devconf values (the base's arp_ignore/arp_filter read 1 after
// keepalived set them) are keepalived 2.2.7's.
func TestDataVMACMatchesRealKeepalived(t *testing.T) {
	eth0 := labIface(2, "eth0", "3a:0b:c8:99:e6:5d", "10.99.1.2")
	eth0.ArpIgnore, eth0.ArpFilter = 1, 1
	vm := labIface(3, "vrrp51", "00:00:5e:00:01:33", "10.0.0.1")
	vm.IPv6 = netip.Addr{}
	vm.ArpIgnore, vm.PromoteSecondaries = 1, 1
	compareLab(t, "keepalived-2.2.7-vmac", []Iface{labLoopback(), eth0, vm})
}
