//go:build !vmtest

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// rxBufsConf is two instances on the lab link, A with one address, B with
// two (and B's extra lines), under the given global_defs lines.
func rxBufsConf(global, extraB string) string {
	return fmt.Sprintf("global_defs {\n%s\n}\n"+
		"vrrp_instance A {\n  interface %s\n  virtual_router_id 61\n  priority 100\n  virtual_ipaddress {\n    10.213.0.150/24\n  }\n}\n"+
		"vrrp_instance B {\n  interface %s\n  virtual_router_id 62\n  priority 100\n%s  virtual_ipaddress {\n    10.213.0.151/24\n    10.213.0.152/24\n  }\n}\n",
		global, lab.Link, lab.Link, extraB)
}

// TestRxBufsLab: vrrp_rx_bufs_policy and vrrp_rx_bufs_multiplier size the
// VRRP receive socket as keepalived's do: per socket, the sum over its
// instances of kernel_rx_buf_size or the policy's share (a size, or the
// multiplier times the advert length or the interface MTU). The sockets'
// SO_RCVBUF (the kernel doubles it) are read from the running daemon,
// keepalived 2.2.7's first when installed, then ours, on the same file.
// The send socket gets the smallest buffer in both (SO_RCVBUF 0).
func TestRxBufsLab(t *testing.T) {
	netns.SkipUnlessRoot(t)
	ka := ""
	if _, err := os.Stat("/usr/sbin/keepalived"); err == nil {
		ka = "/usr/sbin/keepalived"
	}
	l := lab.New(t, 1)
	h := l.Host(1)
	for _, tc := range []struct {
		name, global, extraB string
		want                 int // receive socket's SO_RCVBUF; 0: the kernel's default
	}{
		{"default", "", "", 0},
		// 2 instances x 3 x MTU 1500, doubled.
		{"MTU", "  vrrp_rx_bufs_policy MTU", "", 2 * 2 * 3 * 1500},
		{"MTU x7, B's own", "  vrrp_rx_bufs_policy MTU\n  vrrp_rx_bufs_multiplier 7", "  kernel_rx_buf_size 7000\n", 2 * (7*1500 + 7000)},
		// IPv4 VRRPv2 adverts: 40 and 44 bytes.
		{"ADVERT x100", "  vrrp_rx_bufs_policy ADVERT\n  vrrp_rx_bufs_multiplier 100", "", 2 * 100 * (40 + 44)},
		{"size", "  vrrp_rx_bufs_policy 50000\n  vrrp_rx_bufs_multiplier 9", "", 2 * 2 * 50000},
	} {
		conf := rxBufsConf(tc.global, tc.extraB)
		got := daemonRxBufs(t, h, conf, "")
		if ka != "" {
			want := daemonRxBufs(t, h, conf, ka)
			if !slices.Equal(got, want) {
				t.Errorf("%s: SO_RCVBUF of the VRRP sockets: keepalived-go %v, keepalived %v", tc.name, got, want)
			}
			t.Logf("%s: keepalived %v, keepalived-go %v", tc.name, want, got)
		}
		if tc.want != 0 && !slices.Contains(got, tc.want) {
			t.Errorf("%s: SO_RCVBUF of the VRRP sockets %v, want one of %d", tc.name, got, tc.want)
		}
	}
}

// TestRxBufsReloadLab: a reload gives the receive socket the reloaded
// file's buffer, as keepalived's reopened socket has: MTU policy, then a
// size with B's own kernel_rx_buf_size, then no policy (the kernel's
// default again). Each step waits for the expected value, then both
// daemons' values are compared.
func TestRxBufsReloadLab(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 1)
	h := l.Host(1)
	out, err := h.Run("sysctl", "-n", "net.core.rmem_default")
	if err != nil {
		t.Fatal(err)
	}
	def, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	confs := []string{
		rxBufsConf("  vrrp_rx_bufs_policy MTU", ""),
		rxBufsConf("  vrrp_rx_bufs_policy 50000", "  kernel_rx_buf_size 7000\n"),
		rxBufsConf("", ""),
	}
	wants := []int{2 * 2 * 3 * 1500, 2 * (50000 + 7000), def}
	steps := stepsReload(confs)
	got := stepRxBufs(t, h, confs[0], steps, wants, "")
	for i, g := range got {
		if !slices.Contains(g, wants[i]) {
			t.Errorf("keepalived-go step %d: SO_RCVBUF %v, want one of %d", i, g, wants[i])
		}
	}
	if _, err := os.Stat("/usr/sbin/keepalived"); err == nil {
		want := stepRxBufs(t, h, confs[0], steps, wants, "/usr/sbin/keepalived")
		for i := range want {
			if !slices.Equal(got[i], want[i]) {
				t.Errorf("step %d: keepalived-go %v, keepalived %v", i, got[i], want[i])
			}
		}
		t.Logf("keepalived %v, keepalived-go %v", want, got)
	}
}

