//go:build vmtest

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

// vmRouter is one daemon in a VM namespace, watched through its log.
type vmRouter struct {
	t      *testing.T
	ns     *netns.NS
	ifname string
	proc   *netns.Proc
}

func startVMRouter(t *testing.T, ns *netns.NS, ifname string, prio int) *vmRouter {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	text := fmt.Sprintf("global_defs {\n  vrrp_version 3\n}\nvrrp_instance VI_1 {\n  interface %s\n  virtual_router_id 52\n"+
		"  priority %d\n  advert_int 0.5\n  virtual_ipaddress {\n    %s/24\n  }\n}\n", ifname, prio, vmLinkVIP)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p := ns.Start(t, "env", asMainEnv+"=1", os.Args[0], "-n", "-l", "-D", "-P", "-G", "-f", conf,
		"-p", filepath.Join(dir, "k.pid"), "-r", filepath.Join(dir, "v.pid"), "-c", filepath.Join(dir, "c.pid"))
	return &vmRouter{t: t, ns: ns, ifname: ifname, proc: p}
}

const vmLinkVIP = "10.215.2.100"

func (r *vmRouter) state() string {
	out := r.proc.Output()
	i := strings.LastIndex(out, "(VI_1) Entering ")
	if i < 0 {
		return ""
	}
	return strings.Fields(out[i+len("(VI_1) Entering "):])[0]
}

func (r *vmRouter) hasVIP() bool {
	out, _ := r.ns.Run("ip", "-o", "addr", "show", "dev", r.ifname)
	return strings.Contains(string(out), " "+vmLinkVIP+"/")
}

// TestVLANAndBondRebuilt runs two daemons over a VLAN, one of them on a
// VLAN over a bond (DSAS's bond0.2), and rebuilds the VLAN, then the bond
// under it, as dsas-init or an operator does: new interfaces under the
// old names. keepalived re-binds; so must we: one MASTER with the VIP, the
// other BACKUP, and no split brain afterwards.
func TestVLANAndBondRebuilt(t *testing.T) {
	netns.SkipUnlessRoot(t)
	h1, h2 := netns.New(t, "vlh1"), netns.New(t, "vlh2")
	netns.Veth(t, h1, "eth0", h2, "eth0")
	bond := func() {
		h1.MustRun(t, "ip", "link", "add", "bond0", "type", "bond", "mode", "active-backup", "miimon", "100")
		h1.MustRun(t, "ip", "link", "set", "eth0", "down")
		h1.MustRun(t, "ip", "link", "set", "eth0", "master", "bond0")
		h1.MustRun(t, "ip", "link", "set", "bond0", "up")
	}
	vlan := func() {
		h1.MustRun(t, "ip", "link", "add", "link", "bond0", "name", "bond0.2", "type", "vlan", "id", "2")
		h1.MustRun(t, "ip", "addr", "add", "10.215.2.1/24", "dev", "bond0.2")
		h1.MustRun(t, "ip", "link", "set", "bond0.2", "up")
	}
	bond()
	vlan()
	h2.MustRun(t, "ip", "link", "set", "eth0", "up")
	h2.MustRun(t, "ip", "link", "add", "link", "eth0", "name", "eth0.2", "type", "vlan", "id", "2")
	h2.MustRun(t, "ip", "addr", "add", "10.215.2.2/24", "dev", "eth0.2")
	h2.MustRun(t, "ip", "link", "set", "eth0.2", "up")

	r1 := startVMRouter(t, h1, "bond0.2", 150)
	r2 := startVMRouter(t, h2, "eth0.2", 100)
	settled := func() bool {
		return r1.state() == "MASTER" && r1.hasVIP() && r2.state() == "BACKUP" && !r2.hasVIP()
	}
	wait := func(what string) {
		t.Helper()
		start := time.Now()
		for !settled() {
			if time.Since(start) > 90*time.Second {
				t.Fatalf("%s: h1 %s (VIP %v), h2 %s (VIP %v)\nh1:\n%s\nh2:\n%s", what, r1.state(), r1.hasVIP(),
					r2.state(), r2.hasVIP(), r1.proc.Output(), r2.proc.Output())
			}
			time.Sleep(100 * time.Millisecond)
		}
		// Stable: h2 keeps hearing h1 (TCG runs 5-8x slower than the host).
		time.Sleep(5 * time.Second)
		if !settled() {
			t.Fatalf("%s: not stable: h1 %s, h2 %s\nh1:\n%s\nh2:\n%s", what, r1.state(), r2.state(), r1.proc.Output(), r2.proc.Output())
		}
		t.Logf("%s: settled after %v", what, time.Since(start).Round(time.Millisecond))
	}
	wait("start")
	h1.MustRun(t, "ip", "link", "del", "bond0.2")
	vlan()
	wait("VLAN rebuilt")
	h1.MustRun(t, "ip", "link", "del", "bond0") // takes bond0.2 with it
	bond()
	vlan()
	wait("bond and VLAN rebuilt")
	if n := strings.Count(r1.proc.Output(), "re-opened"); n < 2 {
		t.Logf("h1 log:\n%s", r1.proc.Output())
	}
}
