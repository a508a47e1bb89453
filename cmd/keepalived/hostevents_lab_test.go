//go:build !vmtest

package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// TestHostChangesUnderTheDaemon changes the master's host behind its back,
// as operators, drivers and dsas-init do, and wants keepalived's outcome
// each time: one MASTER, holding its VIP, answering the client.
//
//   - a static address deleted: restored (keepalived's
//     reinstate_static_address);
//   - a virtual route deleted: keepalived handles it as a VIP; a
//     static route: restored;
//   - the VIP deleted: restored (keepalived: BACKUP, then MASTER again
//     after Skew_Time, VIP re-added and announced);
//   - the primary address deleted (the kernel drops the VIP, a secondary,
//     with it): FAULT, the backup takes over; the address back: MASTER
//     again with the VIP;
//   - the interface deleted and created again under the same name (new
//     index): the sockets follow, no split brain;
//   - the interface renamed away and back.
//
// HOST_LAB_DAEMON=/usr/sbin/keepalived runs keepalived itself for the
// baseline; each step logs how long it took to settle.
func TestHostChangesUnderTheDaemon(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 3)
	h1, h2, client := l.Host(1), l.Host(2), l.Host(3)
	other := os.Getenv("HOST_LAB_DAEMON")
	// An IPv6 static address, so it does not stand in for the IPv4
	// primary when that is deleted.
	const static = "fd0b:214::50"
	h1conf := strings.Replace(conf(150, vip1), "  virtual_ipaddress {", "  virtual_routes {\n    192.0.2.0/24 dev "+lab.Link+" table 100\n  }\n  virtual_ipaddress {", 1) +
		"static_ipaddress {\n  " + static + "/64 dev " + lab.Link + "\n}\n" +
		"static_routes {\n  198.51.100.0/24 dev " + lab.Link + " table 101\n}\n"
	r1 := startReloadRouter(t, h1, h1conf, other)
	r2 := startReloadRouter(t, h2, conf(100, vip1), other)
	settled := func() bool {
		return r1.state() == "MASTER" && r1.hasAddr(vip1) && r2.state() == "BACKUP" && !r2.hasAddr(vip1)
	}
	r1.waitFor("h1 MASTER, h2 BACKUP", settled)
	primary := h1.IPv4.String()

	step := func(name string, change func()) {
		t.Helper()
		masters := strings.Count(r2.proc.Output(), "Entering MASTER")
		start := time.Now()
		change()
		r1.waitFor(name+": h1 MASTER with the VIP, h2 BACKUP", settled)
		took := time.Since(start)
		// No split brain left behind: h2 stays BACKUP while h1 advertises.
		time.Sleep(2 * time.Second)
		if !settled() {
			t.Fatalf("%s: not stable: h1 %s (VIP %v), h2 %s (VIP %v)\nh1:\n%s\nh2:\n%s", name,
				r1.state(), r1.hasAddr(vip1), r2.state(), r2.hasAddr(vip1), r1.proc.Output(), r2.proc.Output())
		}
		if mac, err := client.Arping(vip1); err != nil || mac.String() != h1.MAC.String() {
			t.Fatalf("%s: the client resolves %s to %v (%v), want h1's %v", name, vip1, mac, err, h1.MAC)
		}
		t.Logf("%s: settled after %v, h2 went MASTER %d times", name, took.Round(time.Millisecond),
			strings.Count(r2.proc.Output(), "Entering MASTER")-masters)
	}

	step("VIP deleted", func() {
		h1.NS.MustRun(t, "ip", "addr", "del", vip1.String()+"/24", "dev", lab.Link)
	})
	step("static address deleted", func() {
		h1.NS.MustRun(t, "ip", "addr", "del", static+"/64", "dev", lab.Link)
		r1.waitFor("static address restored", func() bool {
			out, _ := h1.Run("ip", "-o", "addr", "show", "dev", lab.Link)
			return strings.Contains(out, " "+static+"/64")
		})
	})
	hasRoute := func(dst, table string) bool {
		out, _ := h1.Run("ip", "route", "show", "table", table)
		return strings.Contains(out, dst+" dev")
	}
	step("virtual route deleted", func() {
		h1.NS.MustRun(t, "ip", "route", "del", "192.0.2.0/24", "table", "100")
		r1.waitFor("virtual route restored", func() bool { return hasRoute("192.0.2.0/24", "100") })
	})
	step("static route deleted", func() {
		h1.NS.MustRun(t, "ip", "route", "del", "198.51.100.0/24", "table", "101")
		r1.waitFor("static route restored", func() bool { return hasRoute("198.51.100.0/24", "101") })
	})
	step("primary address deleted and added back", func() {
		h1.NS.MustRun(t, "ip", "addr", "del", primary, "dev", lab.Link)
		r1.waitFor("h1 FAULT", func() bool { return r1.state() == "FAULT" })
		r2.waitFor("h2 MASTER with the VIP", func() bool { return r2.state() == "MASTER" && r2.hasAddr(vip1) })
		if r1.hasAddr(vip1) {
			t.Fatal("h1 in FAULT kept the VIP")
		}
		h1.NS.MustRun(t, "ip", "addr", "add", primary, "dev", lab.Link)
	})
	step("interface deleted and created again", func() {
		l.Replug(t, h1)
	})
	step("interface renamed away and back", func() {
		h1.NS.MustRun(t, "ip", "link", "set", lab.Link, "down")
		h1.NS.MustRun(t, "ip", "link", "set", lab.Link, "name", "labx")
		r1.waitFor("h1 FAULT", func() bool { return r1.state() == "FAULT" })
		h1.NS.MustRun(t, "ip", "link", "set", "labx", "name", lab.Link)
		h1.NS.MustRun(t, "ip", "link", "set", lab.Link, "up")
	})
	if other == "" {
		for _, bad := range []string{"no such device", "receive failed"} {
			if n := strings.Count(r1.proc.Output(), bad); n > 3 {
				t.Errorf("h1 logged %q %d times", bad, n)
			}
		}
	}
	r1.signal(syscall.SIGTERM)
	r2.signal(syscall.SIGTERM)
	if os.Getenv("HOST_LAB_VERBOSE") != "" {
		t.Logf("h1:\n%s\nh2:\n%s", r1.proc.Output(), r2.proc.Output())
	}
}

