//go:build !vmtest

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/control"
	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// bfdDataConf has an active IPv4 session that comes Up with the peer, a
// passive one to nobody (never heard), and an IPv6 one to nobody routed
// to the checker only. script_user is named: in a test binary built with
// cgo, looking up the absent keepalived_script user on the signal path
// crashes (SIGSEGV in os/user's cgo sysconf; CGO_ENABLED=0 builds, as
// `make build`, do not), which is not what this test is about.
func bfdDataConf(me, peer *lab.Host) string {
	return fmt.Sprintf(`global_defs {
  script_user root
}
bfd_instance B1 {
  neighbor_ip %s
  source_ip %s
  min_rx 100
  min_tx 100
  multiplier 3
}
bfd_instance B2 {
  neighbor_ip 10.213.0.99
  min_rx 200
  idle_tx 2000
  passive
}
bfd_instance B3 {
  neighbor_ip fd0b:213::99
  max_hops 2
  checker
}
`, peer.IPv4.Addr(), me.IPv4.Addr())
}

// dumpBFDData runs daemon (argv up to the options) in h with conf until
// session B1 is Up, sends SIGUSR1 and returns keepalived_bfd.data.
func dumpBFDData(t *testing.T, h *lab.Host, conf string, daemon ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	argv := append([]string{"env", "TMPDIR=" + dir}, daemon...)
	argv = append(argv, "-n", "-l", "-D", "-f", conf, "-p", filepath.Join(dir, "k.pid"),
		"-r", filepath.Join(dir, "v.pid"), "-c", filepath.Join(dir, "c.pid"), "-b", filepath.Join(dir, "b.pid"))
	p := h.Start(t, argv...)
	r := &router{t: t, h: h, proc: p}
	r.waitFor("B1 Up", func() bool { return strings.Contains(p.Output(), "(B1) Entering Up state") })
	// The poll sequence to 100 ms is over well within a second.
	time.Sleep(1500 * time.Millisecond)
	if err := syscall.Kill(p.Cmd.Process.Pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "keepalived_bfd.data")
	var data []byte
	r.waitFor("the BFD data file", func() bool {
		b, err := os.ReadFile(path)
		data = b
		return err == nil && strings.Contains(string(b), "last_seen = [never]")
	})
	time.Sleep(300 * time.Millisecond) // keepalived writes in place
	data, _ = os.ReadFile(path)
	// -b: the BFD process's pid file holds a live pid while it runs
	// (keepalived's BFD child; ours is the one process) and goes at exit.
	bpid := filepath.Join(dir, "b.pid")
	if b, err := os.ReadFile(bpid); err != nil {
		t.Errorf("%s: no -b pid file while running: %v", daemon[len(daemon)-1], err)
	} else if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil || syscall.Kill(pid, 0) != nil {
		t.Errorf("%s: -b pid file holds %q, no live process", daemon[len(daemon)-1], b)
	}
	if daemon[0] != "/usr/sbin/keepalived" {
		checkBFDControl(t, filepath.Join(dir, "k.pid"))
	}
	if !r.logged("Printing BFD data for process(") {
		t.Errorf("no 'Printing BFD data' line:\n%s", p.Output())
	}
	p.Signal(syscall.SIGTERM)
	if exited, _ := p.Wait(10 * time.Second); !exited {
		t.Fatalf("%s did not stop", daemon[len(daemon)-1])
	}
	if _, err := os.Stat(bpid); err == nil {
		t.Errorf("%s: -b pid file left after exit", daemon[len(daemon)-1])
	}
	return data
}

// normaliseBFDData blanks what differs between two runs even of
// keepalived itself: descriptors, thread addresses (but not whether a
// thread is scheduled), random discriminators and the last-seen time.
func normaliseBFDData(b []byte) []string {
	repl := []struct {
		re   *regexp.Regexp
		with string
	}{
		{regexp.MustCompile(`^( fd_in = |   fd_out )\d+$`), "${1}N"},
		{regexp.MustCompile(`0x0x[0-9a-f]+$`), "0xADDR"},
		{regexp.MustCompile(`discriminator = 0x([0-9a-f]{2,}|[1-9a-f])$`), "discriminator = X"},
		{regexp.MustCompile(`^   last seen = .*$`), "   last seen = TIME"},
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		for _, r := range repl {
			l = r.re.ReplaceAllString(l, r.with)
		}
		out = append(out, l)
	}
	return out
}

