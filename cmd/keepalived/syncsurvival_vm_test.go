//go:build vmtest

package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

// Issue 18's connection-survival measurement, in the VM (IPVS): two
// directors in front of two real servers, IPVS `mh` with direct routing,
// the client's route to the VIP standing in for the router's choice of
// director. Long-lived TCP connections run through director 1; it is lost
// (daemon killed, link down) and the route moves to director 2. With
// lvs_sync_daemon, director 2 already holds the connections (the IPVS sync
// daemon follows the VRRP instance) and every one carries on; without it,
// director 2's IPVS knows none of them and mid-stream packets are refused.
// SS_DEBUG=1 logs both directors' sync daemons, tables and logs.
const (
	ssVIP     = "10.88.9.1"
	ssClient  = "10.88.0.100"
	ssConns   = 20
	ssLinkDev = "lb0"
)

var (
	ssDirectors = []string{"10.88.0.1", "10.88.0.2"}
	ssReals     = []string{"10.88.0.11", "10.88.0.12"}
)

func ssConf(i int, syncd bool) string {
	var b strings.Builder
	b.WriteString("global_defs {\n  router_id d" + fmt.Sprint(i+1) + "\n")
	if syncd {
		b.WriteString("  lvs_sync_daemon " + ssLinkDev + " VI_SYNC\n")
	}
	fmt.Fprintf(&b, "}\nvrrp_instance VI_SYNC {\n  interface %s\n  state BACKUP\n  virtual_router_id 60\n  priority %d\n  advert_int 1\n  virtual_ipaddress {\n    10.88.0.60/24\n  }\n}\n",
		ssLinkDev, 150-50*i)
	fmt.Fprintf(&b, "virtual_server %s 80 {\n  delay_loop 2\n  lb_algo mh\n  lb_kind DR\n  protocol TCP\n", ssVIP)
	for _, r := range ssReals {
		fmt.Fprintf(&b, "  real_server %s 80 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 5\n      retry 3\n    }\n  }\n", r)
	}
	b.WriteString("}\n")
	return b.String()
}

// ssLab is the switch (a bridge in a namespace of its own) and a plug
// function that connects a new namespace to it as lb0 with addr.
func ssLab(t *testing.T) func(prefix, addr string) *netns.NS {
	sw := netns.New(t, "sssw")
	sw.MustRun(t, "ip", "link", "add", "br0", "type", "bridge")
	sw.MustRun(t, "ip", "link", "set", "br0", "up")
	port := 0
	return func(prefix, addr string) *netns.NS {
		ns := netns.New(t, prefix)
		port++
		p := fmt.Sprintf("p%d", port)
		netns.Veth(t, ns, ssLinkDev, sw, p)
		sw.MustRun(t, "ip", "link", "set", p, "master", "br0")
		sw.MustRun(t, "ip", "link", "set", p, "up")
		ns.MustRun(t, "ip", "addr", "add", addr+"/24", "dev", ssLinkDev)
		ns.MustRun(t, "ip", "link", "set", ssLinkDev, "up")
		return ns
	}
}

// ssEcho serves every connection on :80 in ns by echoing its lines.
func ssEcho(t *testing.T, ns *netns.NS) {
	var ln net.Listener
	ns.MustDo(t, func() error {
		var err error
		ln, err = net.Listen("tcp", ":80")
		return err
	})
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					if _, err := c.Write(append(sc.Bytes(), '\n')); err != nil {
						return
					}
				}
			}()
		}
	}()
}

// TestDirectorLossConnections measures how many long-lived connections
// survive the loss of the director carrying them, with and without the
// IPVS sync daemon.
func TestDirectorLossConnections(t *testing.T) {
	netns.SkipUnlessRoot(t)
	for _, syncd := range []bool{true, false} {
		name := map[bool]string{true: "lvs_sync_daemon", false: "no-sync"}[syncd]
		t.Run(name, func(t *testing.T) {
			alive, broken := ssDirectorLoss(t, syncd)
			t.Logf("%s: %d of %d connections survived the director's loss, %d broke", name, alive, ssConns, broken)
			if syncd && alive != ssConns {
				t.Errorf("with the sync daemon every connection should survive: %d of %d did", alive, ssConns)
			}
		})
	}
}

