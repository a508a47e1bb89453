//go:build !vmtest

package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// TestDynamicInterfaces: with dynamic_interfaces an instance may name an
// interface that does not exist yet. keepalived 2.2.7 starts it in FAULT
// and runs it once the interface appears (here a macvlan on the lab link,
// with an address), and FAULT again when it is deleted.
// HOST_LAB_DAEMON=/usr/sbin/keepalived runs keepalived itself on h1.
func TestDynamicInterfaces(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 2)
	h1, h2 := l.Host(1), l.Host(2)
	const dyn = "kdyn0"
	h1conf := "global_defs {\n  dynamic_interfaces\n}\n" +
		strings.Replace(conf(150, vip1), "interface "+lab.Link, "interface "+dyn, 1)
	r2 := startRouter(t, h2, conf(100, vip1))
	r1 := startReloadRouter(t, h1, h1conf, os.Getenv("HOST_LAB_DAEMON"))
	r2.waitFor("h2 MASTER", func() bool { return r2.state() == "MASTER" })
	time.Sleep(time.Second)
	if s := r1.state(); s != "FAULT" && !strings.Contains(r1.proc.Output(), "(VI_1): entering FAULT state") {
		t.Fatalf("h1 %q without its interface, want FAULT\n%s", s, r1.proc.Output())
	}
	start := time.Now()
	h1.NS.MustRun(t, "ip", "link", "add", dyn, "link", lab.Link, "type", "macvlan", "mode", "bridge")
	h1.NS.MustRun(t, "ip", "addr", "add", "10.213.0.61/24", "dev", dyn)
	h1.NS.MustRun(t, "ip", "link", "set", dyn, "up")
	r1.waitFor("h1 MASTER once the interface exists", func() bool { return r1.state() == "MASTER" && r2.state() == "BACKUP" })
	t.Logf("interface created: h1 MASTER after %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	h1.NS.MustRun(t, "ip", "link", "del", dyn)
	r1.waitFor("h1 FAULT, h2 MASTER once it is deleted", func() bool { return r1.state() == "FAULT" && r2.state() == "MASTER" })
	t.Logf("interface deleted: h1 FAULT after %v", time.Since(start).Round(time.Millisecond))
	for _, ln := range strings.Split(r1.proc.Output(), "\n") {
		if strings.Contains(ln, dyn) || strings.Contains(ln, "FAULT") {
			t.Log(ln)
		}
	}
	r1.signal(syscall.SIGTERM)
	r2.signal(syscall.SIGTERM)
}

// TestNoVirtualIPAddress: no_virtual_ipaddress (keepalived 2.3) lets a
// VRRPv3 instance run with no VIP at all (AWS-style floating addresses
// managed elsewhere): the two routers still elect one MASTER, hand over
// when it stops, and adverts carry no address.
func TestNoVirtualIPAddress(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 2)
	h1, h2 := l.Host(1), l.Host(2)
	noVIP := func(prio int) string {
		c := conf(prio)
		c = strings.Replace(c, "  virtual_ipaddress {\n  }\n", "  no_virtual_ipaddress\n", 1)
		if !strings.Contains(c, "no_virtual_ipaddress") || strings.Contains(c, "virtual_ipaddress {") {
			t.Fatalf("configuration not as meant:\n%s", c)
		}
		return c
	}
	r1 := startRouter(t, h1, noVIP(150))
	r2 := startRouter(t, h2, noVIP(100))
	r1.waitFor("h1 MASTER, h2 BACKUP", func() bool { return r1.state() == "MASTER" && r2.state() == "BACKUP" })
	r1.signal(syscall.SIGTERM)
	r2.waitFor("h2 MASTER after h1 stops", func() bool { return r2.state() == "MASTER" })
	r2.signal(syscall.SIGTERM)
}

// TestMaxAutoPriority: a daemon stalled (SIGSTOP) past
// min_auto_priority_delay finds its timers late when it runs again; it
// logs keepalived's `A thread timer expired` and, with max_auto_priority,
// `Set realtime priority 1`, and every one of its threads is then SCHED_RR.
func TestMaxAutoPriority(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 1)
	h1 := l.Host(1)
	r1 := startRouter(t, h1, "global_defs {\n  max_auto_priority 5\n  min_auto_priority_delay 500000\n}\n"+conf(150, vip1))
	r1.waitFor("h1 MASTER", func() bool { return r1.state() == "MASTER" })
	r1.signal(syscall.SIGSTOP)
	time.Sleep(1500 * time.Millisecond)
	r1.signal(syscall.SIGCONT)
	r1.waitFor("the late timer logged", func() bool {
		return strings.Contains(r1.proc.Output(), "A thread timer expired ") && strings.Contains(r1.proc.Output(), "Set realtime priority 1")
	})
	time.Sleep(500 * time.Millisecond)
	if n := strings.Count(r1.proc.Output(), "A thread timer expired "); n != 1 {
		t.Errorf("%d late-timer lines for one stall, want 1 (keepalived checks once per wake-up)", n)
	}
	pid := r1.proc.Cmd.Process.Pid
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		t.Fatal(err)
	}
	rr := 0
	for _, e := range tasks {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Field 41 is the policy; the comm field (2) may hold spaces.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
		if len(f) > 38 && f[38] == "2" {
			rr++
		} else if len(f) > 38 {
			t.Errorf("thread %s policy %s, want SCHED_RR (2)", e.Name(), f[38])
		}
	}
	t.Logf("%d threads in SCHED_RR", rr)
	r1.signal(syscall.SIGTERM)
}
