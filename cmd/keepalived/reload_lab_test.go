//go:build !vmtest

package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// reloadRounds is how many SIGHUPs the master gets while the client pings.
const reloadRounds = 100

// brokenConf is refused by the parser (VRID out of range), so a reload with
// it must leave the running configuration alone.
var brokenConf = "vrrp_instance VI_1 {\n  interface " + lab.Link + "\n  virtual_router_id 300\n}\n"

// TestReloadZeroLoss sends the master 100 SIGHUPs while a client pings the
// VIP every 5 ms (ping -i 0.01 sends only every ~16 ms on a loaded host).
// The files cycle through: identical to the running one, one more
// (excluded) VIP, a broken one (refused), and back without the extra VIP.
// Nothing the client sees may change: every echo request is answered, no
// router changes state, the kernel never loses the VIP, and the daemon
// runs on.
func TestReloadZeroLoss(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 3)
	h1, h2, client := l.Host(1), l.Host(2), l.Host(3)

	base := conf(150, vip1)
	// The extra address is excluded from the adverts: a VIP the backup's
	// file lacks would make the backup drop the master's adverts (address
	// list mismatch, as keepalived) and take over.
	extra := strings.Replace(base, "}\n}\n", "}\n  virtual_ipaddress_excluded {\n    "+vip2.String()+"/24\n  }\n}\n", 1)
	// RELOAD_LAB_DAEMON=/usr/sbin/keepalived runs keepalived itself for a
	// baseline. It stops on a broken file, so that step sends the running
	// file again instead. Both end a reload with "Reload complete".
	other := os.Getenv("RELOAD_LAB_DAEMON")
	done, broken := "Reload complete", brokenConf
	if other != "" {
		broken = extra
	}
	r1 := startReloadRouter(t, h1, base, other)
	r2 := startReloadRouter(t, h2, conf(100, vip1), other)
	r1.waitFor("h1 MASTER with the VIP", func() bool { return r1.state() == "MASTER" && r1.hasAddr(vip1) })
	r2.waitFor("h2 BACKUP", func() bool { return r2.state() == "BACKUP" && !r2.hasAddr(vip1) })

	// Every address change in the master's namespace. A marker address
	// added now and removed at the end proves the monitor saw the whole
	// run.
	const marker = "10.213.0.222"
	mon := h1.Start(t, "ip", "-o", "monitor", "address")
	r1.waitFor("address monitor", func() bool {
		h1.Run("ip", "addr", "replace", marker+"/32", "dev", lab.Link)
		return strings.Contains(mon.Output(), marker)
	})
	// The master's adverts as the client receives them, for the gap
	// between two (logged, not asserted: timing depends on the host).
	adverts := client.Start(t, "tcpdump", "-l", "-n", "-tt", "-i", lab.Link, "ip proto 112 and src host "+h1.IPv4.Addr().String())
	ping := client.Start(t, "ping", "-n", "-i", "0.005", "-W", "1", vip1.String())
	r1.waitFor("first echo reply", func() bool { return strings.Contains(ping.Output(), "icmp_seq=") })

	entering1 := strings.Count(r1.proc.Output(), "Entering")
	entering2 := strings.Count(r2.proc.Output(), "Entering")
	reloads := func() (ok, failed int) {
		out := r1.proc.Output()
		return strings.Count(out, done), strings.Count(out, "Reload failed")
	}
	start := time.Now()
	var wantOK, wantFailed, removals int
	for i := range reloadRounds {
		var file string
		switch i % 4 {
		case 0:
			file = base // identical to the running file
		case 1:
			file = extra
		case 2:
			file = broken
		case 3:
			file = base
			removals++
		}
		if i%4 == 2 && other == "" {
			wantFailed++
		} else {
			wantOK++
		}
		r1.write(file)
		r1.signal(syscall.SIGHUP)
		r1.waitFor(fmt.Sprintf("reload %d", i+1), func() bool {
			ok, failed := reloads()
			return ok == wantOK && failed == wantFailed
		})
		if exited, _ := r1.proc.Wait(0); exited {
			t.Fatalf("daemon exited at reload %d:\n%s", i+1, r1.proc.Output())
		}
		switch i % 4 {
		case 1, 2:
			if !r1.hasAddr(vip2) {
				t.Fatalf("reload %d: extra VIP %s missing", i+1, vip2)
			}
		case 3:
			if r1.hasAddr(vip2) {
				t.Fatalf("reload %d: extra VIP %s not removed", i+1, vip2)
			}
		}
	}
	elapsed := time.Since(start)
	// Let the echo requests sent during the last reload come back, then
	// stop pinging: loss is counted below the highest answered sequence.
	lastSeq := maxSeq(ping.Output())
	r1.waitFor("echo replies after the reloads", func() bool { return maxSeq(ping.Output()) > lastSeq+20 })
	ping.Signal(syscall.SIGINT)
	ping.Wait(5 * time.Second)
	h1.Run("ip", "addr", "del", marker+"/32", "dev", lab.Link)
	r1.waitFor("monitor caught up", func() bool {
		return strings.Contains(mon.Output(), "Deleted") && strings.Contains(mon.Output(), marker)
	})

	replies, lost, first, last := echoStats(ping.Output())
	if replies == 0 || lost > 0 {
		t.Errorf("%d echo requests lost between icmp_seq %d and %d (%d replies)", lost, first, last, replies)
	}
	var vipDeleted, extraDeleted int
	for _, ln := range strings.Split(mon.Output(), "\n") {
		if !strings.HasPrefix(ln, "Deleted") {
			continue
		}
		switch {
		case strings.Contains(ln, " "+vip2.String()+"/"):
			extraDeleted++
		case strings.Contains(ln, marker):
		default:
			vipDeleted++
			t.Errorf("an address went away during the reloads: %s", ln)
		}
	}
	if extraDeleted != removals {
		t.Errorf("extra VIP removed %d times, want %d", extraDeleted, removals)
	}
	if n := strings.Count(r1.proc.Output(), "Entering"); n != entering1 {
		t.Errorf("master changed state during the reloads:\n%s", r1.proc.Output())
	}
	if n := strings.Count(r2.proc.Output(), "Entering"); n != entering2 {
		t.Errorf("backup changed state during the reloads:\n%s", r2.proc.Output())
	}
	if strings.Contains(r1.proc.Output(), "sent 0 priority") {
		t.Errorf("master sent a priority-0 advert during the reloads")
	}
	if mac, err := client.Neighbour(vip1); err != nil || mac.String() != h1.MAC.String() {
		t.Errorf("client's neighbour entry for the VIP is %v (%v), want h1's %v", mac, err, h1.MAC)
	}
	if exited, _ := r1.proc.Wait(0); exited {
		t.Fatalf("daemon not running after the reloads:\n%s", r1.proc.Output())
	}
	ok, failed := reloads()
	for _, ln := range strings.Split(ping.Output(), "\n") {
		if strings.Contains(ln, "packets transmitted") {
			// The request in flight at SIGINT counts as lost here.
			t.Logf("ping: %s", ln)
		}
	}
	t.Logf("%d SIGHUPs in %v (%v each): %d applied, %d refused; %d echo replies (icmp_seq %d-%d), %d lost; extra VIP added/removed %d times; VIP deletions %d; longest advert gap seen by the client %v",
		reloadRounds, elapsed.Round(time.Millisecond), (elapsed / reloadRounds).Round(time.Millisecond), ok, failed,
		replies, first, last, lost, extraDeleted, vipDeleted, maxGap(adverts.Output()).Round(time.Millisecond))
}

