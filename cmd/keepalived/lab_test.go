//go:build !vmtest

// The lab tests run on the host (network namespaces, bridge, arping); the
// VM run (-tags vmtest) leaves them out.

package main

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

var (
	vip1 = netip.MustParseAddr("10.213.0.100")
	vip2 = netip.MustParseAddr("10.213.0.101")
)

// router is one keepalived-go started in a lab host.
type router struct {
	t    *testing.T
	h    *lab.Host
	dir  string
	conf string
	proc *netns.Proc
}

func conf(prio int, vips ...netip.Addr) string {
	var b strings.Builder
	fmt.Fprintf(&b, "global_defs {\n  vrrp_version 3\n}\nvrrp_instance VI_1 {\n  interface %s\n  virtual_router_id 77\n  priority %d\n  advert_int 0.5\n  virtual_ipaddress {\n", lab.Link, prio)
	for _, v := range vips {
		fmt.Fprintf(&b, "    %s/24\n", v)
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

func startRouter(t *testing.T, h *lab.Host, config string) *router {
	t.Helper()
	dir := t.TempDir()
	r := &router{t: t, h: h, dir: dir, conf: filepath.Join(dir, "keepalived.conf")}
	r.write(config)
	r.proc = h.Start(t, r.argv()...)
	return r
}

func (r *router) argv() []string {
	return []string{"env", asMainEnv + "=1", os.Args[0], "-n", "-l", "-D", "-P", "-G", "-f", r.conf,
		"-p", filepath.Join(r.dir, "keepalived.pid"), "-r", filepath.Join(r.dir, "vrrp.pid"), "-c", filepath.Join(r.dir, "checkers.pid")}
}

func (r *router) write(config string) {
	r.t.Helper()
	if err := os.WriteFile(r.conf, []byte(config), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *router) hasAddr(a netip.Addr) bool {
	out, err := r.h.Run("ip", "-o", "addr", "show", "dev", lab.Link)
	if err != nil {
		r.t.Fatal(err)
	}
	return strings.Contains(out, " "+a.String()+"/")
}

// waitFor polls cond; the generous limit only bounds a broken run.
func (r *router) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: %s never happened; log:\n%s", r.h.NS.Name, what, r.proc.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *router) logged(s string) bool { return strings.Contains(r.proc.Output(), s) }

// state is the state the daemon last logged it entered.
func (r *router) state() string {
	out := r.proc.Output()
	i := strings.LastIndex(out, "(VI_1) Entering ")
	if i < 0 {
		return ""
	}
	f := strings.Fields(out[i+len("(VI_1) Entering "):])
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// signal signals the daemon alone: a signal to its process group could
// also hit a notify script between its fork and its own setpgid.
func (r *router) signal(sig syscall.Signal) {
	r.t.Helper()
	if err := syscall.Kill(r.proc.Cmd.Process.Pid, sig); err != nil {
		r.t.Fatal(err)
	}
}

// dataDump sends SIGUSR1 and returns the data file at path once it is
// complete: keepalived writes it in place, so the end marker is waited
// for and the file read again a moment later.
func (r *router) dataDump(path string) string {
	r.t.Helper()
	os.Remove(path)
	r.signal(syscall.SIGUSR1)
	r.waitFor("the data file", func() bool {
		b, err := os.ReadFile(path)
		return err == nil && strings.Contains(string(b), "------< Interfaces >------")
	})
	time.Sleep(300 * time.Millisecond)
	b, _ := os.ReadFile(path)
	return string(b)
}

// TestDaemonLab runs two keepalived-go routers and a client on a bridge:
// election, adverts on the wire, the client's ARP, SIGTERM hand-over and
// SIGHUP reloads (a broken file is refused, a good one changes only what
// differs).
func TestDaemonLab(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 3)
	h1, h2, client := l.Host(1), l.Host(2), l.Host(3)

	r1 := startRouter(t, h1, conf(150, vip1))
	r2 := startRouter(t, h2, conf(100, vip1))
	// Whichever process started first may be master for a moment; the
	// election settles on h1.
	r1.waitFor("h1 MASTER with the VIP", func() bool { return r1.state() == "MASTER" && r1.hasAddr(vip1) })
	r2.waitFor("h2 BACKUP without the VIP", func() bool { return r2.state() == "BACKUP" && !r2.hasAddr(vip1) })

	// The master's adverts, as a third host sees them on the wire. (A
	// capture process rather than a socket opened with netns.Do: Do
	// discards its OS thread, and if that thread had started a router
	// the router would die of its Pdeathsig.)
	wireOut, err := client.Run("timeout", "20", "tcpdump", "-c", "1", "-nv", "-i", lab.Link, "ip proto 112 and src host "+h1.IPv4.Addr().String())
	if err != nil {
		t.Fatalf("tcpdump: %v\n%s", err, wireOut)
	}
	for _, want := range []string{"ttl 255", "> 224.0.0.18", "VRRPv3, Advertisement, vrid 77, prio 150, intvl 50cs", "addrs: " + vip1.String()} {
		if !strings.Contains(wireOut, want) {
			t.Fatalf("advert on the wire lacks %q:\n%s", want, wireOut)
		}
	}
	if mac, err := client.Arping(vip1); err != nil || mac.String() != h1.MAC.String() {
		t.Fatalf("client resolves the VIP to %v (%v), want h1's %v", mac, err, h1.MAC)
	}

	// A second daemon with the same pid files refuses to start (and, like
	// keepalived, exits 0).
	dup := h1.Start(t, r1.argv()...)
	if exited, err := dup.Wait(20 * time.Second); !exited || err != nil || !strings.Contains(dup.Output(), "daemon is already running") {
		t.Fatalf("second daemon: exited %v err %v output:\n%s", exited, err, dup.Output())
	}

	// SIGTERM: priority 0, VIP released, clean exit; h2 takes over.
	r1.signal(syscall.SIGTERM)
	if exited, err := r1.proc.Wait(20 * time.Second); !exited || err != nil {
		t.Fatalf("h1 after SIGTERM: exited %v err %v\n%s", exited, err, r1.proc.Output())
	}
	for _, s := range []string{"(VI_1) sent 0 priority", "Stopped Keepalived"} {
		if !r1.logged(s) {
			t.Errorf("h1 did not log %q:\n%s", s, r1.proc.Output())
		}
	}
	if r1.hasAddr(vip1) {
		t.Fatal("h1 kept the VIP after SIGTERM")
	}
	if _, err := os.Stat(filepath.Join(r1.dir, "vrrp.pid")); !os.IsNotExist(err) {
		t.Errorf("vrrp.pid left behind: %v", err)
	}
	r2.waitFor("h2 MASTER with the VIP", func() bool { return r2.logged("(VI_1) Entering MASTER STATE") && r2.hasAddr(vip1) })
	if !r2.logged("(VI_1) Backup received priority 0 advertisement") {
		t.Errorf("h2 did not see the priority-0 advert:\n%s", r2.proc.Output())
	}

	// SIGHUP with a broken file: refused, the old configuration runs on.
	before := strings.Count(r2.proc.Output(), "Entering")
	r2.write("vrrp_instance VI_1 {\n  interface " + lab.Link + "\n  virtual_router_id 300\n}\n")
	r2.signal(syscall.SIGHUP)
	r2.waitFor("reload refused", func() bool { return r2.logged("Reload failed") })
	if !r2.hasAddr(vip1) {
		t.Fatal("a refused reload removed the VIP")
	}

	// SIGHUP with a good file adding a VIP: only that VIP changes.
	r2.write(conf(100, vip1, vip2))
	r2.signal(syscall.SIGHUP)
	r2.waitFor("second VIP", func() bool { return r2.logged("Reload complete") && r2.hasAddr(vip2) })
	if !r2.hasAddr(vip1) {
		t.Fatal("the unchanged VIP went away on reload")
	}
	out := r2.proc.Output()
	if n := strings.Count(out, "Entering"); n != before {
		t.Fatalf("reload changed state (%d Entering lines, had %d):\n%s", n, before, out)
	}
	if i := strings.LastIndex(out, "Reloading"); strings.Contains(out[i:], "removing VIPs") {
		t.Fatalf("reload removed VIPs:\n%s", out[i:])
	}
	if mac, err := client.Arping(vip2); err != nil || mac.String() != h2.MAC.String() {
		t.Fatalf("client resolves the new VIP to %v (%v), want h2's %v", mac, err, h2.MAC)
	}

	// keepalived's dump signals (exporters send them) never kill the
	// daemon: it still answers a later SIGHUP.
	for _, s := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR2, syscall.Signal(36)} {
		r2.signal(s)
	}
	r2.signal(syscall.SIGHUP)
	r2.waitFor("a reload after the dump signals", func() bool { return strings.Count(r2.proc.Output(), "Reload complete") == 2 })

	// Many reloads in a row: the kernel never sees a VIP go, and the
	// master never sends a priority-0 advert.
	// A marker address added before and removed after the reloads proves
	// the monitor saw everything in between.
	marker := "10.213.0.222/32"
	mon := h2.Start(t, "ip", "-o", "monitor", "address")
	r2.waitFor("address monitor", func() bool {
		h2.Run("ip", "addr", "replace", marker, "dev", lab.Link)
		return strings.Contains(mon.Output(), "10.213.0.222")
	})
	rounds := 20
	for i := range rounds {
		r2.signal(syscall.SIGHUP)
		r2.waitFor("reload", func() bool { return strings.Count(r2.proc.Output(), "Reload complete") == 3+i })
	}
	h2.Run("ip", "addr", "del", marker, "dev", lab.Link)
	r2.waitFor("monitor caught up", func() bool {
		return strings.Contains(mon.Output(), "Deleted") && strings.Contains(mon.Output(), "10.213.0.222")
	})
	for _, l := range strings.Split(mon.Output(), "\n") {
		if strings.HasPrefix(l, "Deleted") && !strings.Contains(l, "10.213.0.222") {
			t.Fatalf("an address went away during %d reloads: %s", rounds, l)
		}
	}
	if st := strings.Count(r2.proc.Output(), "sent 0 priority"); st != 0 {
		t.Fatalf("priority 0 sent during reloads")
	}
}

// TestDaemonTrackAndNotify checks the wiring of trackers, the link watcher
// and notifications on a real host: track_file and the interface's own
// link fault the instance, and notify scripts and notify_fifo see every
// transition in order with keepalived's arguments.
func TestDaemonTrackAndNotify(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 1)
	h := l.Host(1)
	dir := t.TempDir()
	script := filepath.Join(dir, "notify.sh")
	logf := filepath.Join(dir, "notify.log")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$*\" >> "+logf+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	trackf := filepath.Join(dir, "track")
	if err := os.WriteFile(trackf, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	cfg := fmt.Sprintf(`global_defs {
  vrrp_version 3
  notify_fifo %s
  enable_script_security
  script_user root
}
track_file tf {
  file %s
  weight 0
}
vrrp_instance VI_1 {
  interface %s
  virtual_router_id 78
  priority 200
  advert_int 0.5
  track_file {
    tf
  }
  notify %s
  notify_master "%s master-arg"
  virtual_ipaddress {
    %s/24
  }
}
`, fifo, trackf, lab.Link, script, script, vip1)
	r := startRouter(t, h, cfg)
	r.waitFor("MASTER", func() bool { return r.hasAddr(vip1) })
	// Read the FIFO from here on; keepalived-go keeps it open read-write,
	// so opening it for reading does not block.
	ff, err := os.Open(fifo)
	if err != nil {
		t.Fatal(err)
	}
	defer ff.Close()

	os.WriteFile(trackf, []byte("1\n"), 0o644)
	r.waitFor("FAULT from track_file", func() bool { return r.logged("(VI_1) Entering FAULT STATE") })
	r.waitFor("VIP released", func() bool { return !r.hasAddr(vip1) })
	os.WriteFile(trackf, []byte("0\n"), 0o644)
	r.waitFor("MASTER again", func() bool { return r.hasAddr(vip1) })

	if err := h.Cut(); err != nil {
		t.Fatal(err)
	}
	r.waitFor("FAULT from the link", func() bool {
		return r.logged("Netlink reports "+lab.Link+" down") && strings.Count(r.proc.Output(), "(VI_1) Entering FAULT STATE") == 2
	})
	if err := h.Heal(); err != nil {
		t.Fatal(err)
	}
	r.waitFor("MASTER after the link", func() bool { return strings.Count(r.proc.Output(), "(VI_1) Entering MASTER STATE") == 3 })

	r.signal(syscall.SIGTERM)
	if exited, err := r.proc.Wait(20 * time.Second); !exited || err != nil {
		t.Fatalf("SIGTERM: exited %v err %v\n%s", exited, err, r.proc.Output())
	}
	want := []string{
		"INSTANCE VI_1 BACKUP 200",
		"master-arg", "INSTANCE VI_1 MASTER 200",
		"INSTANCE VI_1 FAULT 200", "INSTANCE VI_1 BACKUP 200",
		"master-arg", "INSTANCE VI_1 MASTER 200",
		"INSTANCE VI_1 FAULT 200", "INSTANCE VI_1 BACKUP 200",
		"master-arg", "INSTANCE VI_1 MASTER 200",
		"INSTANCE VI_1 STOP 200",
	}
	b, _ := os.ReadFile(logf)
	if got := strings.Split(strings.TrimSpace(string(b)), "\n"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("notify calls:\n%s\nwant:\n%s\nlog:\n%s", b, strings.Join(want, "\n"), r.proc.Output())
	}
	// Scripts run under keepalived's umask 0177 (the daemon's, inherited),
	// so the file the notify script created is 0600, not 0644.
	if fi, err := os.Stat(logf); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("file created by the notify script: mode %v, want 0600", fi.Mode().Perm())
	}
	// The FIFO got the transitions after we opened it.
	buf := make([]byte, 4096)
	n, _ := ff.Read(buf)
	if !strings.Contains(string(buf[:n]), "INSTANCE \"VI_1\" FAULT 200\n") {
		t.Fatalf("notify_fifo:\n%s", buf[:n])
	}
}

// TestDaemonDetaches runs without -n: the command returns at once with
// status 0 and the daemon, in its own session, writes the pid files and
// stops on SIGTERM sent to the pid they hold.
func TestDaemonDetaches(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 1)
	h := l.Host(1)
	r := &router{t: t, h: h, dir: t.TempDir()}
	r.conf = filepath.Join(r.dir, "keepalived.conf")
	r.write(conf(100, vip1))
	// The detached copy's output goes to /dev/null; -g keeps its log for
	// a failure report.
	logFile := filepath.Join(r.dir, "daemon.log")
	argv := []string{"env", asMainEnv + "=1", os.Args[0], "-G", "-P", "-f", r.conf, "--log-file=" + logFile,
		"-p", filepath.Join(r.dir, "keepalived.pid"), "-r", filepath.Join(r.dir, "vrrp.pid"), "-c", filepath.Join(r.dir, "checkers.pid")}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logFile)
			t.Logf("daemon log:\n%s", b)
		}
	})
	r.proc = h.Start(t, argv...)
	if exited, err := r.proc.Wait(20 * time.Second); !exited || err != nil {
		t.Fatalf("launcher: exited %v err %v\n%s", exited, err, r.proc.Output())
	}
	pidOf := func() int {
		b, err := os.ReadFile(filepath.Join(r.dir, "vrrp.pid"))
		if err != nil {
			return 0
		}
		var pid int
		fmt.Sscan(string(b), &pid)
		return pid
	}
	r.waitFor("pid file", func() bool { return pidOf() > 0 })
	pid := pidOf()
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	if pid == r.proc.Cmd.Process.Pid {
		t.Fatal("the launcher is the daemon")
	}
	if sid, err := syscall.Getpgid(pid); err != nil || sid != pid {
		t.Fatalf("daemon %d not leading its own session/group (%d, %v)", pid, sid, err)
	}
	r.waitFor("MASTER with the VIP", func() bool { return r.hasAddr(vip1) })
	syscall.Kill(pid, syscall.SIGTERM)
	// Gone, or a zombie waiting for a reaper this test does not control.
	gone := func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return true
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		return len(f) > 0 && f[0] == "Z"
	}
	r.waitFor("stop", func() bool { return gone() && !r.hasAddr(vip1) })
	if _, err := os.Stat(filepath.Join(r.dir, "keepalived.pid")); !os.IsNotExist(err) {
		t.Fatalf("pid file left behind: %v", err)
	}
}

// TestDaemonWaitsForSource starts a VRRPv3 IPv4 instance on an interface
// without an IPv4 address: it waits in FAULT, as keepalived does, and
// starts by itself once the address is added; a reload in between does
// not lose the wait.
func TestDaemonWaitsForSource(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 1)
	h := l.Host(1)
	if _, err := h.Run("ip", "addr", "del", h.IPv4.String(), "dev", lab.Link); err != nil {
		t.Fatal(err)
	}
	r := startRouter(t, h, conf(100, vip1))
	r.waitFor("FAULT for want of a source", func() bool { return r.logged("src address not configured") })
	r.signal(syscall.SIGHUP)
	r.waitFor("reload", func() bool { return r.logged("Reload complete") })
	if r.hasAddr(vip1) {
		t.Fatal("VIP added without a source address")
	}
	if _, err := h.Run("ip", "addr", "add", h.IPv4.String(), "dev", lab.Link); err != nil {
		t.Fatal(err)
	}
	r.waitFor("MASTER with the VIP once the address is there", func() bool { return r.hasAddr(vip1) })
}
