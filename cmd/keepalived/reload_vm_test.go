//go:build vmtest

package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

// The director is the VM's own namespace; the client and the real servers
// each have a namespace behind a veth. Traffic to the VIP is NATed by IPVS
// to the real servers, whose replies come back through the director.
const (
	vmVIP         = "10.77.9.1"
	vmDirClient   = "10.77.1.1"
	vmClient      = "10.77.1.2"
	vmDirReal     = "10.77.2.1"
	vmReloads     = 100
	vmServicePort = 80
)

var vmReals = []string{"10.77.2.11", "10.77.2.12", "10.77.2.13"}

// reloadDaemon runs another binary for a baseline, e.g.
// `go test -tags vmtest -exec tools/vm/run-in-vm.sh -run ReloadZeroLossIPVS
// ./cmd/keepalived -args -reload-daemon=keepalived` (the VM ships
// keepalived 2.2.7).
var reloadDaemon = flag.String("reload-daemon", "", "daemon binary for TestReloadZeroLossIPVS instead of keepalived-go")

// vmReloadConf is the LVS configuration of a variant: 0 the base file, 1
// one real server's weight changed, 2 a broken file (refused), 3 a second
// virtual server added. The reloads cycle through 0, 1, 2, 3, 0.
func vmReloadConf(variant int) string {
	if variant == 2 {
		return "virtual_server " + vmVIP + " 80 {\n  lb_kind NAT\n  real_server {\n}\n"
	}
	var b strings.Builder
	vs := func(port int, weight1 int) {
		fmt.Fprintf(&b, "virtual_server %s %d {\n  delay_loop 2\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n", vmVIP, port)
		for i, r := range vmReals {
			w := 1
			if i == 0 {
				w = weight1
			}
			// Generous checker timers: TCG runs several times slower
			// than the host and a spurious failure would take a live
			// real server out.
			fmt.Fprintf(&b, "  real_server %s 8080 {\n    weight %d\n    TCP_CHECK {\n      connect_timeout 5\n      retry 3\n      delay_before_retry 1\n    }\n  }\n", r, w)
		}
		b.WriteString("}\n")
	}
	weight1 := 1
	if variant == 1 {
		weight1 = 2
	}
	vs(vmServicePort, weight1)
	if variant == 3 {
		vs(81, 1)
	}
	return b.String()
}

// ipvsSnapshot is one `ipvsadm -Ln --stats --exact`: connection counters
// per service and per real server. A service or real server deleted and
// added again starts again from zero, so counters that never go down
// prove that nothing flapped, even between two polls (the kernel folds
// its per-CPU counters in every two seconds, so a reset shows late, but
// it shows).
type ipvsSnapshot map[string]uint64

func readIPVS() (ipvsSnapshot, string, error) {
	out, err := exec.Command("ipvsadm", "-Ln", "--stats", "--exact").CombinedOutput()
	if err != nil {
		return nil, string(out), fmt.Errorf("ipvsadm: %w", err)
	}
	snap := ipvsSnapshot{}
	svc := ""
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 3 && (f[0] == "TCP" || f[0] == "UDP"):
			svc = f[1]
			n, _ := strconv.ParseUint(f[2], 10, 64)
			snap[svc] = n
		case len(f) >= 3 && f[0] == "->" && svc != "":
			n, err := strconv.ParseUint(f[2], 10, 64)
			if err == nil {
				snap[svc+" -> "+f[1]] = n
			}
		}
	}
	return snap, string(out), nil
}

