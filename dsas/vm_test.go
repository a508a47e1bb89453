//go:build vmtest

package dsas_test

// Real-kernel tests: run inside the qemu VM (scripts/vmtest.sh), whose
// kernel has bonding, 8021q, veth and bridge. Each test builds a DSAS host
// in its own network namespace: two veth NICs eth0/eth1 whose peers sit in a
// peer namespace, bridged, so that a "router" there answers ping.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/dsas/apply"
	"github.com/dsas/keepalived-go/dsas/cli"
	"github.com/dsas/keepalived-go/dsas/conf"
	"github.com/dsas/keepalived-go/dsas/host"
	"github.com/dsas/keepalived-go/dsas/plan"
	"github.com/dsas/keepalived-go/internal/netns"
)

type lab struct {
	t          *testing.T
	host, peer *netns.NS
	hostFD     int
	root       string // scratch root for /etc/hostname, kept across applies
}

// newLab builds the two namespaces. The peer namespace bridges the peers of
// eth0 and eth1 on br0, which carries routerAddr; vlanAddr goes on br0.2.
func newLab(t *testing.T, routerAddr, vlanAddr string) *lab {
	netns.SkipUnlessRoot(t)
	l := &lab{t: t, host: netns.New(t, "dsash"), peer: netns.New(t, "dsasp"), root: t.TempDir()}
	fd, err := unix.Open(l.host.Path(), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	l.hostFD = fd
	netns.Veth(t, l.host, "eth0", l.peer, "p0")
	netns.Veth(t, l.host, "eth1", l.peer, "p1")
	l.ipPeer("link", "add", "br0", "type", "bridge")
	l.ipPeer("link", "set", "p0", "master", "br0")
	l.ipPeer("link", "set", "p1", "master", "br0")
	for _, d := range []string{"p0", "p1", "br0"} {
		l.ipPeer("link", "set", d, "up")
	}
	l.ipPeer("addr", "add", routerAddr, "dev", "br0")
	if vlanAddr != "" {
		l.ipPeer("link", "add", "link", "br0", "name", "br0.2", "type", "vlan", "id", "2")
		l.ipPeer("link", "set", "br0.2", "up")
		l.ipPeer("addr", "add", vlanAddr, "dev", "br0.2")
	}
	return l
}

// ipPeer configures the peer namespace; the test harness may use ip(8),
// dsas-init itself never does.
func (l *lab) ipPeer(args ...string) { l.peer.MustRun(l.t, append([]string{"ip"}, args...)...) }

func (l *lab) exec(args ...string) string { return l.host.MustRun(l.t, args...) }

// apply plans and applies the file for real, then checks that a second
// plan against the kernel is empty (re-apply is a no-op).
func (l *lab) apply(path string) (steps []plan.Step, notes []plan.Note, out string) {
	l.t.Helper()
	n, err := apply.DialNet(l.hostFD)
	if err != nil {
		l.t.Fatal(err)
	}
	defer n.Close()
	h := &apply.Host{Net: n, Sys: &apply.System{Root: l.root}}
	cfg := load(l.t, path)
	steps, notes, err = h.Plan(cfg)
	if err != nil {
		l.t.Fatal(err)
	}
	var b bytes.Buffer
	if err := h.Run(steps, &b); err != nil {
		l.t.Fatalf("%v\napplied so far:\n%s", err, b.String())
	}
	again, _, err := h.Plan(cfg)
	if err != nil {
		l.t.Fatal(err)
	}
	if len(again) != 0 {
		l.t.Errorf("second plan is not empty:\n%v", again)
	}
	return steps, notes, b.String()
}

// waitFor polls cond; TCG runs 5-8x slower than hardware, so the deadline
// is generous and only bounds a broken test, it does not measure speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (l *lab) ping(addr string) bool {
	_, err := l.host.Run("ping", "-c", "1", "-W", "3", addr)
	return err == nil
}

func (l *lab) bonding() string { return l.exec("cat", "/proc/net/bonding/bond0") }

