package vmac_test

import (
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/internal/netns"
	"github.com/dsas/keepalived-go/vmac"
	"golang.org/x/sys/unix"
)

// TestCreateIPVLAN creates use_ipvlan's link in a namespace: an ipvlan in
// L2 mode with the configured flags and address, up, IPv6 disabled for an
// IPv4 instance; again reuses it, and DeleteIPVLAN removes it. A kernel
// without ipvlan (this lab host) refuses the link with EOPNOTSUPP, which
// the VRRP side turns into keepalived's FAULT; only that is checked then
// (the qemu VM, which loads the module, runs the rest).
func TestCreateIPVLAN(t *testing.T) {
	ns := netns.New(t, "kgipvl")
	netns.Veth(t, ns, "va", ns, "vb")
	ns.MustRun(t, "ip", "link", "set", "va", "up")
	v := vmac.IPVLAN{Name: "ipvlan.252", Parent: "va", Flags: 2, Addr: netip.MustParsePrefix("5.7.6.8/32"), Instance: "VIt_252"}
	err := do(t, ns, func() error { return vmac.CreateIPVLAN(v) })
	if !ipvlanInKernel() {
		if !errors.Is(err, unix.EOPNOTSUPP) {
			t.Fatalf("no ipvlan in this kernel: got %v, want EOPNOTSUPP", err)
		}
		if _, err := ns.Run("ip", "link", "show", "dev", v.Name); err == nil {
			t.Errorf("%s exists after a failed creation", v.Name)
		}
		t.Skip("kernel has no ipvlan: failure path checked; run in the VM for the rest")
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := do(t, ns, func() error { return vmac.CreateIPVLAN(v) }); err != nil {
		t.Fatalf("again: %v", err)
	}
	details := ns.MustRun(t, "ip", "-d", "link", "show", "dev", v.Name)
	t.Logf("ip -d link show %s:\n%s", v.Name, details)
	if !strings.Contains(details, "ipvlan  mode l2 vepa") || !strings.Contains(details, v.Name+"@va") || !strings.Contains(details, ",UP") {
		t.Errorf("want an up ipvlan in mode l2 vepa on va:\n%s", details)
	}
	if a := ns.MustRun(t, "ip", "-4", "addr", "show", "dev", v.Name); !strings.Contains(a, "inet 5.7.6.8/32") {
		t.Errorf("address missing:\n%s", a)
	}
	if got := sysctl(t, ns, "net/ipv6/conf/"+v.Name+"/disable_ipv6"); got != "1" {
		t.Errorf("disable_ipv6 = %s, want 1", got)
	}
	var gone bool
	if err := do(t, ns, func() (err error) { gone, err = vmac.DeleteIPVLAN(v.Name); return err }); err != nil || !gone {
		t.Fatalf("DeleteIPVLAN: %v, removed %t", err, gone)
	}
	if _, err := ns.Run("ip", "link", "show", "dev", v.Name); err == nil {
		t.Errorf("%s still there after DeleteIPVLAN", v.Name)
	}
	if err := do(t, ns, func() error { _, err := vmac.DeleteIPVLAN("va"); return err }); err == nil {
		t.Errorf("DeleteIPVLAN removed a veth")
	}
}

// ipvlanInKernel: built in, or a module that can be loaded.
func ipvlanInKernel() bool {
	if _, err := os.Stat("/sys/module/ipvlan"); err == nil {
		return true
	}
	rel, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return false
	}
	b, _ := os.ReadFile("/lib/modules/" + strings.TrimSpace(string(rel)) + "/modules.dep")
	return strings.Contains(string(b), "/ipvlan.ko")
}