// startReloadRouter is startRouter, or with daemon set that binary with
// the same options (-P: keepalived runs no checker child for this file).
func startReloadRouter(t *testing.T, h *lab.Host, config, daemon string) *router {
	t.Helper()
	if daemon == "" {
		return startRouter(t, h, config)
	}
	dir := t.TempDir()
	r := &router{t: t, h: h, dir: dir, conf: filepath.Join(dir, "keepalived.conf")}
	r.write(config)
	r.proc = h.Start(t, daemon, "-n", "-l", "-D", "-P", "-G", "-f", r.conf,
		"-p", filepath.Join(dir, "keepalived.pid"), "-r", filepath.Join(dir, "vrrp.pid"), "-c", filepath.Join(dir, "checkers.pid"))
	return r
}

// echoStats reads ping's per-reply lines. Requests are lost when their
// sequence number lies between the first and the highest answered one and
// no reply came; duplicates count once.
func echoStats(out string) (replies, lost, first, last int) {
	seen := map[int]bool{}
	first = -1
	for _, ln := range strings.Split(out, "\n") {
		seq, ok := icmpSeq(ln)
		if !ok {
			continue
		}
		if !seen[seq] {
			replies++
			seen[seq] = true
		}
		if first < 0 || seq < first {
			first = seq
		}
		last = max(last, seq)
	}
	for s := first; s <= last && first >= 0; s++ {
		if !seen[s] {
			lost++
		}
	}
	return replies, lost, first, last
}

func maxSeq(out string) int {
	m := 0
	for _, ln := range strings.Split(out, "\n") {
		if s, ok := icmpSeq(ln); ok {
			m = max(m, s)
		}
	}
	return m
}

// icmpSeq returns the sequence number of a reply line ("64 bytes from
// ...: icmp_seq=12 ttl=64 time=0.05 ms").
func icmpSeq(ln string) (int, bool) {
	if !strings.Contains(ln, "bytes from") {
		return 0, false
	}
	_, rest, ok := strings.Cut(ln, "icmp_seq=")
	if !ok {
		return 0, false
	}
	f, _, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(f)
	return n, err == nil
}