// TestTrackSrcIPUnderTheDaemon: with track_src_ip, an instance whose
// configured source address is not on the host is in FAULT (at start, or
// once the address is deleted: the backup takes over) and runs once it is
// back, as keepalived.conf(5) says. keepalived 2.2.7 itself acts only when
// the address was the interface's last IPv4 one (docs/compat.md), so this
// test has no keepalived baseline.
func TestTrackSrcIPUnderTheDaemon(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 2)
	h1, h2 := l.Host(1), l.Host(2)
	const src = "10.213.0.77"
	h1conf := strings.Replace(conf(150, vip1), "  virtual_ipaddress {", "  mcast_src_ip "+src+"\n  track_src_ip\n  virtual_ipaddress {", 1)
	r2 := startRouter(t, h2, conf(100, vip1))
	r1 := startRouter(t, h1, h1conf)
	r1.waitFor("h1 FAULT without its source", func() bool { return r1.state() == "FAULT" && r2.state() == "MASTER" })
	step := func(what, op string, want1, want2 string) {
		t.Helper()
		start := time.Now()
		h1.NS.MustRun(t, "ip", "addr", op, src+"/24", "dev", lab.Link)
		r1.waitFor(what, func() bool { return r1.state() == want1 && r2.state() == want2 })
		t.Logf("%s: settled after %v", what, time.Since(start).Round(time.Millisecond))
	}
	step("source added: h1 MASTER", "add", "MASTER", "BACKUP")
	step("source deleted: h1 FAULT, h2 MASTER", "del", "FAULT", "MASTER")
	step("source back: h1 MASTER", "add", "MASTER", "BACKUP")
	if !r1.hasAddr(vip1) || r2.hasAddr(vip1) {
		t.Fatal("the VIP is not on h1 alone")
	}
	r1.signal(syscall.SIGTERM)
	r2.signal(syscall.SIGTERM)
}

