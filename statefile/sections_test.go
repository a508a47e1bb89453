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
	// The notify scripts are the lab's recorder, /run/w/rec.sh: a stand-in
	// is parsed (the parser drops scripts it cannot find) and renamed.
	text, err := os.ReadFile(filepath.Join("testdata", dir, "keepalived.conf"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	stand := map[string]string{}
	for _, lab := range []string{labRecorder, labOK} {
		stand[lab] = filepath.Join(tmp, filepath.Base(lab))
		if err := os.WriteFile(stand[lab], []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		text = bytes.ReplaceAll(text, []byte(lab), []byte(stand[lab]))
	}
	conf := filepath.Join(tmp, "keepalived.conf")
	if err := os.WriteFile(conf, text, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parser.Parse(conf, parser.Options{
		NoConfigID:      true,
		InterfaceExists: func(string) bool { return true },
		UserExists:      func(string) bool { return true },
		GroupExists:     func(string) bool { return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	renameRecorder(cfg, stand)
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
	// Each vrrp_script has succeeded once.
	scripts := status.NewScriptRecorder(nil, res.VRRP.Scripts, res.Track.Scripts)
	for _, sc := range cfg.VRRP.Scripts {
		scripts.ScriptRan(sc.Name, vrrp.ScriptRun{OK: true})
	}
	return cfg, status.Sources{VRRP: &statustest.VRRP{Cfg: res.VRRP, St: st}, Scripts: scripts,
		RouterID: func() string { return cfg.Global.RouterID }}
}

// labRecorder and labOK are the differential's notify recorder and
// always-succeeding script.
const (
	labRecorder = "/run/w/rec.sh"
	labOK       = "/run/w/ok.sh"
)

// renameRecorder gives the commands their lab names back.
func renameRecorder(c *config.Config, stand map[string]string) {
	back := map[string]string{}
	for lab, s := range stand {
		back[s] = lab
	}
	fix := func(cmds ...*config.Command) {
		for _, cmd := range cmds {
			if cmd != nil && len(cmd.Argv) > 0 && back[cmd.Argv[0]] != "" {
				cmd.Argv[0] = back[cmd.Argv[0]]
			}
		}
	}
	notify := func(n *config.Notify) {
		fix(n.Master, n.Backup, n.Fault, n.Stop, n.Generic, n.Deleted, n.MasterRxLowerPri)
	}
	for i := range c.VRRP.Instances {
		notify(&c.VRRP.Instances[i].Notify)
	}
	for i := range c.VRRP.SyncGroups {
		notify(&c.VRRP.SyncGroups[i].Notify)
	}
	for i := range c.VRRP.Scripts {
		fix(&c.VRRP.Scripts[i].Command)
	}
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

func compareLab(t *testing.T, dir string, ifs []Iface, tweak ...func(*vrrp.InstanceStatus)) {
	t.Helper()
	real, err := os.ReadFile(filepath.Join("testdata", dir, DataName))
	if err != nil {
		t.Fatal(err)
	}
	cfg, src := labRun(t, dir)
	st := src.VRRP.(*statustest.VRRP).St
	for i := range st {
		for _, f := range tweak {
			f(&st[i])
		}
	}
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

// TestDataSectionsMatchRealKeepalived: the configuration-driven sections
// (GARP delay group, static addresses/routes/rules, static track group,
// sync group and instance notify scripts, track process, a configured
// source, strict mode's nftables lines and nftable_set, an eVIP's -nodad,
// the interfaces' GARP group, IPv6 forwarding and track group lines) are
// keepalived 2.2.7's, line for line. keepalived drops VI_1's weighted
// track_file (a sync group member), and with it the file's section.
func TestDataSectionsMatchRealKeepalived(t *testing.T) {
	pfx := func(s ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, x := range s {
			out = append(out, netip.MustParsePrefix(x))
		}
		return out
	}
	eth0 := labIface(2, "eth0", "a2:c0:4d:6b:88:7d", "192.168.77.1", "10.99.1.2")
	eth0.Prefixes = pfx("192.168.77.1/24", "10.99.1.2/24")
	eth1 := labIface(3, "eth1", "26:58:c4:50:70:d7", "10.99.2.2", "192.168.61.1", "10.0.1.1")
	eth1.Prefixes = pfx("10.99.2.2/24")
	compareLab(t, "keepalived-2.2.7-sections", []Iface{labLoopback(), eth0, eth1})
}

// TestDataRoutesMatchRealKeepalived: virtual routes (a typed no_track
// route prints keepalived's "add" and no protocol) and rules, a weighted
// track_interface taking the total priority past 254, and a VRRPv3
// instance's timers are keepalived 2.2.7's.
func TestDataRoutesMatchRealKeepalived(t *testing.T) {
	eth0 := labIface(2, "eth0", "ca:ff:c4:ce:4b:16", "10.99.1.2", "10.0.2.1")
	eth1 := labIface(3, "eth1", "ba:fa:4e:2e:fb:10", "10.99.2.2", "10.0.3.1")
	compareLab(t, "keepalived-2.2.7-routes", []Iface{labLoopback(), eth0, eth1}, func(in *vrrp.InstanceStatus) {
		if in.Name == "VI_1" { // eth1 up: 250 + 10
			in.EffectivePriority, in.TotalPriority = 254, 260
		}
	})
}

// TestDataVMACNoXmitBaseMatchesRealKeepalived: an unnamed VMAC (vrrp.51)
// that sends the adverts itself; keepalived tracks the instance on both
// the VMAC and its base.
func TestDataVMACNoXmitBaseMatchesRealKeepalived(t *testing.T) {
	eth0 := labIface(2, "eth0", "0e:09:74:a4:0a:9a", "10.99.1.2")
	eth0.ArpIgnore, eth0.ArpFilter = 1, 1
	vm := labIface(3, "vrrp.51", "00:00:5e:00:01:33", "10.0.1.1")
	vm.IPv6 = netip.Addr{}
	vm.ArpIgnore, vm.PromoteSecondaries = 1, 1
	compareLab(t, "keepalived-2.2.7-vmac-noxmit", []Iface{labLoopback(), eth0, vm})
}

// TestDataSyncGroupMatchesRealKeepalived: a sync group's tracking weight,
// notify_priority_changes, trackers and notify script are listed under the
// group and not under its members, and the interfaces list the members in
// keepalived's order (own interface, then the group's track_interface).
func TestDataSyncGroupMatchesRealKeepalived(t *testing.T) {
	eth0 := labIface(2, "eth0", "16:ba:a8:3d:6c:1d", "10.99.1.2", "10.0.4.1")
	eth1 := labIface(3, "eth1", "ca:2c:71:6f:c3:23", "10.99.2.2", "10.0.5.1")
	compareLab(t, "keepalived-2.2.7-syncgroup", []Iface{labLoopback(), eth0, eth1}, func(in *vrrp.InstanceStatus) {
		// chk (5) for both; eth1 (2) for VI_1 only: keepalived keeps
		// VI_2's own interface unweighted.
		in.EffectivePriority, in.TotalPriority = 105, 105
		if in.Name == "VI_1" {
			in.EffectivePriority, in.TotalPriority = 107, 107
		}
	})
}
