//go:build !vmtest

package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/control"
	"github.com/dsas/keepalived-go/internal/lab"
)

var bgpVIP = netip.MustParsePrefix("192.0.2.10/32")

// bgpDirectorConf is one director of an anycast VIP: a VRRP instance of
// its own (no peer, so it goes MASTER) whose health is a track_file, and a
// bgp_speaker announcing the instance's VIP to the upstream router while
// the instance is MASTER, i.e. while the director holds the VIP.
func bgpDirectorConf(h, upstream *lab.Host, vrid int, asn uint32, health string, drain string) string {
	return fmt.Sprintf(`global_defs {
  router_id director%[1]d
}
track_file health {
  file %[2]s
  weight 0
}
vrrp_instance VI_1 {
  interface %[3]s
  virtual_router_id %[1]d
  priority 100
  advert_int 1
  track_file {
    health
  }
  virtual_ipaddress {
    %[4]s
  }
}
bgp_speaker {
  local_as %[5]d
  router_id %[6]s
  med 10
  community 65000:%[1]d
  drain_time %[7]s
  neighbor %[8]s remote_as 65000 hold_time 3
  announce_vrrp_instance VI_1 master
}
`, vrid, health, lab.Link, bgpVIP, asn, h.IPv4.Addr(), drain, upstream.IPv4.Addr())
}

