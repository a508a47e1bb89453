//go:build !vmtest

package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
)

// bfdConf is a VRRP instance that tracks (weight 0) a BFD session to the
// upstream router.
func bfdConf(h, upstream *lab.Host, prio int) string {
	return fmt.Sprintf(`global_defs {
  vrrp_version 3
}
bfd_instance UPLINK {
  neighbor_ip %s
  source_ip %s
  min_rx 50
  min_tx 50
  multiplier 3
}
vrrp_instance VI_1 {
  interface %s
  virtual_router_id 77
  priority %d
  advert_int 0.5
  virtual_ipaddress {
    %s/24
  }
  track_bfd {
    UPLINK
  }
}
`, upstream.IPv4.Addr(), h.IPv4.Addr(), lab.Link, prio, vip1)
}

// startBFDDaemon starts keepalived-go (bin "") or another keepalived binary
// with every child it would run, BFD included.
func startBFDDaemon(t *testing.T, h *lab.Host, bin, config string, extra ...string) *router {
	t.Helper()
	dir := t.TempDir()
	r := &router{t: t, h: h, dir: dir, conf: filepath.Join(dir, "keepalived.conf")}
	r.write(config)
	argv := []string{"env", asMainEnv + "=1", os.Args[0]}
	if bin != "" {
		argv = []string{bin}
	}
	pid := func(n string) string { return filepath.Join(dir, n+".pid") }
	argv = append(argv, "-n", "-l", "-D", "-G", "-f", r.conf,
		"-p", pid("keepalived"), "-r", pid("vrrp"), "-c", pid("checkers"), "-b", pid("bfd"))
	argv = append(argv, extra...)
	r.proc = h.Start(t, argv...)
	return r
}

// until polls cond every 5 ms and returns how long it took; the limit
// only bounds a broken run.
func until(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not after %v", what, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// TestDaemonTrackBFDFailover: the master tracks a BFD session to an
// upstream router running FRR's bfdd; dropping BFD from the router to the
// master (VRRP keeps flowing) faults the master and the backup takes
// over; when BFD flows again the master takes back over. A reload with an
// unchanged file keeps the session Up. The same lab then runs keepalived
// 2.2.7 for the numbers side by side (logged, not asserted).
func TestDaemonTrackBFDFailover(t *testing.T) {
	lab.NeedBFDD(t)
	impls := []struct{ name, bin string }{{"keepalived-go", ""}}
	if out, err := os.ReadFile("/usr/sbin/keepalived"); err == nil && !strings.Contains(string(out), "keepalived-go") {
		impls = append(impls, struct{ name, bin string }{"keepalived 2.2.7", "/usr/sbin/keepalived"})
	}
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) { trackBFDFailover(t, impl.bin) })
	}
}

func trackBFDFailover(t *testing.T, bin string) {
	l := lab.New(t, 3)
	h1, h2, up := l.Host(1), l.Host(2), l.Host(3)
	f := lab.StartBFDD(t, up, []lab.BFDDPeer{
		{Peer: h1.IPv4.Addr(), Local: up.IPv4.Addr(), RxMs: 50, TxMs: 50, Mult: 3},
		{Peer: h2.IPv4.Addr(), Local: up.IPv4.Addr(), RxMs: 50, TxMs: 50, Mult: 3},
	})
	start := time.Now()
	var extra []string
	if bin == "" {
		extra = []string{"--metrics-listen", "127.0.0.1:9165"}
	}
	r1 := startBFDDaemon(t, h1, bin, bfdConf(h1, up, 150), extra...)
	r2 := startBFDDaemon(t, h2, bin, bfdConf(h2, up, 100))
	peerUp := func(h *lab.Host) bool { return f.Peers(t)[h.IPv4.Addr().String()].Status == "up" }
	r1.waitFor("h1 MASTER with BFD up", func() bool { return r1.state() == "MASTER" && r1.hasAddr(vip1) && peerUp(h1) })
	r2.waitFor("h2 BACKUP with BFD up", func() bool { return r2.state() == "BACKUP" && peerUp(h2) })
	t.Logf("h1 MASTER with BFD Up %v after start", time.Since(start).Round(time.Millisecond))
	if !r1.logged("(UPLINK) Entering Up state") {
		t.Errorf("no BFD Up line in the log:\n%s", r1.proc.Output())
	}

	if bin == "" {
		if _, err := os.Stat(filepath.Join(r1.dir, "bfd.pid")); err != nil {
			t.Errorf("no BFD pid file: %v", err)
		}
		if m := scrape(t, h1, "127.0.0.1:9165"); !strings.Contains(m, `keepalived_bfd_session_up{name="UPLINK"} 1`) {
			t.Errorf("metrics do not show the session Up:\n%s", m)
		}
		// A reload with the same file keeps the session: bfdd sees no
		// flap and the same discriminator.
		id := f.Peers(t)[h1.IPv4.Addr().String()].RemoteID
		downs := strings.Count(r1.proc.Output(), "(UPLINK) Entering Down")
		r1.signal(1) // SIGHUP
		r1.waitFor("reload", func() bool { return r1.logged("Reload complete") })
		time.Sleep(500 * time.Millisecond)
		p := f.Peers(t)[h1.IPv4.Addr().String()]
		if p.Status != "up" || p.RemoteID != id || strings.Count(r1.proc.Output(), "(UPLINK) Entering Down") != downs || r1.state() != "MASTER" {
			t.Errorf("reload disturbed the session: bfdd %+v (id was %d), state %s\n%s", p, id, r1.state(), r1.proc.Output())
		}
	}

	// Drop what the router sends the master.
	// Timed from when the rule is in place (nft itself takes tens of ms).
	undo := l.DropBFD(t, up.Port, "ip daddr "+h1.IPv4.Addr().String())
	fault := until(t, "h1 FAULT", 10*time.Second, func() bool { return r1.state() == "FAULT" })
	master := until(t, "h2 MASTER", 10*time.Second, func() bool { return r2.state() == "MASTER" })
	t.Logf("BFD dropped: h1 FAULT after %v, h2 MASTER after %v more (detection time 150 ms, advert_int 0.5 s)",
		fault.Round(time.Millisecond), master.Round(time.Millisecond))
	until(t, "h1 drops the VIP", 5*time.Second, func() bool { return !r1.hasAddr(vip1) })
	undo()
	back := until(t, "h1 MASTER again", 15*time.Second, func() bool { return r1.state() == "MASTER" })
	until(t, "h2 BACKUP again", 10*time.Second, func() bool { return r2.state() == "BACKUP" })
	t.Logf("BFD restored: h1 MASTER again after %v", back.Round(time.Millisecond))
	if testing.Verbose() {
		t.Logf("h1 log:\n%s", r1.proc.Output())
	}
	if m := regexp.MustCompile(`Tracked BFD instance UPLINK is DOWN`).FindString(r1.proc.Output()); m == "" {
		t.Errorf("no tracked-BFD line in the log:\n%s", r1.proc.Output())
	}
}

// scrape fetches /metrics from addr inside h's namespace. The connection
// is made on the namespace's thread (an http.Client would dial from
// another one) and then read from here.
func scrape(t *testing.T, h *lab.Host, addr string) string {
	t.Helper()
	var c net.Conn
	if err := h.Do(func() error {
		var err error
		c, err = net.DialTimeout("tcp", addr, 5*time.Second)
		return err
	}); err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n", addr)
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	return string(b)
}
