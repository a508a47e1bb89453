package vmac_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/internal/netns"
	"github.com/dsas/keepalived-go/vmac"
)

type linkJSON struct {
	Name     string `json:"ifname"`
	Link     string `json:"link"`
	Address  string `json:"address"`
	Flags    []string
	GenMode  string `json:"inet6_addr_gen_mode"`
	LinkInfo struct {
		Kind string `json:"info_kind"`
		Data struct {
			Mode string `json:"mode"`
		} `json:"info_data"`
	} `json:"linkinfo"`
	AddrInfo []struct {
		Family string `json:"family"`
		Local  string `json:"local"`
	} `json:"addr_info"`
}

func show(t *testing.T, ns *netns.NS, name string) linkJSON {
	t.Helper()
	var ls, as []linkJSON
	if err := json.Unmarshal([]byte(ns.MustRun(t, "ip", "-j", "-d", "link", "show", "dev", name)), &ls); err != nil || len(ls) != 1 {
		t.Fatalf("ip -j -d link show %s: %v (%d links)", name, err, len(ls))
	}
	if err := json.Unmarshal([]byte(ns.MustRun(t, "ip", "-j", "addr", "show", "dev", name)), &as); err != nil || len(as) != 1 {
		t.Fatalf("ip -j addr show %s: %v (%d links)", name, err, len(as))
	}
	ls[0].AddrInfo = as[0].AddrInfo
	return ls[0]
}

func sysctl(t *testing.T, ns *netns.NS, key string) string {
	t.Helper()
	// Slashes, as interface names such as vrrp.51 contain dots.
	return strings.TrimSpace(ns.MustRun(t, "sysctl", "-n", key))
}

func do(t *testing.T, ns *netns.NS, f func() error) error {
	t.Helper()
	return ns.Do(f)
}

func TestNameAndMAC(t *testing.T) {
	if got := vmac.Name(51); got != "vrrp.51" {
		t.Errorf("Name(51) = %q", got)
	}
	if got := vmac.MAC(51, false).String(); got != "00:00:5e:00:01:33" {
		t.Errorf("MAC(51, v4) = %s", got)
	}
	if got := vmac.MAC(255, true).String(); got != "00:00:5e:00:02:ff" {
		t.Errorf("MAC(255, v6) = %s", got)
	}
}