// TestBGPAnycastDirectors: FRR (zebra + bgpd, maximum-paths 8) is the
// upstream router of two keepalived-go directors announcing the same VIP.
// The router holds one path per healthy director; a director whose VRRP
// instance goes FAULT (track_file), one killed with SIGKILL or cut off from the router (the router's hold timer,
// 3 s) and one stopped with SIGTERM (graceful drain) each lose their path. Times are logged, not asserted.
func TestBGPAnycastDirectors(t *testing.T) {
	useBGPHelper(t)
	lab.NeedFRRBGP(t)
	l := lab.New(t, 4)
	up, h2, h3, client := l.Host(1), l.Host(2), l.Host(3), l.Host(4)
	start := time.Now()
	r := lab.StartBGPRouter(t, up, 65000, []netip.Addr{h2.IPv4.Addr(), h3.IPv4.Addr()})
	dir := t.TempDir()
	health := func(h *lab.Host) string { return filepath.Join(dir, fmt.Sprintf("health%d", h.N)) }
	setHealth := func(h *lab.Host, v string) {
		if err := os.WriteFile(health(h), []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setHealth(h2, "0")
	setHealth(h3, "0")
	d2 := startBFDDaemon(t, h2, "", bgpDirectorConf(h2, up, 2, 65002, health(h2), "1"), "--metrics-listen", "127.0.0.1:9650")
	d3 := startBFDDaemon(t, h3, "", bgpDirectorConf(h3, up, 3, 65003, health(h3), "0"))
	both := []string{h2.IPv4.Addr().String(), h3.IPv4.Addr().String()}
	paths := func() []string { return r.Paths(t, bgpVIP) }
	has := func(want ...string) func() bool {
		return func() bool { return slices.Equal(paths(), want) }
	}
	wait := func(what string, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > 20*time.Second {
				out, _ := r.Vtysh("show bgp ipv4 unicast " + bgpVIP.String() + " json")
				t.Fatalf("%s: not after 20 s; router paths %v\n%s\nbgpd:\n%s\nh2:\n%s\nh3:\n%s", what, paths(), out, r.BGPD.Output(), d2.proc.Output(), d3.proc.Output())
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(start)
	}
	wait("one path per director", has(both...))
	t.Logf("router holds both paths %v after start", time.Since(start).Round(time.Millisecond))
	if out, _ := r.Vtysh("show bgp ipv4 unicast " + bgpVIP.String() + " json"); !strings.Contains(out, `"metric":10`) || !strings.Contains(out, "65000:2") {
		t.Errorf("MED or community missing from the router's paths:\n%s", out)
	}
	wait("the VIP on both directors", func() bool { return d2.hasAddr(bgpVIP.Addr()) && d3.hasAddr(bgpVIP.Addr()) })
	spreadFlows(t, up, client, h2, h3)
	m := scrape(t, h2, "127.0.0.1:9650")
	for _, s := range []string{
		fmt.Sprintf(`keepalived_bgp_neighbor_up{neighbor="%s",remote_as="65000"} 1`, up.IPv4.Addr()),
		`keepalived_bgp_prefix_announced{prefix="192.0.2.10/32"} 1`,
	} {
		if !strings.Contains(m, s) {
			t.Errorf("metrics lack %s:\n%s", s, m)
		}
	}

	// Service failure: the track_file puts h2's instance in FAULT.
	setHealth(h2, "1")
	d := wait("h2's path withdrawn after FAULT", has(both[1]))
	t.Logf("h2 FAULT (track_file): router down to one path after %v", d.Round(time.Millisecond))
	setHealth(h2, "0")
	d = wait("h2's path back", has(both...))
	t.Logf("h2 healthy again: path back after %v", d.Round(time.Millisecond))

	// A director cut off: nothing closes the session, the router's hold
	// timer (3 s) removes the path.
	if err := h3.Cut(); err != nil {
		t.Fatal(err)
	}
	d = wait("h3's path withdrawn after its link was cut", has(both[0]))
	t.Logf("h3 link cut: router down to one path after %v (hold time 3 s)", d.Round(time.Millisecond))
	if err := h3.Heal(); err != nil {
		t.Fatal(err)
	}
	d = wait("h3's path back", has(both...))
	t.Logf("h3 link back: path back after %v", d.Round(time.Millisecond))

	// A director that dies: its kernel closes the TCP session, the router
	// drops the path without waiting for the hold timer.
	if err := d3.proc.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	d = wait("h3's path withdrawn after SIGKILL", has(both[0]))
	t.Logf("h3 killed: router down to one path after %v", d.Round(time.Millisecond))

	// Graceful stop with drain_time 1: the path goes at once, the daemon a
	// second later.
	stopped := time.Now()
	d2.signal(syscall.SIGTERM)
	d = wait("h2's path withdrawn after SIGTERM", func() bool { return len(paths()) == 0 })
	if exited, _ := d2.proc.Wait(time.Millisecond); exited {
		t.Errorf("h2 exited before its path was withdrawn")
	}
	t.Logf("h2 SIGTERM: path withdrawn after %v", d.Round(time.Millisecond))
	// The drain is over when the sessions close. (Not the process exit:
	// the daemon's VRRP stop can deadlock with its netlink watcher on
	// the VIP's removal, which is not this test's subject.)
	d2.waitFor("h2's sessions closed after the drain", func() bool { return d2.logged("BGP speaker stopped") })
	t.Logf("h2 closed its BGP sessions %v after SIGTERM (drain_time 1 s)", time.Since(stopped).Round(time.Millisecond))
	if !d2.logged("BGP draining") || !d2.logged("BGP withdrawing 192.0.2.10/32") {
		t.Errorf("no drain in h2's log:\n%s", d2.proc.Output())
	}
}

// TestBGPBFDWithdraw: BFD towards the router. FRR's bgpd ties its session
// with the director to a BFD session (bfdd, 50 ms x 3), which the director
// answers from a bfd_instance naming the router. A director cut off from
// the router then loses its path within the BFD detection time, not the
// BGP hold time (2.2-2.4 s at hold 3 s, TestBGPAnycastDirectors). Times are
// logged, not asserted.
func TestBGPBFDWithdraw(t *testing.T) {
	useBGPHelper(t)
	lab.NeedFRRBGP(t)
	lab.NeedBFDD(t)
	l := lab.New(t, 2)
	up, h2 := l.Host(1), l.Host(2)
	r := lab.StartBGPRouterBFD(t, up, 65000, []netip.Addr{h2.IPv4.Addr()}, 50)
	health := filepath.Join(t.TempDir(), "health")
	if err := os.WriteFile(health, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := bgpDirectorConf(h2, up, 2, 65002, health, "0") + fmt.Sprintf(`bfd_instance ROUTER {
  neighbor_ip %s
  min_rx 50
  min_tx 50
  multiplier 3
}
`, up.IPv4.Addr())
	d2 := startBFDDaemon(t, h2, "", conf)
	me := h2.IPv4.Addr().String()
	wait := func(what string, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > 30*time.Second {
				out, _ := r.Vtysh("show bfd peers json")
				t.Fatalf("%s: not after 30 s; router paths %v\nbfd peers: %s\nbgpd:\n%s\nbfdd:\n%s\nh2:\n%s", what, r.Paths(t, bgpVIP), out, r.BGPD.Output(), r.BFDD.Output(), d2.proc.Output())
			}
			time.Sleep(5 * time.Millisecond)
		}
		return time.Since(start)
	}
	wait("the director's path", func() bool { return slices.Equal(r.Paths(t, bgpVIP), []string{me}) })
	wait("the router's BFD session with the director up", func() bool {
		out, _ := r.Vtysh("show bfd peers json")
		return strings.Contains(out, `"peer":"`+me+`"`) && strings.Contains(out, `"status":"up"`)
	})
	if err := h2.Cut(); err != nil {
		t.Fatal(err)
	}
	d := wait("the path withdrawn after the director's link was cut", func() bool { return len(r.Paths(t, bgpVIP)) == 0 })
	t.Logf("director cut off: router withdrew its path after %v (BFD 50 ms x 3; hold time 3 s)", d.Round(time.Millisecond))
	if err := h2.Heal(); err != nil {
		t.Fatal(err)
	}
	d = wait("the path back", func() bool { return slices.Equal(r.Paths(t, bgpVIP), []string{me}) })
	t.Logf("link back: path back after %v", d.Round(time.Millisecond))
}

// docExample returns docs/bgp.md's keepalived-bgp-example block with the
// placeholders replaced.
func docExample(t *testing.T, vars map[string]string) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/bgp.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```keepalived-bgp-example\n")
	body, _, ok2 := strings.Cut(rest, "\n```")
	if !ok || !ok2 {
		t.Fatal("docs/bgp.md has no keepalived-bgp-example block")
	}
	for k, v := range vars {
		body = strings.ReplaceAll(body, k, v)
	}
	if i := strings.Index(body, "@"); i >= 0 {
		t.Fatalf("placeholder left in the example: %q", body[i:min(len(body), i+20)])
	}
	return body + "\n"
}

// TestBGPDocExample runs docs/bgp.md's worked example as is on a director
// whose only interfaces are lo and eth0, against FRR: the router installs
// the VIP through the director, a reload with the same file leaves it
// alone, one with another VIP moves it, and SIGTERM withdraws it before
// the sessions close (drain_time 2).
func TestBGPDocExample(t *testing.T) {
	useBGPHelper(t)
	lab.NeedFRRBGP(t)
	l := lab.New(t, 2)
	up, h := l.Host(1), l.Host(2)
	// The example names eth0: the lab link is renamed, addresses stay.
	h.NS.MustRun(t, "ip", "link", "set", lab.Link, "down")
	h.NS.MustRun(t, "ip", "link", "set", lab.Link, "name", "eth0")
	h.NS.MustRun(t, "ip", "link", "set", "eth0", "up")
	vip := netip.MustParsePrefix("198.51.100.7/32")
	conf := docExample(t, map[string]string{
		"@ROUTER_IP@": up.IPv4.Addr().String(), "@LOCAL_IP@": h.IPv4.Addr().String(),
		"@VIP@": vip.Addr().String(), "@ASN@": "65010", "@ROUTER_ASN@": "65000",
	})
	start := time.Now()
	r := lab.StartBGPRouter(t, up, 65000, []netip.Addr{h.IPv4.Addr()})
	ctl := filepath.Join(t.TempDir(), "ctl.sock")
	d := startBFDDaemon(t, h, "", conf, "--control-socket", ctl)
	want := []string{h.IPv4.Addr().String()}
	until(t, "the example's VIP routed through the director", 30*time.Second, func() bool { return slices.Equal(r.Paths(t, vip), want) })
	t.Logf("example: VIP installed on the router %v after start", time.Since(start).Round(time.Millisecond))
	st, err := control.NewClient(ctl).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b := st.BGP; b == nil || len(b.Neighbors) != 1 || b.Neighbors[0].State != "established" || !slices.Equal(b.Announced, []string{vip.String()}) {
		t.Errorf("keepalivectl status: BGP %+v", st.BGP)
	}

	// A reload with the same file must not touch the announcement; one
	// with another VIP moves it.
	d.signal(syscall.SIGHUP)
	d.waitFor("reload", func() bool { return d.logged("Reload complete") })
	time.Sleep(500 * time.Millisecond)
	if d.logged("BGP withdrawing") || !slices.Equal(r.Paths(t, vip), want) {
		t.Errorf("a reload with the same file disturbed the announcement:\n%s", d.proc.Output())
	}
	vip2 := netip.MustParsePrefix("198.51.100.8/32")
	d.write(strings.ReplaceAll(conf, vip.Addr().String()+"/32", vip2.Addr().String()+"/32"))
	moved := time.Now()
	d.signal(syscall.SIGHUP)
	until(t, "the new VIP routed and the old one withdrawn after a reload", 20*time.Second, func() bool {
		return slices.Equal(r.Paths(t, vip2), want) && len(r.Paths(t, vip)) == 0
	})
	t.Logf("example: reload with another VIP moved the announcement in %v", time.Since(moved).Round(time.Millisecond))
	vip = vip2
	stopped := time.Now()
	d.signal(syscall.SIGTERM)
	w := until(t, "the example's VIP withdrawn after SIGTERM", 10*time.Second, func() bool { return len(r.Paths(t, vip)) == 0 })
	if exited, _ := d.proc.Wait(time.Millisecond); exited {
		t.Errorf("the director exited before its path was withdrawn")
	}
	d.waitFor("the sessions closed after the drain", func() bool { return d.logged("BGP speaker stopped") })
	t.Logf("example: SIGTERM withdrew the VIP after %v; the sessions closed %v after SIGTERM (drain_time 2 s)",
		w.Round(time.Millisecond), time.Since(stopped).Round(time.Millisecond))
}

// spreadFlows sends 200 UDP flows (one source port each) from client to
// the VIP through the router and counts what each director receives: the
// router's ECMP (L4 hash) must use both paths. The counts are logged.
func spreadFlows(t *testing.T, router, client *lab.Host, directors ...*lab.Host) {
	t.Helper()
	router.NS.MustRun(t, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.fib_multipath_hash_policy=1",
		"net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf."+lab.Link+".send_redirects=0")
	client.NS.MustRun(t, "ip", "route", "add", bgpVIP.String(), "via", router.IPv4.Addr().String())
	const flows = 200
	counts := make([]chan int, len(directors))
	for i, d := range directors {
		var c net.PacketConn
		d.NS.MustDo(t, func() error {
			var err error
			c, err = net.ListenPacket("udp4", netip.AddrPortFrom(bgpVIP.Addr(), 9999).String())
			return err
		})
		counts[i] = make(chan int, 1)
		go func(c net.PacketConn, out chan<- int) {
			n := 0
			buf := make([]byte, 64)
			for {
				// A second of silence ends the count; it bounds no
				// assertion.
				c.SetReadDeadline(time.Now().Add(time.Second))
				if _, _, err := c.ReadFrom(buf); err != nil {
					break
				}
				n++
			}
			c.Close()
			out <- n
		}(c, counts[i])
	}
	client.NS.MustDo(t, func() error {
		for i := 0; i < flows; i++ {
			c, err := net.Dial("udp4", netip.AddrPortFrom(bgpVIP.Addr(), 9999).String())
			if err != nil {
				return err
			}
			c.Write([]byte("flow"))
			c.Close()
		}
		return nil
	})
	var got []int
	total := 0
	for i := range directors {
		n := <-counts[i]
		got = append(got, n)
		total += n
		if n == 0 {
			t.Errorf("director %s received none of %d flows: ECMP did not spread them", directors[i].IPv4.Addr(), flows)
		}
	}
	t.Logf("%d UDP flows through the router: directors received %v (%d lost)", flows, got, flows-total)
}

// TestBGPIPv6: an IPv6 VRRP instance's VIP is announced as a /128 over an
// IPv6 session and installed by the router; the instance's FAULT
// withdraws it.
func TestBGPIPv6(t *testing.T) {
	useBGPHelper(t)
	lab.NeedFRRBGP(t)
	l := lab.New(t, 2)
	up, h := l.Host(1), l.Host(2)
	vip := netip.MustParsePrefix("2001:db8::10/128")
	health := filepath.Join(t.TempDir(), "health")
	if err := os.WriteFile(health, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`global_defs {
  vrrp_version 3
}
track_file health {
  file %s
  weight 0
}
vrrp_instance V6 {
  interface %s
  virtual_router_id 61
  priority 100
  advert_int 1
  track_file {
    health
  }
  virtual_ipaddress {
    %s
  }
}
bgp_speaker {
  local_as 65020
  router_id %s
  neighbor %s remote_as 65000 hold_time 3
  announce_vrrp_instance V6 master
}
`, health, lab.Link, vip, h.IPv4.Addr(), up.IPv6.Addr())
	r := lab.StartBGPRouter(t, up, 65000, []netip.Addr{h.IPv6.Addr()})
	d := startBFDDaemon(t, h, "", conf)
	start := time.Now()
	until(t, "the /128 installed through the director", 30*time.Second, func() bool { return len(r.Paths(t, vip)) == 1 })
	out, _ := r.Vtysh("show ipv6 route " + vip.String() + " json")
	t.Logf("IPv6 VIP installed %v after start; router's route: %s", time.Since(start).Round(time.Millisecond), strings.Join(strings.Fields(out), " "))
	if err := os.WriteFile(health, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w := until(t, "the /128 withdrawn after FAULT", 20*time.Second, func() bool { return len(r.Paths(t, vip)) == 0 })
	t.Logf("IPv6 VIP withdrawn %v after the track_file FAULT", w.Round(time.Millisecond))
	if !d.logged("BGP withdrawing " + vip.String()) {
		t.Errorf("no withdraw in the log:\n%s", d.proc.Output())
	}
}