// TestBFDDataFileMatchesKeepalived: keepalived_bfd.data written on
// SIGUSR1 is keepalived 2.2.7's, line for line once normalised. Host 1
// runs keepalived, then keepalived-go, with the same file; host 2 runs
// keepalived 2.2.7 as the peer of B1 throughout.
func TestBFDDataFileMatchesKeepalived(t *testing.T) {
	netns.SkipUnlessRoot(t)
	if _, err := os.Stat("/usr/sbin/keepalived"); err != nil {
		t.Skip("keepalived 2.2.7 not installed")
	}
	l := lab.New(t, 2)
	h, peer := l.Host(1), l.Host(2)
	dir := t.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	peerConf := filepath.Join(dir, "peer.conf")
	if err := os.WriteFile(conf, []byte(bfdDataConf(h, peer)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(peerConf, []byte(fmt.Sprintf("bfd_instance B1 {\n  neighbor_ip %s\n  min_rx 100\n  min_tx 100\n  multiplier 3\n}\n",
		h.IPv4.Addr())), 0o644); err != nil {
		t.Fatal(err)
	}
	pd := t.TempDir()
	peer.Start(t, "env", "TMPDIR="+pd, "/usr/sbin/keepalived", "-n", "-l", "-D", "-f", peerConf, "-p", filepath.Join(pd, "k.pid"),
		"-r", filepath.Join(pd, "v.pid"), "-c", filepath.Join(pd, "c.pid"), "-b", filepath.Join(pd, "b.pid"))
	theirs := normaliseBFDData(dumpBFDData(t, h, conf, "/usr/sbin/keepalived"))
	ours := normaliseBFDData(dumpBFDData(t, h, conf, asMainEnv+"=1", os.Args[0]))
	if len(theirs) < 100 {
		t.Fatalf("keepalived's file has only %d lines", len(theirs))
	}
	for i := 0; i < len(ours) || i < len(theirs); i++ {
		var o, k string
		if i < len(ours) {
			o = ours[i]
		}
		if i < len(theirs) {
			k = theirs[i]
		}
		if o != k {
			t.Errorf("line %d: ours %q, keepalived %q", i+1, o, k)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("ours:\n%s\nkeepalived:\n%s", strings.Join(ours, "\n"), strings.Join(theirs, "\n"))
	}
}

// checkBFDControl: the running daemon's control socket (what keepalivectl
// bfd and status read) lists the sessions with their negotiated timers.
func checkBFDControl(t *testing.T, pidFile string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := control.NewClient(control.SocketFor(pidFile)).Status(ctx)
	if err != nil {
		t.Errorf("control socket: %v", err)
		return
	}
	if len(st.BFD) != 3 {
		t.Fatalf("control socket lists %d BFD sessions, want 3: %+v", len(st.BFD), st.BFD)
	}
	b1 := st.BFD[0]
	if b1.Name != "B1" || b1.State != "Up" || b1.RemoteState != "Up" || b1.DetectTimeUS != 300000 ||
		b1.TxIntervalUS != 100000 || b1.RemoteMultiplier != 3 || b1.LastSeen.IsZero() {
		t.Errorf("B1 on the control socket: %+v", b1)
	}
	if b2 := st.BFD[1]; b2.Name != "B2" || b2.State != "Down" || !b2.LastSeen.IsZero() {
		t.Errorf("B2 on the control socket: %+v", b2)
	}
	var txt strings.Builder
	if err := control.WriteBFD(&txt, st, time.Now()); err != nil {
		t.Fatal(err)
	}
	t.Logf("keepalivectl bfd:\n%s", txt.String())
}
