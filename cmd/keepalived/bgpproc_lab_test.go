//go:build !vmtest

package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
)

// TestBGPHelperLifecycle: the keepalived-bgp helper is a child of the
// daemon; killed, it is logged and restarted and the path comes back at
// the router; the daemon killed, the helper exits too (no orphan) and the
// router drops the path. Without a helper the daemon logs why and runs
// its VRRP instance all the same.
func TestBGPHelperLifecycle(t *testing.T) {
	useBGPHelper(t)
	lab.NeedFRRBGP(t)
	l := lab.New(t, 2)
	up, h := l.Host(1), l.Host(2)
	r := lab.StartBGPRouter(t, up, 65000, []netip.Addr{h.IPv4.Addr()})
	health := filepath.Join(t.TempDir(), "health")
	if err := os.WriteFile(health, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := bgpDirectorConf(h, up, 2, 65002, health, "0")
	d := startBFDDaemon(t, h, "", conf)
	paths := func(n int) func() bool { return func() bool { return len(r.Paths(t, bgpVIP)) == n } }
	until(t, "the director's path", 30*time.Second, paths(1))
	helper := helperOf(t, d)
	if err := syscall.Kill(helper, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the helper's death logged", func() bool { return d.logged("exited: signal: killed") })
	d.waitFor("a second speaker", func() bool { return strings.Count(d.proc.Output(), "BGP speaker started") == 2 })
	back := until(t, "the path back after the restart", 30*time.Second, paths(1))
	t.Logf("helper killed: path back %v after the restart was logged", back.Round(time.Millisecond))
	helper = helperOf(t, d)
	d.signal(syscall.SIGKILL)
	until(t, "the helper gone with the daemon", 10*time.Second, func() bool { return syscall.Kill(helper, 0) != nil })
	gone := until(t, "the path withdrawn after the daemon's SIGKILL", 20*time.Second, paths(0))
	t.Logf("daemon killed: path gone %v after the helper exited", gone.Round(time.Millisecond))

	t.Setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
	d = startBFDDaemon(t, h, "", conf)
	d.waitFor("the missing helper logged", func() bool { return d.logged("bgp: speaker helper keepalived-bgp not found") })
	d.waitFor("VRRP running without BGP", func() bool { return d.state() == "MASTER" })
}

// helperOf is the pid of the daemon's keepalived-bgp: a descendant of the
// daemon run with asBGPEnv (the test binary as the helper).
func helperOf(t *testing.T, d *router) int {
	t.Helper()
	root := d.proc.Cmd.Process.Pid
	var found int
	d.waitFor("the helper process", func() bool {
		dirs, _ := filepath.Glob("/proc/[0-9]*")
		for _, dir := range dirs {
			pid, _ := strconv.Atoi(filepath.Base(dir))
			env, err := os.ReadFile(dir + "/environ")
			if err != nil || !bytes.Contains(env, []byte(asBGPEnv+"=1")) {
				continue
			}
			for p := ppid(pid); p > 1; p = ppid(p) {
				if p == root {
					found = pid
					return true
				}
			}
		}
		return false
	})
	return found
}

func ppid(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ...: comm may hold spaces, the last ')' ends it.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(f[1])
	return p
}