func (l *lab) active() string {
	m := regexp.MustCompile(`Currently Active Slave: (\S+)`).FindStringSubmatch(l.bonding())
	if m == nil {
		return ""
	}
	return m[1]
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s: missing %q in:\n%s", what, w, text)
		}
	}
}

var replyRE = regexp.MustCompile(`bytes from .*seq=([0-9]+)`)

// replies returns the sequence numbers of the echo replies ping printed.
func replies(out string) []int {
	var seqs []int
	for _, m := range replyRE.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		seqs = append(seqs, n)
	}
	return seqs
}

// checkFailover keeps one ping running toward the router while the active
// slave's link goes down (its peer end, as a pulled cable would) and comes
// back: the bond must move to eth1, the same ping must get replies across
// eth1, and then the primary eth0 must take over again.
func (l *lab) checkFailover(router string) {
	t := l.t
	waitFor(t, "ping "+router, func() bool { return l.ping(router) })
	if a := l.active(); a != "eth0" {
		t.Fatalf("active slave %q before failover, want eth0", a)
	}
	p := l.host.Start(t, "ping", "-i", "0.2", router)
	count := func() int { return len(replies(p.Output())) }
	waitFor(t, "replies through eth0", func() bool { return count() >= 3 })
	l.ipPeer("link", "set", "p0", "down")
	waitFor(t, "failover to eth1", func() bool { return l.active() == "eth1" })
	mustContain(t, "/proc/net/bonding/bond0 after failover", l.bonding(), "Slave Interface: eth0\nMII Status: down")
	n := count()
	waitFor(t, "replies through eth1", func() bool { return count() >= n+5 })
	l.ipPeer("link", "set", "p0", "up")
	waitFor(t, "fail back to eth0", func() bool { return l.active() == "eth0" })
	n = count()
	waitFor(t, "replies after fail-back", func() bool { return count() >= n+3 })
	_ = p.Signal(syscall.SIGINT)
	_, _ = p.Wait(10 * time.Second)
	seqs := replies(p.Output())
	last := seqs[len(seqs)-1]
	t.Logf("one ping across failover and fail-back: %d replies to %d requests", len(seqs), last+1)
}

// checkAdminDown loses the active slave the other way, set down on this
// host: the bond fails over to eth1 while one ping keeps running, and a
// re-apply of path brings eth0 up again, whereupon the primary takes over.
func (l *lab) checkAdminDown(router, path string) {
	t := l.t
	p := l.host.Start(t, "ping", "-i", "0.2", router)
	count := func() int { return len(replies(p.Output())) }
	waitFor(t, "replies through eth0", func() bool { return count() >= 3 })
	l.exec("ip", "link", "set", "eth0", "down")
	waitFor(t, "failover to eth1", func() bool { return l.active() == "eth1" })
	n := count()
	waitFor(t, "replies through eth1", func() bool { return count() >= n+5 })
	if _, _, out := l.apply(path); out != "set link eth0 up\n" {
		t.Errorf("re-apply after eth0 was set down:\n%s", out)
	}
	waitFor(t, "fail back to eth0", func() bool { return l.active() == "eth0" })
	n = count()
	waitFor(t, "replies after fail-back", func() bool { return count() >= n+3 })
	_ = p.Signal(syscall.SIGINT)
	_, _ = p.Wait(10 * time.Second)
	seqs := replies(p.Output())
	t.Logf("one ping across eth0 set down and re-applied: %d replies to %d requests", len(seqs), seqs[len(seqs)-1]+1)
}

