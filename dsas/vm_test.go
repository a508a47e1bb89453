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
	"strings"
	"testing"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/dsas/apply"
	"github.com/dsas/keepalived-go/dsas/conf"
	"github.com/dsas/keepalived-go/dsas/host"
	"github.com/dsas/keepalived-go/dsas/internal/netnstest"
	"github.com/dsas/keepalived-go/dsas/plan"
)

type lab struct {
	t          *testing.T
	host, peer string // named namespaces, for ip netns exec
	hostFD     int
	peerC      *rtnetlink.Conn
	root       string // scratch root for /etc/hostname, kept across applies
}

func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func namedNS(t *testing.T, name string) int {
	t.Helper()
	sh(t, "ip", "netns", "add", name)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
	fd, err := unix.Open("/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// newLab builds the two namespaces. The peer namespace bridges the peers of
// eth0 and eth1 on br0, which carries routerAddrs; vlanAddrs go on br0.2.
func newLab(t *testing.T, routerAddr, vlanAddr string) *lab {
	id := fmt.Sprintf("%d-%s", os.Getpid(), strings.ToLower(t.Name()))
	l := &lab{t: t, host: "dsash-" + id, peer: "dsasp-" + id, root: t.TempDir()}
	l.hostFD = namedNS(t, l.host)
	peerFD := namedNS(t, l.peer)
	hc := netnstest.Dial(t, l.hostFD)
	l.peerC = netnstest.Dial(t, peerFD)
	netnstest.Veth(t, hc, "eth0", "p0", peerFD)
	netnstest.Veth(t, hc, "eth1", "p1", peerFD)
	ipP := func(args ...string) { sh(t, "ip", append([]string{"-n", l.peer}, args...)...) }
	ipP("link", "add", "br0", "type", "bridge")
	ipP("link", "set", "p0", "master", "br0")
	ipP("link", "set", "p1", "master", "br0")
	for _, d := range []string{"p0", "p1", "br0"} {
		ipP("link", "set", d, "up")
	}
	ipP("addr", "add", routerAddr, "dev", "br0")
	if vlanAddr != "" {
		ipP("link", "add", "link", "br0", "name", "br0.2", "type", "vlan", "id", "2")
		ipP("link", "set", "br0.2", "up")
		ipP("addr", "add", vlanAddr, "dev", "br0.2")
	}
	return l
}

func (l *lab) exec(args ...string) string {
	return sh(l.t, "ip", append([]string{"netns", "exec", l.host}, args...)...)
}

func (l *lab) apply(path string) (steps []plan.Step, out string) {
	l.t.Helper()
	n, err := apply.DialNet(l.hostFD)
	if err != nil {
		l.t.Fatal(err)
	}
	defer n.Close()
	h := &apply.Host{Net: n, Sys: &apply.System{Root: l.root}}
	cfg := load(l.t, path)
	steps, _, err = h.Plan(cfg)
	if err != nil {
		l.t.Fatal(err)
	}
	var b bytes.Buffer
	if err := h.Run(steps, &b); err != nil {
		l.t.Fatalf("%v\napplied so far:\n%s", err, b.String())
	}
	// Idempotence: the next plan, against the real kernel, is empty.
	again, _, err := h.Plan(cfg)
	if err != nil {
		l.t.Fatal(err)
	}
	if len(again) != 0 {
		l.t.Errorf("second plan is not empty:\n%v", again)
	}
	return steps, b.String()
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
	err := exec.Command("ip", "netns", "exec", l.host, "ping", "-c", "1", "-W", "3", addr).Run()
	return err == nil
}

func (l *lab) bonding() string { return l.exec("cat", "/proc/net/bonding/bond0") }

func (l *lab) setPeer(name string, up bool) {
	msgs, err := l.peerC.Link.List()
	if err != nil {
		l.t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Attributes.Name == name {
			var f uint32
			if up {
				f = unix.IFF_UP
			}
			if err := l.peerC.Link.Set(&rtnetlink.LinkMessage{Family: unix.AF_UNSPEC, Index: m.Index, Flags: f, Change: unix.IFF_UP}); err != nil {
				l.t.Fatal(err)
			}
			return
		}
	}
	l.t.Fatalf("no link %s in peer namespace", name)
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s: missing %q in:\n%s", what, w, text)
		}
	}
}

// checkFailover takes the active slave's carrier away from the peer side
// and checks that the bond moves to eth1 while the router keeps answering.
func (l *lab) checkFailover(router string) {
	t := l.t
	waitFor(t, "ping "+router+" through eth0", func() bool { return l.ping(router) })
	l.setPeer("p0", false)
	waitFor(t, "failover to eth1", func() bool {
		return strings.Contains(l.bonding(), "Currently Active Slave: eth1")
	})
	waitFor(t, "ping "+router+" through eth1", func() bool { return l.ping(router) })
	// The primary takes over again once its carrier is back.
	l.setPeer("p0", true)
	waitFor(t, "fail back to eth0", func() bool {
		return strings.Contains(l.bonding(), "Currently Active Slave: eth0")
	})
}

func TestVMSeed(t *testing.T) {
	l := newLab(t, "192.168.1.254/22", "")
	steps, out := l.apply("testdata/seed.conf")
	t.Logf("applied %d steps:\n%s", len(steps), out)
	mustContain(t, "/proc/net/bonding/bond0", l.bonding(),
		"Bonding Mode: fault-tolerance (active-backup)", "Primary Slave: eth0",
		"MII Polling Interval (ms): 100", "Slave Interface: eth0", "Slave Interface: eth1")
	mustContain(t, "addresses", l.exec("ip", "-4", "-o", "addr", "show", "dev", "bond0"), "inet 192.168.1.1/22")
	mustContain(t, "routes", l.exec("ip", "-4", "route", "show", "default"), "default via 192.168.1.254 dev bond0")
	var u unix.Utsname
	_ = unix.Uname(&u)
	if got := unix.ByteSliceToString(u.Nodename[:]); got != "w101" {
		t.Errorf("host name %q, want w101", got)
	}
	l.checkFailover("192.168.1.254")
}

func TestVMLoadBalancer(t *testing.T) {
	l := newLab(t, "192.168.0.1/22", "203.0.113.1/24")
	steps, out := l.apply("testdata/lb.conf")
	t.Logf("applied %d steps:\n%s", len(steps), out)
	mustContain(t, "/proc/net/bonding/bond0", l.bonding(),
		"Bonding Mode: fault-tolerance (active-backup)", "Primary Slave: eth0", "MII Polling Interval (ms): 100")
	vlans := l.exec("cat", "/proc/net/vlan/config")
	mustContain(t, "/proc/net/vlan/config", strings.Join(strings.Fields(vlans), " "), "bond0.2 | 2 | bond0")
	mustContain(t, "addresses", l.exec("ip", "-4", "-o", "addr"), "bond0    inet 192.168.0.11/22", "bond0.2    inet 203.0.113.11/24")
	mustContain(t, "routes", l.exec("ip", "-4", "route", "show", "default"), "default via 203.0.113.1 dev bond0.2 metric 1")
	l.checkFailover("203.0.113.1")
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
	steps, out := l.apply(path)
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