// maxGap is the longest interval between two packets of a tcpdump -tt
// capture.
func maxGap(capture string) time.Duration {
	var prev, gap float64
	sc := bufio.NewScanner(strings.NewReader(capture))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		ts, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		if prev > 0 && ts-prev > gap {
			gap = ts - prev
		}
		prev = ts
	}
	return time.Duration(gap * float64(time.Second))
}

// TestReloadScriptWarnings reloads files that keepalived -t flags but
// keepalived runs and reloads: a track script without
// enable_script_security (status 6) and an unknown keyword (status 5).
// Each SIGHUP must apply the file; only reload_check_config makes such a
// file refuse the reload, as in keepalived. RELOAD_LAB_DAEMON runs
// keepalived itself for a baseline.
func TestReloadScriptWarnings(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 1)
	h := l.Host(1)
	script := "vrrp_script chk {\n  script \"/bin/true\"\n  interval 1\n}\n"
	track := "  track_script {\n    chk\n  }\n"
	base := script + strings.Replace(conf(150, vip1), "  virtual_ipaddress", track+"  virtual_ipaddress", 1)
	more := strings.Replace(base, "  }\n}\n", "    "+vip2.String()+"/24\n  }\n}\n", 1)
	unknown := strings.Replace(more, "  priority", "  no_such_keyword 1\n  priority", 1)
	other := os.Getenv("RELOAD_LAB_DAEMON")
	r := startReloadRouter(t, h, base, other)
	r.waitFor("MASTER with the VIP", func() bool { return r.state() == "MASTER" && r.hasAddr(vip1) })
	reload := func(file string, want string) {
		t.Helper()
		before := strings.Count(r.proc.Output(), want)
		r.write(file)
		r.signal(syscall.SIGHUP)
		r.waitFor(want, func() bool { return strings.Count(r.proc.Output(), want) > before })
	}
	reload(base, "Reload complete") // the identical file
	reload(more, "Reload complete")
	r.waitFor("second VIP", func() bool { return r.hasAddr(vip2) })
	reload(base, "Reload complete")
	r.waitFor("second VIP gone", func() bool { return !r.hasAddr(vip2) })
	reload(unknown, "Reload complete")
	r.waitFor("second VIP back", func() bool { return r.hasAddr(vip2) })
	if other == "" {
		if n := strings.Count(r.proc.Output(), "Reload failed"); n != 0 {
			t.Fatalf("%d reloads failed:\n%s", n, r.proc.Output())
		}
		// reload_check_config: the unknown keyword now refuses the reload.
		checked := "global_defs {\n  reload_check_config\n}\n" + strings.Replace(unknown, "    "+vip2.String()+"/24\n", "", 1)
		reload(checked, "Reload failed")
		if !r.hasAddr(vip2) {
			t.Fatal("a refused reload removed a VIP")
		}
	}
	if r.state() != "MASTER" {
		t.Fatalf("state %s after the reloads:\n%s", r.state(), r.proc.Output())
	}
}

// bigVirtualServers writes n virtual servers (each with one TCP_CHECK real
// server) to path: a file that takes the parser about a second per 70 000.
func bigVirtualServers(t *testing.T, path string, n int) {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "virtual_server 10.%d.%d.%d 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n"+
			"  real_server 192.168.1.1 80 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 3\n    }\n  }\n}\n",
			i/62500, (i/250)%250, i%250+1)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStopDuringSlowReload: SIGTERM sent while a reload parses a large
// file (50 000 virtual servers, included; -P so they are only parsed)
// stops the daemon without waiting for the parse, and the reload is
// abandoned: neither applied nor reported as failed. The latency is
// logged, not asserted.
func TestStopDuringSlowReload(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 1)
	h := l.Host(1)
	r := startRouter(t, h, conf(150, vip1))
	r.waitFor("MASTER with the VIP", func() bool { return r.state() == "MASTER" && r.hasAddr(vip1) })
	bigVirtualServers(t, filepath.Join(r.dir, "vs.conf"), 50000)
	r.write(conf(150, vip1) + "include vs.conf\n")
	r.signal(syscall.SIGHUP)
	r.waitFor("reload started", func() bool { return r.logged("Reloading ...") })
	sent := time.Now()
	r.signal(syscall.SIGTERM)
	exited, err := r.proc.Wait(60 * time.Second)
	t.Logf("SIGTERM during the reload's parse: exited %v after %v", exited, time.Since(sent))
	if !exited || err != nil {
		t.Fatalf("SIGTERM: exited %v err %v\n%s", exited, err, r.proc.Output())
	}
	out := r.proc.Output()
	for _, bad := range []string{"Reload complete", "Reload failed"} {
		if strings.Contains(out, bad) {
			t.Errorf("the reload went on after SIGTERM (%q):\n%s", bad, out)
		}
	}
	for _, want := range []string{"Stopping during a reload - the new configuration is abandoned", "Stopped Keepalived"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