func TestVMSeed(t *testing.T) {
	l := newLab(t, "192.168.1.254/22", "")
	steps, notes, out := l.apply("testdata/seed.conf")
	t.Logf("applied %d steps:\n%s", len(steps), out)
	// The VM has no disks: the seed's devices are skipped, not an error.
	var ns []string
	for _, n := range notes {
		ns = append(ns, string(n))
	}
	mustContain(t, "notes", strings.Join(ns, "\n"), "BTDEVICE=/dev/sda1: no such device; skipped", "SWDEVICE=/dev/sda2: no such device; skipped")
	mustContain(t, "/proc/net/bonding/bond0", l.bonding(),
		"Bonding Mode: fault-tolerance (active-backup)", "Primary Slave: eth0",
		"MII Polling Interval (ms): 100", "Slave Interface: eth0", "Slave Interface: eth1")
	mustContain(t, "addresses", l.exec("ip", "-4", "-o", "addr", "show", "dev", "bond0"), "inet 192.168.1.1/22")
	mustContain(t, "routes", l.exec("ip", "-4", "route", "show", "default"), "default via 192.168.1.254 dev bond0 proto 213")
	var u unix.Utsname
	_ = unix.Uname(&u)
	if got := unix.ByteSliceToString(u.Nodename[:]); got != "w101" {
		t.Errorf("host name %q, want w101", got)
	}
	if b, _ := os.ReadFile(filepath.Join(l.root, "etc/hostname")); string(b) != "w101\n" {
		t.Errorf("/etc/hostname %q, want w101", b)
	}
	l.checkFailover("192.168.1.254")
}

func TestVMLoadBalancer(t *testing.T) {
	l := newLab(t, "192.168.0.1/22", "203.0.113.1/24")
	steps, _, out := l.apply("testdata/lb.conf")
	t.Logf("applied %d steps:\n%s", len(steps), out)
	mustContain(t, "/proc/net/bonding/bond0", l.bonding(),
		"Bonding Mode: fault-tolerance (active-backup)", "Primary Slave: eth0", "MII Polling Interval (ms): 100")
	vlans := l.exec("cat", "/proc/net/vlan/config")
	mustContain(t, "/proc/net/vlan/config", strings.Join(strings.Fields(vlans), " "), "bond0.2 | 2 | bond0")
	mustContain(t, "addresses", l.exec("ip", "-4", "-o", "addr"), "bond0    inet 192.168.0.11/22", "bond0.2    inet 203.0.113.11/24")
	mustContain(t, "routes", l.exec("ip", "-4", "route", "show", "default"), "default via 203.0.113.1 dev bond0.2 proto 213 metric 1")
	l.checkFailover("203.0.113.1")
	l.checkAdminDown("203.0.113.1", "testdata/lb.conf")
	if !l.ping("192.168.0.1") {
		t.Error("untagged side unreachable after fail-back")
	}
}

// TestVMEdit changes the file between runs: only the difference is applied.
func TestVMEdit(t *testing.T) {
	l := newLab(t, "192.168.0.1/22", "203.0.113.1/24")
	l.apply("testdata/lb.conf")
	src, err := os.ReadFile("testdata/lb.conf")
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.NewReplacer("miimon=100", "arp_interval=100 arp_ip_target=192.168.0.1",
		"203.0.113.11/24", "203.0.113.12/24").Replace(string(src))
	path := filepath.Join(t.TempDir(), "lb.conf")
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	// keepalived's VIP on the same VLAN: not dsas-init's, so it stays.
	l.exec("ip", "addr", "add", "203.0.113.100/32", "dev", "bond0.2")
	steps, _, out := l.apply(path)
	mustContain(t, "bond0.2 addresses", l.exec("ip", "-4", "-o", "addr", "show", "dev", "bond0.2"), "inet 203.0.113.12/24", "inet 203.0.113.100/32")
	want := "set bond bond0 arp_interval 100 arp_ip_target 192.168.0.1\n" +
		"delete address 203.0.113.11/24 from bond0.2\nadd address 203.0.113.12/24 to bond0.2\n" +
		"route 0.0.0.0/0 via 203.0.113.1 dev bond0.2 metric 1\n"
	if out != want {
		t.Errorf("applied %d steps:\n%s\nwant:\n%s", len(steps), out, want)
	}
	mustContain(t, "/proc/net/bonding/bond0", l.bonding(), "ARP Polling Interval (ms): 100", "ARP IP target/s (n.n.n.n form): 192.168.0.1")
	waitFor(t, "ping over ARP-monitored bond", func() bool { return l.ping("203.0.113.1") })
}