func ssDirectorLoss(t *testing.T, syncd bool) (alive, broken int) {
	plug := ssLab(t)
	client := plug("sscl", ssClient)
	for _, r := range ssReals {
		rs := plug("ssrs", r)
		rs.MustRun(t, "ip", "addr", "add", ssVIP+"/32", "dev", "lo")
		ssEcho(t, rs)
	}
	var dirs []*netns.NS
	var procs []*netns.Proc
	for i, a := range ssDirectors {
		d := plug("ssd", a)
		d.MustRun(t, "ip", "addr", "add", ssVIP+"/32", "dev", "lo")
		dir := t.TempDir()
		conf := filepath.Join(dir, "keepalived.conf")
		if err := os.WriteFile(conf, []byte(ssConf(i, syncd)), 0o644); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, d.Start(t, "env", asMainEnv+"=1", os.Args[0], "-n", "-l", "-D", "-f", conf,
			"-p", filepath.Join(dir, "k.pid"), "-r", filepath.Join(dir, "v.pid"), "-c", filepath.Join(dir, "c.pid"),
			"-b", filepath.Join(dir, "b.pid"), "--control-socket", "-"))
		dirs = append(dirs, d)
	}
	ssWait(t, "d1 MASTER with its IPVS service", procs, func() bool {
		out, _ := dirs[0].Run("ipvsadm", "-Ln")
		return strings.Contains(procs[0].Output(), "(VI_SYNC) Entering MASTER STATE") && strings.Count(string(out), "Route") == 2
	})
	client.MustRun(t, "ip", "route", "add", ssVIP+"/32", "via", ssDirectors[0])

	// The connections: each sends a line every 100 ms and reads it back.
	var ok [ssConns]atomic.Int64
	var failed [ssConns]atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(stop); wg.Wait() })
	for i := range ssConns {
		var c net.Conn
		client.MustDo(t, func() error {
			var err error
			c, err = net.DialTimeout("tcp", ssVIP+":80", 10*time.Second)
			return err
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				c.SetDeadline(time.Now().Add(3 * time.Second))
				if _, err := fmt.Fprintf(c, "ping %d\n", i); err != nil {
					failed[i].Store(true)
					return
				}
				if _, err := r.ReadString('\n'); err != nil {
					failed[i].Store(true)
					return
				}
				ok[i].Add(1)
			}
		}()
	}
	ssWait(t, "every connection echoing", procs, func() bool {
		for i := range ssConns {
			if ok[i].Load() < 10 {
				return false
			}
		}
		return true
	})
	time.Sleep(2 * time.Second) // the sync daemon sends in batches
	if syncd {
		out, _ := dirs[1].Run("ipvsadm", "-Lnc")
		t.Logf("d2's connection table before the loss: %d entries", strings.Count(string(out), "ESTABLISHED"))
		if os.Getenv("SS_DEBUG") != "" {
			for i, d := range dirs {
				dm, _ := d.Run("ipvsadm", "-L", "--daemon")
				c, _ := d.Run("ipvsadm", "-Lnc")
				t.Logf("d%d daemons:\n%s\nconns:\n%s\nlog:\n%s", i+1, dm, c, procs[i].Output())
			}
		}
	}

	// Director 1 is lost; the route moves to director 2.
	procs[0].Signal(syscall.SIGKILL)
	dirs[0].MustRun(t, "ip", "link", "set", ssLinkDev, "down")
	client.MustRun(t, "ip", "route", "replace", ssVIP+"/32", "via", ssDirectors[1])
	var before [ssConns]int64
	for i := range ssConns {
		before[i] = ok[i].Load()
	}
	time.Sleep(5 * time.Second)
	for i := range ssConns {
		if !failed[i].Load() && ok[i].Load() > before[i]+5 {
			alive++
		} else {
			broken++
		}
	}
	return alive, broken
}

func ssWait(t *testing.T, what string, procs []*netns.Proc, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(90 * time.Second); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s never happened\nd1:\n%s\nd2:\n%s", what, procs[0].Output(), procs[1].Output())
		}
	}
}