// TestLinkbeatPolling: with linkbeat_interfaces the master's link state is
// polled (keepalived's MII/ETHTOOL polling) rather than taken from netlink:
// its cable pulled, it goes FAULT and the backup takes over; back, it is
// MASTER again. keepalived 2.2.7 does the same in this lab
// (HOST_LAB_DAEMON=/usr/sbin/keepalived) and logs the same start line.
func TestLinkbeatPolling(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 2)
	h1, h2 := l.Host(1), l.Host(2)
	other := os.Getenv("HOST_LAB_DAEMON")
	h1conf := "linkbeat_interfaces {\n  " + lab.Link + "\n}\n" + conf(150, vip1)
	r1 := startReloadRouter(t, h1, h1conf, other)
	r2 := startReloadRouter(t, h2, conf(100, vip1), other)
	r1.waitFor("h1 MASTER", func() bool { return r1.state() == "MASTER" && r2.state() == "BACKUP" })
	if !strings.Contains(r1.proc.Output(), "Using MII-BMSR/ETHTOOL NIC polling thread(s)...") {
		t.Errorf("no linkbeat start line:\n%s", r1.proc.Output())
	}
	start := time.Now()
	if err := h1.Cut(); err != nil {
		t.Fatal(err)
	}
	r1.waitFor("h1 FAULT, h2 MASTER", func() bool { return r1.state() == "FAULT" && r2.state() == "MASTER" })
	t.Logf("cable pulled: h1 FAULT after %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if err := h1.Heal(); err != nil {
		t.Fatal(err)
	}
	r1.waitFor("h1 MASTER again", func() bool { return r1.state() == "MASTER" && r2.state() == "BACKUP" })
	t.Logf("cable back: h1 MASTER after %v", time.Since(start).Round(time.Millisecond))
	r1.signal(syscall.SIGTERM)
	r2.signal(syscall.SIGTERM)
}

// TestTimerExpiredBackupPause: a master paused (SIGSTOP, as a stalled VM)
// long enough for its backup to take over steps down when it runs again,
// with timer_expired_backup (keepalived 2.3), rather than preempting the
// new master; the backup keeps MASTER throughout.
func TestTimerExpiredBackupPause(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 2)
	h1, h2 := l.Host(1), l.Host(2)
	h1conf := strings.Replace(conf(150, vip1), "  virtual_ipaddress {", "  nopreempt\n  timer_expired_backup 100\n  virtual_ipaddress {", 1)
	r1 := startRouter(t, h1, h1conf)
	r2 := startRouter(t, h2, conf(100, vip1))
	r1.waitFor("h1 MASTER", func() bool { return r1.state() == "MASTER" && r2.state() == "BACKUP" })
	r1.signal(syscall.SIGSTOP)
	r2.waitFor("h2 MASTER while h1 is paused", func() bool { return r2.state() == "MASTER" })
	time.Sleep(time.Second)
	r1.signal(syscall.SIGCONT)
	r1.waitFor("h1 BACKUP after the pause", func() bool { return r1.state() == "BACKUP" })
	if !strings.Contains(r1.proc.Output(), "VRRP thread timer expired ") {
		t.Errorf("no timer expiry line:\n%s", r1.proc.Output())
	}
	time.Sleep(2 * time.Second)
	if r1.state() != "BACKUP" || r2.state() != "MASTER" || strings.Count(r2.proc.Output(), "Entering BACKUP") > 1 {
		t.Fatalf("after the pause: h1 %s, h2 %s\nh2:\n%s", r1.state(), r2.state(), r2.proc.Output())
	}
	r1.signal(syscall.SIGTERM)
	r2.signal(syscall.SIGTERM)
}