func load(t *testing.T, path string) *host.Config {
	t.Helper()
	f, err := conf.ReadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := host.FromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestVMModeAndPrimary edits the bond itself: a new primary is set on the
// live bond, a mode change takes it down and back up (the kernel insists),
// and the way back restores the seed's bond. Each edit is followed by an
// empty re-plan and a working ping.
func TestVMModeAndPrimary(t *testing.T) {
	l := newLab(t, "192.168.1.254/22", "")
	src, err := os.ReadFile("testdata/seed.conf")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	edit := func(name, modules string) string {
		s := strings.Replace(string(src), `MODULES=("bond0 arp_ip_target=$LVSADDRESS,$LLSADDRESS")`, modules, 1)
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	l.apply("testdata/seed.conf")
	waitFor(t, "ping", func() bool { return l.ping("192.168.1.254") })

	_, _, out := l.apply(edit("primary.conf", `MODULES=("bond0 primary=eth1")`))
	if out != "set bond bond0 primary eth1\n" {
		t.Errorf("primary edit applied:\n%s", out)
	}
	waitFor(t, "eth1 active", func() bool { return l.active() == "eth1" })
	mustContain(t, "/proc/net/bonding/bond0", l.bonding(), "Primary Slave: eth1")

	_, _, out = l.apply(edit("rr.conf", `MODULES=("bond0 mode=balance-rr")`))
	t.Logf("mode edit applied:\n%s", out)
	mustContain(t, "/proc/net/bonding/bond0", l.bonding(), "Bonding Mode: load balancing (round-robin)", "Slave Interface: eth0", "Slave Interface: eth1")
	mustContain(t, "routes", l.exec("ip", "-4", "route", "show", "default"), "default via 192.168.1.254 dev bond0 proto 213")
	waitFor(t, "ping over round-robin", func() bool { return l.ping("192.168.1.254") })

	_, _, out = l.apply("testdata/seed.conf")
	t.Logf("back to the seed:\n%s", out)
	mustContain(t, "/proc/net/bonding/bond0", l.bonding(), "Bonding Mode: fault-tolerance (active-backup)", "Primary Slave: eth0", "MII Polling Interval (ms): 100")
	waitFor(t, "eth0 active", func() bool { return l.active() == "eth0" })
	waitFor(t, "ping", func() bool { return l.ping("192.168.1.254") })
}

// TestVMCommand runs the dsas-init command itself (this binary, re-executed
// in the host namespace) on the LB file: plan, apply, apply again (prints
// nothing), status (0: in sync).
func TestVMCommand(t *testing.T) {
	if os.Getenv("DSAS_CLI_CHILD") == "1" {
		os.Exit(cli.Run(strings.Fields(os.Getenv("DSAS_CLI_ARGS")), os.Stdout, os.Stderr))
	}
	l := newLab(t, "192.168.0.1/22", "203.0.113.1/24")
	dsasInit := func(args ...string) (code int, stdout, stderr string) {
		cmd := l.host.Command(os.Args[0], "-test.run=^TestVMCommand$")
		cmd.Env = append(os.Environ(), "DSAS_CLI_CHILD=1",
			"DSAS_CLI_ARGS=-c testdata/lb.conf --root "+l.root+" "+strings.Join(args, " "))
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, o.String(), e.String()
	}
	golden, err := os.ReadFile("testdata/lb.plan")
	if err != nil {
		t.Fatal(err)
	}
	// The VM has no disks: the mount and swap lines become notes.
	want := strings.Replace(string(golden), "mount /dev/sda1 on /boot\nswap on /dev/sda2\n", "", 1)
	for _, step := range []struct {
		args       string
		code       int
		out, notes string
	}{
		{"plan", 0, want, "dsas-init: note: BTDEVICE=/dev/sda1: no such device; skipped\n"},
		{"--dry-run", 0, want, ""},
		{"status", 3, want, ""},
		{"apply", 0, want, ""},
		{"apply", 0, "", ""},
		{"status", 0, "", ""},
		{"-q plan", 0, "", ""},
	} {
		code, out, errs := dsasInit(strings.Fields(step.args)...)
		if code != step.code || out != step.out || !strings.Contains(errs, step.notes) {
			t.Fatalf("dsas-init %s: exit %d (want %d)\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", step.args, code, step.code, out, step.out, errs)
		}
	}
	waitFor(t, "ping over bond0.2", func() bool { return l.ping("203.0.113.1") })
}

// TestVMModules loads kernel modules named in MODULES, as modprobe would:
// 8021q after the modules it depends on, dummy with a parameter. It needs
// the VM's initial namespace (dummy makes its links there) and unloads
// the modules first.
func TestVMModules(t *testing.T) {
	netns.SkipUnlessRoot(t)
	if _, err := os.Stat("/etc/vm-modules"); err != nil {
		t.Skip("not the test VM: this test unloads modules")
	}
	for _, m := range []string{"dummy", "8021q", "mrp", "garp"} {
		// Earlier tests' namespaces, and their links, go away
		// asynchronously: retry until the module is free.
		waitFor(t, "rmmod "+m, func() bool {
			err := unix.DeleteModule(m, unix.O_NONBLOCK)
			return err == nil || err == unix.ENOENT
		})
	}
	t.Cleanup(func() {
		for _, d := range []string{"dummy0", "dummy1"} {
			_ = exec.Command("ip", "link", "del", d).Run()
		}
	})
	// The address goes on a NIC that the dummy driver makes: the command
	// must load drivers before it waits for NICs and plans links.
	// numdummies comes from modprobe.d, as modprobe would pass it.
	path := filepath.Join(t.TempDir(), "dsas.conf")
	if err := os.WriteFile(path, []byte("SYSTEMNAME=w104\nMODULES=(8021q dummy)\nINTERFACE0=dummy0\nIPADDRESS0=10.4.0.1/24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/modprobe.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/modprobe.d/dummy.conf"), []byte("options dummy numdummies=2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := strings.Fields("-c " + path + " --root " + root + " --wait 30s")
	var out, errs bytes.Buffer
	if code := cli.Run(append(args, "apply"), &out, &errs); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errs.String())
	}
	want := "load module 8021q\nload module dummy\nset host name w104\nwrite /etc/hostname: w104\n" +
		"set link dummy0 up\nadd address 10.4.0.1/24 to dummy0\n"
	if out.String() != want {
		t.Errorf("applied:\n%s\nwant:\n%s", out.String(), want)
	}
	for _, p := range []string{"/sys/module/8021q", "/sys/module/garp", "/sys/module/mrp", "/sys/class/net/dummy0", "/sys/class/net/dummy1"} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("after loading: %v", err)
		}
	}
	out.Reset()
	if code := cli.Run(append(args, "apply"), &out, &errs); code != 0 || out.Len() != 0 {
		t.Errorf("second apply: exit %d\n%s%s", code, out.String(), errs.String())
	}
}

