package lab

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

// BFDD is FRR's bfdd running in a lab host (peers-lab.md), every file in
// a scratch directory so labs never share one.
type BFDD struct {
	h    *Host
	dir  string
	conf string
	Proc *netns.Proc
}

// BFDDPeer is one `peer` of bfdd's configuration.
type BFDDPeer struct {
	Peer, Local netip.Addr
	RxMs, TxMs  int
	Mult        int
	Passive     bool
}

// NeedBFDD skips t unless root and FRR's bfdd and vtysh are installed
// (scripts/deps.sh installs frr).
func NeedBFDD(t testing.TB) {
	t.Helper()
	netns.SkipUnlessRoot(t)
	if _, err := os.Stat("/usr/lib/frr/bfdd"); err != nil {
		t.Skip("FRR's bfdd not installed (scripts/deps.sh installs frr)")
	}
	if _, err := exec.LookPath("vtysh"); err != nil {
		t.Skip("vtysh not installed")
	}
}

// StartBFDD writes bfdd's configuration and starts it in h.
func StartBFDD(t testing.TB, h *Host, peers []BFDDPeer) *BFDD {
	t.Helper()
	dir, err := os.MkdirTemp("", "klg-bfdd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// FRR drops to user frr: its directory must be writable by it.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("log stdout informational\nbfd\n")
	for _, p := range peers {
		fmt.Fprintf(&b, " peer %s local-address %s\n  receive-interval %d\n  transmit-interval %d\n  detect-multiplier %d\n",
			p.Peer, p.Local, p.RxMs, p.TxMs, p.Mult)
		if p.Passive {
			b.WriteString("  passive-mode\n")
		}
		b.WriteString(" exit\n !\n")
	}
	b.WriteString("exit\n")
	conf := filepath.Join(dir, "bfdd.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &BFDD{h: h, dir: dir, conf: conf}
	f.Start(t)
	return f
}

// Start (re)starts bfdd and waits for its vty.
func (f *BFDD) Start(t testing.TB) {
	t.Helper()
	vty := filepath.Join(f.dir, "bfdd.vty")
	os.Remove(vty)
	f.Proc = f.h.Start(t, "/usr/lib/frr/bfdd", "-f", f.conf, "-i", filepath.Join(f.dir, "bfdd.pid"),
		"-z", filepath.Join(f.dir, "zserv.api"), "--vty_socket", f.dir, "--bfdctl", filepath.Join(f.dir, "bfdd.sock"))
	end := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(vty); err == nil {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("bfdd did not open its vty: %s", f.Proc.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BFDDState is one entry of `show bfd peers json`.
type BFDDState struct {
	Peer       string `json:"peer"`
	Status     string `json:"status"`
	Diag       string `json:"diagnostic"`
	RemoteDiag string `json:"remote-diagnostic"`
	RemoteID   uint32 `json:"remote-id"`
	ID         uint32 `json:"id"`
	RxMs       int    `json:"receive-interval"`
	TxMs       int    `json:"transmit-interval"`
	Mult       int    `json:"detect-multiplier"`
	RemoteRxMs int    `json:"remote-receive-interval"`
	RemoteTxMs int    `json:"remote-transmit-interval"`
	RemoteMult int    `json:"remote-detect-multiplier"`
}

// Peers returns bfdd's sessions by peer address (nil if it cannot say).
func (f *BFDD) Peers(t testing.TB) map[string]BFDDState {
	t.Helper()
	out, err := f.h.Run("vtysh", "--vty_socket", f.dir, "-c", "show bfd peers json")
	if err != nil {
		t.Logf("vtysh: %v %s", err, out)
		return nil
	}
	var ps []BFDDState
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		t.Logf("vtysh json: %v: %s", err, out)
		return nil
	}
	m := map[string]BFDDState{}
	for _, p := range ps {
		m[p.Peer] = p
	}
	return m
}

// DropBFD drops BFD control packets (UDP 3784, both families) entering
// the switch from port and matching the extra nft expression (may be
// empty), until the returned function or t's cleanup removes the rule.
// Everything else, VRRP included, keeps flowing.
func (l *Lab) DropBFD(t testing.TB, port, match string) (undo func()) {
	t.Helper()
	table := netns.Unique("klgbfd")
	rules := fmt.Sprintf("table bridge %s {\n chain filter_fwd {\n  type filter hook forward priority 0; policy accept;\n  iifname %q %s udp dport 3784 drop\n }\n}\n", table, port, match)
	cmd := l.Switch.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
	done := false
	undo = func() {
		if !done {
			done = true
			l.Switch.MustRun(t, "nft", "delete", "table", "bridge", table)
		}
	}
	t.Cleanup(undo)
	return undo
}