func TestCreate(t *testing.T) {
	ns := netns.New(t, "kgvm")
	netns.Veth(t, ns, "va", ns, "vb")
	ns.MustRun(t, "ip", "link", "set", "va", "up")
	ns.MustRun(t, "ip", "link", "set", "vb", "up")

	for _, tc := range []struct {
		v       vmac.VMAC
		mac     string
		ipv6Off string
	}{
		{vmac.VMAC{Parent: "va", VRID: 51}, "00:00:5e:00:01:33", "1"},
		{vmac.VMAC{Parent: "va", VRID: 52, IPv6: true}, "00:00:5e:00:02:34", "0"},
		{vmac.VMAC{Name: "vip7", Parent: "va", VRID: 7, IPv6Enabled: true}, "00:00:5e:00:01:07", "0"},
	} {
		name := tc.v.Name
		if name == "" {
			name = vmac.Name(tc.v.VRID)
		}
		for range 2 { // creating again reuses the interface
			if err := do(t, ns, func() error { return vmac.Create(tc.v) }); err != nil {
				t.Fatal(err)
			}
		}
		l := show(t, ns, name)
		if l.Address != tc.mac || l.Link != "va" || l.LinkInfo.Kind != "macvlan" || l.LinkInfo.Data.Mode != "private" || (tc.ipv6Off == "0" && l.GenMode != "none") {
			t.Errorf("%s: %+v; want MAC %s on va, macvlan private, addrgenmode none", name, l, tc.mac)
		}
		if !strings.Contains(strings.Join(l.Flags, ","), "UP") {
			t.Errorf("%s: not up: %v", name, l.Flags)
		}
		// addrgenmode none was set before the link went up: no EUI-64
		// link-local address made from the shared virtual MAC.
		for _, a := range l.AddrInfo {
			if a.Family == "inet6" {
				t.Errorf("%s: unexpected IPv6 address %s", name, a.Local)
			}
		}
		want := map[string]string{
			"net/ipv6/conf/" + name + "/disable_ipv6":  tc.ipv6Off,
			"net/ipv6/conf/" + name + "/addr_gen_mode": "1",
			// keepalived leaves an IPv6 VMAC's arp_ignore alone
			// (corpus 078 in the differential).
			"net/ipv4/conf/" + name + "/arp_ignore": map[bool]string{false: "1", true: "0"}[tc.v.IPv6],
		}
		if !tc.v.IPv6 {
			want["net/ipv4/conf/"+name+"/accept_local"] = "1"
			want["net/ipv4/conf/"+name+"/rp_filter"] = "0"
			want["net/ipv4/conf/va/arp_ignore"] = "1"
			want["net/ipv4/conf/va/arp_filter"] = "1"
		}
		for k, v := range want {
			if got := sysctl(t, ns, k); got != v {
				t.Errorf("%s = %s, want %s", k, got, v)
			}
		}
	}

	// A leftover with the wrong MAC is corrected.
	ns.MustRun(t, "ip", "link", "set", "vrrp.51", "down")
	ns.MustRun(t, "ip", "link", "set", "vrrp.51", "address", "02:00:00:00:00:99")
	if err := do(t, ns, func() error { return vmac.Create(vmac.VMAC{Parent: "va", VRID: 51}) }); err != nil {
		t.Fatal(err)
	}
	if l := show(t, ns, "vrrp.51"); l.Address != "00:00:5e:00:01:33" || !strings.Contains(strings.Join(l.Flags, ","), "UP") {
		t.Errorf("leftover not corrected: %+v", l)
	}
	// One on another parent is replaced.
	if err := do(t, ns, func() error { return vmac.Create(vmac.VMAC{Parent: "vb", VRID: 51}) }); err != nil {
		t.Fatal(err)
	}
	if l := show(t, ns, "vrrp.51"); l.Link != "vb" {
		t.Errorf("not moved to vb: %+v", l)
	}
	// A non-macvlan of that name is never touched.
	if err := do(t, ns, func() error { return vmac.Create(vmac.VMAC{Name: "vb", Parent: "va", VRID: 9}) }); err == nil {
		t.Error("Create over a veth: no error")
	}
	if err := do(t, ns, func() error { return vmac.Delete("va") }); err == nil {
		t.Error("Delete of a veth: no error")
	}
	for range 2 {
		if err := do(t, ns, func() error { return vmac.Delete("vrrp.51") }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ns.Run("ip", "link", "show", "vrrp.51"); err == nil {
		t.Error("vrrp.51 still exists after Delete")
	}
}

// TestDeleteAll: the VMACs named go in one batch; a link already in the
// group DeleteAll would pick, a non-macvlan named and a missing name are
// left alone.
func TestDeleteAll(t *testing.T) {
	ns := netns.New(t, "kgvd")
	netns.Veth(t, ns, "va", ns, "vb")
	ns.MustRun(t, "ip", "link", "set", "va", "up")
	// An operator's link in the group DeleteAll tries first (0x6b61).
	ns.MustRun(t, "ip", "link", "set", "vb", "group", "27489")
	var names []string
	for id := uint8(1); id <= 20; id++ {
		if err := do(t, ns, func() error { return vmac.Create(vmac.VMAC{Parent: "va", VRID: id}) }); err != nil {
			t.Fatal(err)
		}
		names = append(names, vmac.Name(id))
	}
	ns.MustRun(t, "ip", "link", "add", "keep1", "link", "va", "type", "macvlan")
	var gone []string
	err := do(t, ns, func() (err error) {
		gone, err = vmac.DeleteAll(append(names, "gone.1", "vb"))
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "vb") {
		t.Errorf("DeleteAll of a veth: err %v", err)
	}
	if len(gone) != len(names) {
		t.Errorf("removed %d of %d: %v", len(gone), len(names), gone)
	}
	out := ns.MustRun(t, "ip", "-o", "link")
	for _, n := range names {
		if strings.Contains(out, n+"@") {
			t.Errorf("%s still exists", n)
		}
	}
	for _, n := range []string{"va", "vb", "keep1"} {
		if !strings.Contains(out, " "+n+"@") && !strings.Contains(out, " "+n+":") {
			t.Errorf("%s was deleted:\n%s", n, out)
		}
	}
}

// TestBatch: one batch creates several VMACs, creating one again reuses
// it (the batch knows what it made), and a parent missing from the dump
// is reported.
func TestBatch(t *testing.T) {
	ns := netns.New(t, "kgvb")
	netns.Veth(t, ns, "va", ns, "vb")
	ns.MustRun(t, "ip", "link", "set", "va", "up")
	err := do(t, ns, func() error {
		b, err := vmac.NewBatch()
		if err != nil {
			return err
		}
		defer b.Close()
		for _, id := range []uint8{1, 2, 3, 1} {
			if err := b.Create(vmac.VMAC{Parent: "va", VRID: id}); err != nil {
				return err
			}
		}
		if err := b.Create(vmac.VMAC{Parent: "nosuch0", VRID: 4}); err == nil {
			t.Error("Create on a missing parent: no error")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint8{1, 2, 3} {
		if l := show(t, ns, vmac.Name(id)); l.Link != "va" || !strings.Contains(strings.Join(l.Flags, ","), "UP") {
			t.Errorf("%s: %+v", vmac.Name(id), l)
		}
	}
}