// TestStaticOnlyConfig: a file with static addresses and routes and no
// vrrp_instance runs keepalived's VRRP child, which installs them and
// keeps them (issue 11, divergence 5).
func TestStaticOnlyConfig(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 1)
	h := l.Host(1)
	file := "static_ipaddress {\n  10.213.0.55/24 dev " + lab.Link + "\n}\nstatic_routes {\n  198.51.100.0/24 dev " + lab.Link + "\n}\n"
	r := startReloadRouter(t, h, file, os.Getenv("HOST_LAB_DAEMON"))
	has := func() bool {
		a, _ := h.Run("ip", "-o", "addr", "show", "dev", lab.Link)
		rt, _ := h.Run("ip", "route")
		return strings.Contains(a, " 10.213.0.55/24") && strings.Contains(rt, "198.51.100.0/24 dev")
	}
	r.waitFor("static address and route", has)
	h.NS.MustRun(t, "ip", "addr", "del", "10.213.0.55/24", "dev", lab.Link)
	r.waitFor("static address restored", has)
	r.signal(syscall.SIGTERM)
}

// TestNoVRRPSideNoDump: with nothing for the VRRP side to run keepalived
// has no VRRP child, so SIGUSR1/SIGUSR2 log no "Printing VRRP data/stats"
// and write no file (issue 11 divergence 20, corpus 037).
func TestNoVRRPSideNoDump(t *testing.T) {
	netns.SkipUnlessRoot(t)
	h := lab.New(t, 1).Host(1)
	r := startRouter(t, h, "global_defs {\n  router_id nothing\n}\n")
	r.waitFor("start", func() bool { return r.logged("Warning - keepalived has no configuration to run") })
	r.signal(syscall.SIGUSR1)
	r.signal(syscall.SIGUSR2)
	r.signal(syscall.SIGTERM)
	if exited, err := r.proc.Wait(20 * time.Second); !exited || err != nil {
		t.Fatalf("after SIGTERM: exited %v err %v\n%s", exited, err, r.proc.Output())
	}
	if r.logged("Printing VRRP") {
		t.Fatalf("dump logged without a VRRP side:\n%s", r.proc.Output())
	}
}

// TestRouteInterfaceTracked: a virtual route's interface is tracked at
// weight 0, as keepalived's vrrp_complete_instance makes it (TRACK_ROUTE):
// that interface down puts the master in FAULT and the backup takes the
// VIP; up again, the master returns. HOST_LAB_DAEMON=/usr/sbin/keepalived
// runs keepalived for the baseline.
func TestRouteInterfaceTracked(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 2)
	h1, h2 := l.Host(1), l.Host(2)
	other := os.Getenv("HOST_LAB_DAEMON")
	// A second link on h1, a veth pair inside its namespace.
	h1.NS.MustRun(t, "ip", "link", "add", "rtx", "type", "veth", "peer", "name", "rtxp")
	h1.NS.MustRun(t, "ip", "link", "set", "rtx", "up")
	h1.NS.MustRun(t, "ip", "link", "set", "rtxp", "up")
	h1conf := strings.Replace(conf(150, vip1), "  virtual_ipaddress {", "  virtual_routes {\n    203.0.113.0/24 dev rtx\n  }\n  virtual_ipaddress {", 1)
	r1 := startReloadRouter(t, h1, h1conf, other)
	r2 := startReloadRouter(t, h2, conf(100, vip1), other)
	r1.waitFor("h1 MASTER, h2 BACKUP", func() bool { return r1.state() == "MASTER" && r2.state() == "BACKUP" })
	h1.NS.MustRun(t, "ip", "link", "set", "rtx", "down")
	r1.waitFor("h1 FAULT on the route's interface down", func() bool { return r1.state() == "FAULT" })
	r2.waitFor("h2 MASTER with the VIP", func() bool { return r2.state() == "MASTER" && r2.hasAddr(vip1) })
	h1.NS.MustRun(t, "ip", "link", "set", "rtx", "up")
	r1.waitFor("h1 MASTER again", func() bool { return r1.state() == "MASTER" && r1.hasAddr(vip1) })
	r1.signal(syscall.SIGTERM)
	r2.signal(syscall.SIGTERM)
}