// TestVMModuleAutoload covers a boot where bonding is a module that is not
// loaded yet. The first bond request makes the kernel load it, and the
// module then creates bond0 (max_bonds=1, in balance-rr) in the initial
// namespace on its own. dsas-init must take that bond0 over, not fail to
// create it. This test therefore works in the VM's initial namespace,
// with uniquely named slaves, and runs last: it unloads bonding.
func TestVMModuleAutoload(t *testing.T) {
	netns.SkipUnlessRoot(t)
	if _, err := os.Stat("/etc/vm-modules"); err != nil {
		t.Skip("not the test VM: this test unloads bonding")
	}
	// The VM's modules.dep is trimmed and has no aliases: tell busybox
	// modprobe what the kernel's request for "rtnl-link-bond" means, as
	// kmod's modules.alias does on a real system.
	if err := os.MkdirAll("/etc/modprobe.d", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("/etc/modprobe.d/dsas-test.conf", []byte("alias rtnl-link-bond bonding\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove("/etc/modprobe.d/dsas-test.conf") })
	// The namespaces of earlier tests, and their bonds, go away
	// asynchronously: retry until the module is free.
	waitFor(t, "rmmod bonding", func() bool { return unix.DeleteModule("bonding", unix.O_NONBLOCK) == nil })
	peer := netns.New(t, "dsasm")
	a, b := netns.Unique("dma"), netns.Unique("dmb")
	for _, pair := range [][2]string{{a, "p0"}, {b, "p1"}} {
		// The pair goes away with the peer namespace.
		if out, err := exec.Command("ip", "link", "add", pair[0], "type", "veth", "peer", "name", pair[1], "netns", peer.Name).CombinedOutput(); err != nil {
			t.Fatalf("veth: %v\n%s", err, out)
		}
	}
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", "bond0").Run() })
	path := filepath.Join(t.TempDir(), "dsas.conf")
	src := fmt.Sprintf("SYSTEMNAME=w103\nMODULES=(\"bond0 primary=%s\")\nBONDSLAVES0=\"%s %s\"\nINTERFACE0=bond0\nIPADDRESS0=192.168.7.1/24\n", a, a, b)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := apply.DialNet(0)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	h := &apply.Host{Net: n, Sys: &apply.System{Root: t.TempDir()}}
	cfg := load(t, path)
	steps, _, err := h.Plan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := h.Run(steps, &out); err != nil {
		t.Fatalf("%v\napplied so far:\n%s", err, out.String())
	}
	t.Logf("applied:\n%s", out.String())
	if again, _, err := h.Plan(cfg); err != nil || len(again) != 0 {
		t.Errorf("second plan (%v): %v", err, again)
	}
	b0, err := os.ReadFile("/proc/net/bonding/bond0")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "/proc/net/bonding/bond0", string(b0), "Bonding Mode: fault-tolerance (active-backup)", "Primary Slave: "+a, "MII Polling Interval (ms): 100")
}

// TestVMDropLinks takes bond0.2 and then bond0 out of the file: the links
// dsas-init made (alias dsas-init) are deleted, a VLAN made by hand on
// another link stays, and the freed slaves serve the new file.
func TestVMDropLinks(t *testing.T) {
	l := newLab(t, "192.168.0.1/22", "203.0.113.1/24")
	l.apply("testdata/lb.conf")
	mustContain(t, "ip -d link show bond0", l.exec("ip", "-d", "link", "show", "bond0"), "alias "+plan.OwnerAlias)
	l.exec("ip", "link", "add", "link", "eth1", "name", "eth1.9", "type", "vlan", "id", "9")
	src, err := os.ReadFile("testdata/lb.conf")
	if err != nil {
		t.Fatal(err)
	}
	noVLAN := strings.NewReplacer("INTERFACE1=bond0.2\n", "", "IPADDRESS1=203.0.113.11/24\n", "", "GATEWAY[1]=203.0.113.1\n", "").Replace(string(src))
	path := filepath.Join(t.TempDir(), "novlan.conf")
	if err := os.WriteFile(path, []byte(noVLAN), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, out := l.apply(path)
	if !strings.HasPrefix(out, "delete link bond0.2\n") {
		t.Errorf("applied:\n%s\nwant it to start with delete link bond0.2", out)
	}
	vlans := strings.Join(strings.Fields(l.exec("cat", "/proc/net/vlan/config")), " ")
	if strings.Contains(vlans, "bond0.2") || !strings.Contains(vlans, "eth1.9 | 9 | eth1") {
		t.Errorf("/proc/net/vlan/config: %s", vlans)
	}
	if !l.ping("192.168.0.1") {
		t.Error("untagged side unreachable after dropping the VLAN")
	}

	noBond := "SYSTEMNAME=lvs01\nINTERFACE0=eth0\nIPADDRESS0=192.168.0.11/22\n"
	path = filepath.Join(t.TempDir(), "nobond.conf")
	if err := os.WriteFile(path, []byte(noBond), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, out = l.apply(path)
	if !strings.HasPrefix(out, "delete link bond0\n") {
		t.Errorf("applied:\n%s\nwant it to start with delete link bond0", out)
	}
	links := l.exec("ip", "-o", "link", "show")
	if strings.Contains(links, "bond0") || !strings.Contains(links, "eth1.9@eth1") {
		t.Errorf("links after dropping the bond:\n%s", links)
	}
	waitFor(t, "ping over eth0 alone", func() bool { return l.ping("192.168.0.1") })
}