// stepsReload are the steps that reload with each file after the first.
func stepsReload(confs []string) []func(*router) {
	steps := []func(*router){func(*router) {}}
	for _, c := range confs[1:] {
		steps = append(steps, func(r *router) {
			r.write(c)
			r.signal(syscall.SIGHUP)
		})
	}
	return steps
}

// stepRxBufs starts the daemon on conf and runs each step, waiting (up
// to 15 s) after step i for its VRRP sockets to have wants[i]; it returns
// what they had after each step.
func stepRxBufs(t *testing.T, h *lab.Host, conf string, steps []func(*router), wants []int, daemon string) [][]int {
	t.Helper()
	r := startReloadRouter(t, h, conf, daemon)
	defer stopRouter(r)
	r.waitFor("both instances in BACKUP", func() bool {
		return r.logged("(A) Entering BACKUP STATE") && r.logged("(B) Entering BACKUP STATE")
	})
	var out [][]int
	for i, step := range steps {
		step(r)
		var bufs []int
		for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if bufs = routerRxBufs(r); slices.Contains(bufs, wants[i]) {
				break
			}
		}
		out = append(out, bufs)
	}
	return out
}

// TestRxBufsMTULab: under vrrp_rx_bufs_policy MTU an MTU change resizes
// the receive socket at once, as keepalived's update_mtu does.
func TestRxBufsMTULab(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 1)
	h := l.Host(1)
	mtu := func(n int) func(*router) {
		return func(r *router) {
			if _, err := h.Run("ip", "link", "set", lab.Link, "mtu", strconv.Itoa(n)); err != nil {
				t.Fatal(err)
			}
		}
	}
	conf := rxBufsConf("  vrrp_rx_bufs_policy MTU", "")
	steps := []func(*router){mtu(1500), mtu(1400), mtu(9000), mtu(1500)}
	wants := []int{2 * 2 * 3 * 1500, 2 * 2 * 3 * 1400, 2 * 2 * 3 * 9000, 2 * 2 * 3 * 1500}
	got := stepRxBufs(t, h, conf, steps, wants, "")
	for i, g := range got {
		if !slices.Contains(g, wants[i]) {
			t.Errorf("keepalived-go step %d: SO_RCVBUF %v, want one of %d", i, g, wants[i])
		}
	}
	if _, err := os.Stat("/usr/sbin/keepalived"); err == nil {
		want := stepRxBufs(t, h, conf, steps, wants, "/usr/sbin/keepalived")
		for i := range want {
			if !slices.Equal(got[i], want[i]) {
				t.Errorf("step %d: keepalived-go %v, keepalived %v", i, got[i], want[i])
			}
		}
		t.Logf("keepalived %v, keepalived-go %v", want, got)
	}
}

func stopRouter(r *router) {
	r.proc.Signal(syscall.SIGTERM)
	if exited, _ := r.proc.Wait(10 * time.Second); !exited {
		r.proc.Signal(syscall.SIGKILL)
		r.proc.Wait(5 * time.Second)
	}
}

// routerRxBufs is vrrpRcvBufs of the process holding the VRRP sockets:
// keepalived's VRRP child, or ours.
func routerRxBufs(r *router) []int {
	pids := []int{r.proc.Cmd.Process.Pid}
	if b, err := os.ReadFile(filepath.Join(r.dir, "vrrp.pid")); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			pids = append([]int{pid}, pids...)
		}
	}
	for _, pid := range pids {
		if bufs := vrrpRcvBufs(r.t, pid); len(bufs) > 0 {
			return bufs
		}
	}
	return nil
}

// daemonRxBufs starts the daemon (ours when daemon is empty) on conf, waits
// for both instances to start, and returns the sorted SO_RCVBUF values of
// its protocol-112 sockets; the daemon is stopped before it returns.
func daemonRxBufs(t *testing.T, h *lab.Host, conf, daemon string) []int {
	t.Helper()
	r := startReloadRouter(t, h, conf, daemon)
	defer stopRouter(r)
	r.waitFor("both instances in BACKUP", func() bool {
		return r.logged("(A) Entering BACKUP STATE") && r.logged("(B) Entering BACKUP STATE")
	})
	bufs := routerRxBufs(r)
	if len(bufs) == 0 {
		t.Fatalf("no VRRP socket; log:\n%s", r.proc.Output())
	}
	return bufs
}

// vrrpRcvBufs reads SO_RCVBUF of every raw protocol-112 socket of pid,
// through copies of its descriptors (pidfd_getfd).
func vrrpRcvBufs(t *testing.T, pid int) []int {
	t.Helper()
	pfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(pfd)
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	var out []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		fd, err := unix.PidfdGetfd(pfd, n, 0)
		if err != nil {
			continue
		}
		typ, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
		proto, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
		dom, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
		if typ == unix.SOCK_RAW && proto == 112 && (dom == unix.AF_INET || dom == unix.AF_INET6) {
			rb, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, rb)
		}
		unix.Close(fd)
	}
	slices.Sort(out)
	return out
}