// TestReloadZeroLossIPVS sends the daemon 100 SIGHUPs while a client opens
// TCP connections through the IPVS virtual server as fast as it can. No
// connection may fail, and the table polled meanwhile must always hold the
// service and its three live real servers, their counters never going
// back (a delete and re-add would reset them).
func TestReloadZeroLossIPVS(t *testing.T) {
	netns.SkipUnlessRoot(t)
	start := time.Now()
	client, reals := netns.New(t, "rlcl"), netns.New(t, "rlrs")
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vmLink(t, client, vmDirClient, vmClient)
	vmLink(t, reals, vmDirReal, vmReals...)
	vmSh(t, "ip", "addr", "add", vmVIP+"/32", "dev", "lo")
	t.Cleanup(func() { exec.Command("ip", "addr", "del", vmVIP+"/32", "dev", "lo").Run() })

	// One listener per real server; each connection gets the server's
	// address back, then the server closes.
	var lns []net.Listener
	t.Cleanup(func() {
		for _, ln := range lns {
			ln.Close()
		}
	})
	reals.MustDo(t, func() error {
		for _, r := range vmReals {
			ln, err := net.Listen("tcp", r+":8080")
			if err != nil {
				return err
			}
			lns = append(lns, ln)
		}
		return nil
	})
	for _, ln := range lns {
		go func() {
			me := ln.Addr().(*net.TCPAddr).IP.String() + "\n"
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				io.WriteString(c, me)
				c.Close()
			}
		}()
	}

	dir := t.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	write := func(variant int) {
		t.Helper()
		if err := os.WriteFile(conf, []byte(vmReloadConf(variant)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(0)
	var out output
	argv := []string{"-n", "-l", "-D", "-G", "-C", "-f", conf,
		"-p", filepath.Join(dir, "k.pid"), "-r", filepath.Join(dir, "v.pid"), "-c", filepath.Join(dir, "c.pid")}
	// keepalived stops on a broken file, so for it that step sends the
	// running file again. Both end a reload with "Reload complete".
	finished, brokenVariant := "Reload complete", 2
	var cmd *exec.Cmd
	if *reloadDaemon != "" {
		brokenVariant = 1
		cmd = exec.Command(*reloadDaemon, argv...)
	} else {
		cmd = exec.Command(os.Args[0], append(argv, "--control-socket", "-")...)
		cmd.Env = append(os.Environ(), asMainEnv+"=1")
	}
	done := startIPVSDaemon(t, cmd, &out)
	running := func() bool {
		select {
		case err := <-done:
			done <- err
			return false
		default:
			return true
		}
	}
	service := net.JoinHostPort(vmVIP, strconv.Itoa(vmServicePort))
	complete := func(s ipvsSnapshot) bool {
		if _, ok := s[service]; !ok {
			return false
		}
		for _, r := range vmReals {
			if _, ok := s[service+" -> "+r+":8080"]; !ok {
				return false
			}
		}
		return true
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) || !running() {
				_, tab, _ := readIPVS()
				t.Fatalf("%s never happened; table:\n%s\nlog:\n%s", what, tab, out.String())
			}
		}
	}
	waitFor("service with its three real servers", func() bool {
		s, _, err := readIPVS()
		return err == nil && complete(s)
	})
	ready := time.Since(start)

	// The client: one connection after the other until told to stop.
	var stop atomic.Bool
	var conns, failures atomic.Int64
	var failMu sync.Mutex
	var firstFailures []string
	hits := map[string]int{}
	clientDone := make(chan error, 1)
	t.Cleanup(func() { stop.Store(true) }) // a failed test stops the client too
	go func() {
		clientDone <- client.Do(func() error {
			d := net.Dialer{Timeout: 10 * time.Second}
			buf := make([]byte, 64)
			for !stop.Load() {
				who, err := func() (string, error) {
					c, err := d.Dial("tcp", service)
					if err != nil {
						return "", err
					}
					defer c.Close()
					c.SetDeadline(time.Now().Add(10 * time.Second))
					n, err := io.ReadFull(c, buf[:len(vmReals[0])+1])
					if err != nil {
						return string(buf[:n]), err
					}
					return strings.TrimSpace(string(buf[:n])), nil
				}()
				conns.Add(1)
				if err != nil {
					failures.Add(1)
					failMu.Lock()
					if len(firstFailures) < 5 {
						firstFailures = append(firstFailures, fmt.Sprintf("%v (%q)", err, who))
					}
					failMu.Unlock()
					continue
				}
				failMu.Lock()
				hits[who]++
				failMu.Unlock()
			}
			return nil
		})
	}()
	waitFor("first connections through IPVS", func() bool { return conns.Load() >= 10 })

	// The table poller: every snapshot complete, no counter going back.
	var polls, gaps atomic.Int64
	var pollErr atomic.Value
	pollStop := make(chan struct{})
	pollDone := make(chan struct{})
	var stopPoll sync.Once
	t.Cleanup(func() { stopPoll.Do(func() { close(pollStop) }) })
	go func() {
		defer close(pollDone)
		var prev ipvsSnapshot
		for {
			select {
			case <-pollStop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			s, tab, err := readIPVS()
			if err != nil {
				pollErr.CompareAndSwap(nil, err.Error())
				return
			}
			polls.Add(1)
			if !complete(s) {
				gaps.Add(1)
				pollErr.CompareAndSwap(nil, "table without the service or a real server:\n"+tab)
			}
			for k, n := range prev {
				if now, ok := s[k]; ok && now < n {
					pollErr.CompareAndSwap(nil, fmt.Sprintf("%s: connection counter went back from %d to %d (deleted and re-added):\n%s", k, n, now, tab))
				}
			}
			prev = s
		}
	}()

	reloads := func() (ok, failed int) {
		o := out.String()
		return strings.Count(o, finished), strings.Count(o, "Reload failed")
	}
	var wantOK, wantFailed int
	reloadStart := time.Now()
	for i := range vmReloads {
		variant := i % 5
		switch variant {
		case 0, 4:
			write(0) // identical (0), or back to it (4)
		case 2:
			write(brokenVariant)
		default:
			write(variant)
		}
		if variant == 2 && *reloadDaemon == "" {
			wantFailed++
		} else {
			wantOK++
		}
		if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatalf("reload %d: %v", i+1, err)
		}
		ok, failed := reloads()
		waitFor(fmt.Sprintf("reload %d (had %d done, %d failed)", i+1, ok, failed), func() bool {
			ok, failed := reloads()
			return ok == wantOK && failed == wantFailed
		})
		switch variant {
		case 1:
			waitFor("weight 2", func() bool { return realWeight(ipvsTable(t), service, vmReals[0]+":8080") == "2" })
		case 3:
			waitFor("second virtual server", func() bool { return realWeight(ipvsTable(t), vmVIP+":81", vmReals[2]+":8080") == "1" })
		}
		if msg, ok := pollErr.Load().(string); ok {
			t.Fatalf("reload %d: %s\nlog:\n%s", i+1, msg, out.String())
		}
	}
	reloadTime := time.Since(reloadStart)
	// The last file added nothing: the second virtual server of variant 3
	// was removed by variant 4, and the weight is back to 1.
	waitFor("table back to the base file", func() bool {
		tab := ipvsTable(t)
		return !strings.Contains(tab, vmVIP+":81") && realWeight(tab, service, vmReals[0]+":8080") == "1"
	})
	stopPoll.Do(func() { close(pollStop) })
	<-pollDone
	stop.Store(true)
	if err := <-clientDone; err != nil {
		t.Fatal(err)
	}
	if msg, ok := pollErr.Load().(string); ok {
		t.Fatalf("%s\nlog:\n%s", msg, out.String())
	}
	if f := failures.Load(); f > 0 {
		t.Errorf("%d of %d connections failed during the reloads, first: %v", f, conns.Load(), firstFailures)
	}
	// The kernel folds its per-CPU counters into what ipvsadm reads every
	// two seconds; once it has, the service must have counted every
	// connection the client made, or it was re-created meanwhile.
	var counted uint64
	waitFor("the service counting every connection", func() bool {
		s, _, err := readIPVS()
		counted = s[service]
		return err == nil && int64(counted) >= conns.Load()-failures.Load()
	})
	for _, r := range vmReals {
		if hits[r] == 0 {
			t.Errorf("real server %s got no connection (hits %v)", r, hits)
		}
	}
	ok, failed := reloads()
	if !running() {
		t.Fatalf("daemon died:\n%s", out.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no exit after SIGTERM:\n%s", out.String())
	}
	t.Logf("%d SIGHUPs in %v (%v each): %d applied, %d refused; %d TCP connections through IPVS (service counter %d), %d failed, per real server %v; %d table polls, %d incomplete; ready after %v, total %v",
		vmReloads, reloadTime.Round(time.Millisecond), (reloadTime / vmReloads).Round(time.Millisecond), ok, failed,
		conns.Load(), counted, failures.Load(), hits, polls.Load(), gaps.Load(), ready.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// realWeight reads a real server's weight under service in `ipvsadm -Ln`.
func realWeight(tab, service, real string) string {
	in := false
	for _, l := range strings.Split(tab, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 2 && (f[0] == "TCP" || f[0] == "UDP"):
			in = f[1] == service
		case in && len(f) >= 4 && f[0] == "->" && f[1] == real:
			return f[3]
		}
	}
	return ""
}

// vmLink connects ns to the VM's namespace: dirAddr/24 on this side,
// addrs/24 on the other with a default route back.
func vmLink(t *testing.T, ns *netns.NS, dirAddr string, addrs ...string) {
	t.Helper()
	here, there := netns.Unique("rld"), netns.Unique("rln")
	vmSh(t, "ip", "link", "add", here, "type", "veth", "peer", "name", there, "netns", ns.Name)
	t.Cleanup(func() { exec.Command("ip", "link", "del", here).Run() })
	vmSh(t, "ip", "addr", "add", dirAddr+"/24", "dev", here)
	vmSh(t, "ip", "link", "set", here, "up")
	for _, a := range addrs {
		ns.MustRun(t, "ip", "addr", "add", a+"/24", "dev", there)
	}
	ns.MustRun(t, "ip", "link", "set", there, "up")
	ns.MustRun(t, "ip", "route", "add", "default", "via", dirAddr)
}

func vmSh(t *testing.T, argv ...string) {
	t.Helper()
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}
