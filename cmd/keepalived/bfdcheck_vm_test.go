//go:build vmtest

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

// TestDaemonBFDCheckIPVS: BFD_CHECK takes a real server out of IPVS when
// its BFD peer stops and puts it back when the peer returns. The daemon
// under test runs in the VM's namespace with the virtual server; the real
// server's BFD peer is a second keepalived-go process, BFD only (a config
// with just its bfd_instance), in a namespace of its own behind a veth.
// "Stops" is SIGKILL, so the peer sends no AdminDown (after which
// keepalived, and we, would leave the real server alone): the session
// times out after 3 × 100 ms. The times are logged, not asserted.
func TestDaemonBFDCheckIPVS(t *testing.T) {
	netns.SkipUnlessRoot(t)
	peerNS := netns.New(t, "bfdrs")
	vmLink(t, peerNS, "10.78.0.1", "10.78.0.2")
	dir := t.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	if err := os.WriteFile(conf, []byte(`bfd_instance RS1 {
  neighbor_ip 10.78.0.2
  source_ip 10.78.0.1
  min_rx 100
  min_tx 100
  multiplier 3
}
virtual_server 10.10.9.2 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.78.0.2 80 {
    BFD_CHECK {
      name RS1
    }
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	peerConf := filepath.Join(dir, "peer.conf")
	if err := os.WriteFile(peerConf, []byte(`bfd_instance RS1 {
  neighbor_ip 10.78.0.1
  source_ip 10.78.0.2
  min_rx 100
  min_tx 100
  multiplier 3
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	pid := func(n string) string { return filepath.Join(dir, n+".pid") }
	var out output
	cmd := exec.Command(os.Args[0], "-n", "-l", "-D", "-f", conf, "-p", pid("k"), "-r", pid("v"), "-c", pid("c"), "-b", pid("b"))
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	startIPVSDaemon(t, cmd, &out)
	startPeer := func(n int) *netns.Proc {
		return peerNS.Start(t, "env", asMainEnv+"=1", os.Args[0], "-n", "-l", "-D", "-f", peerConf,
			"-p", pid(fmt.Sprint("pk", n)), "-r", pid(fmt.Sprint("pv", n)), "-c", pid(fmt.Sprint("pc", n)), "-b", pid(fmt.Sprint("pb", n)))
	}
	peer := startPeer(1)
	inIPVS := func() bool {
		for _, l := range strings.Split(ipvsTable(t), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "->" && f[1] == "10.78.0.2:80" {
				return true
			}
		}
		return false
	}
	wait := func(what string, limit time.Duration, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > limit {
				t.Fatalf("%s not within %v; table:\n%s\nlog:\n%s\npeer:\n%s", what, limit, ipvsTable(t), out.String(), peer.Output())
			}
			time.Sleep(20 * time.Millisecond)
		}
		return time.Since(start)
	}
	// Without alpha the real server starts in IPVS; it counts once the
	// session has come Up and the checker said so.
	ups := func(n int) func() bool {
		return func() bool { return strings.Count(out.String(), ") is UP") >= n && inIPVS() }
	}
	wait("real server in IPVS with its BFD session Up", 60*time.Second, ups(1))
	peer.Signal(syscall.SIGKILL)
	peer.Wait(5 * time.Second)
	d := wait("real server out of IPVS after its BFD peer was killed", 30*time.Second, func() bool { return !inIPVS() })
	t.Logf("real server removed %v after the peer was killed (detection 300 ms; VM runs 5-8x slower)", d)
	peer = startPeer(2)
	d = wait("real server back in IPVS after its BFD peer returned", 60*time.Second, ups(2))
	t.Logf("real server back %v after the peer restarted", d)
	for _, line := range []string{"BFD check of [RS1] RS(", ") is DOWN", ") is UP", "(RS1) Entering Down state (Local diagnostic - "} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, out.String())
		}
	}
}
