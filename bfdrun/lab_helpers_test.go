package bfdrun

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/bfd"
	"github.com/dsas/keepalived-go/bfd/wire"
	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// events records what a Runner publishes, with when.
type events struct {
	mu  sync.Mutex
	log []event
}

type event struct {
	at   time.Time
	name string
	up   bool
}

func (e *events) add(name string, up bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, event{time.Now(), name, up})
}

// since returns the first event for name with state up after t.
func (e *events) since(t time.Time, name string, up bool) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.log {
		if ev.name == name && ev.up == up && !ev.at.Before(t) {
			return ev.at, true
		}
	}
	return time.Time{}, false
}

// waitFor polls cond every 10 ms until it holds or limit passes. The limit
// is a hang guard, not an assertion on speed.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("%s: not after %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// startRunner runs a Runner inside h's namespace.
func startRunner(t *testing.T, h *lab.Host, specs []bfd.Spec) (*Runner, *events) {
	t.Helper()
	r, err := Start(testLogger(t), specs, Options{Do: h.Do})
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	r.Subscribe(ev.add)
	t.Cleanup(func() { r.Stop() })
	return r, ev
}

func state(r *Runner, name string) (wire.State, bfd.Timers) {
	for _, s := range r.Status() {
		if s.Name == name {
			return s.State, s.Timers
		}
	}
	return wire.AdminDown, bfd.Timers{}
}

func spec(name string, nbr, src netip.Addr, rx, tx time.Duration, mult uint8) bfd.Spec {
	ttl := 255
	if nbr.Is6() {
		ttl = 64 // keepalived's default hoplimit
	}
	return bfd.Spec{Config: bfd.Config{Name: name, MinRx: rx, MinTx: tx, IdleTx: time.Second, Multiplier: mult},
		Neighbor: nbr, Source: src, TTL: ttl}
}

// frr is FRR's bfdd running in a lab host, every file in a scratch dir.
type frr struct {
	h    *lab.Host
	dir  string
	proc *netns.Proc
	conf string
}

type frrPeer struct {
	Peer, Local netip.Addr
	RxMs, TxMs  int
	Mult        int
	Passive     bool
}

func needFRR(t *testing.T) {
	netns.SkipUnlessRoot(t)
	if _, err := os.Stat("/usr/lib/frr/bfdd"); err != nil {
		t.Skip("FRR's bfdd not installed (scripts/deps.sh installs frr)")
	}
	if _, err := exec.LookPath("vtysh"); err != nil {
		t.Skip("vtysh not installed")
	}
}

func newFRR(t *testing.T, h *lab.Host, peers []frrPeer) *frr {
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
	f := &frr{h: h, dir: dir, conf: conf}
	f.start(t)
	return f
}

func (f *frr) start(t *testing.T) {
	t.Helper()
	f.proc = f.h.Start(t, "/usr/lib/frr/bfdd", "-f", f.conf, "-i", filepath.Join(f.dir, "bfdd.pid"),
		"-z", filepath.Join(f.dir, "zserv.api"), "--vty_socket", f.dir, "--bfdctl", filepath.Join(f.dir, "bfdd.sock"))
	waitFor(t, 10*time.Second, "bfdd vty", func() bool {
		_, err := os.Stat(filepath.Join(f.dir, "bfdd.vty"))
		return err == nil
	})
}

// frrState is one entry of `show bfd peers json`.
type frrState struct {
	Peer          string `json:"peer"`
	Status        string `json:"status"`
	Diag          string `json:"diagnostic"`
	RemoteDiag    string `json:"remote-diagnostic"`
	RemoteID      uint32 `json:"remote-id"`
	ID            uint32 `json:"id"`
	RxMs          int    `json:"receive-interval"`
	TxMs          int    `json:"transmit-interval"`
	Mult          int    `json:"detect-multiplier"`
	RemoteRxMs    int    `json:"remote-receive-interval"`
	RemoteTxMs    int    `json:"remote-transmit-interval"`
	RemoteMult    int    `json:"remote-detect-multiplier"`
	DownSinceSecs int    `json:"downtime"`
}

func (f *frr) peers(t *testing.T) map[string]frrState {
	t.Helper()
	out, err := f.h.Run("vtysh", "--vty_socket", f.dir, "-c", "show bfd peers json")
	if err != nil {
		t.Logf("vtysh: %v %s", err, out)
		return nil
	}
	var ps []frrState
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		t.Logf("vtysh json: %v: %s", err, out)
		return nil
	}
	m := map[string]frrState{}
	for _, p := range ps {
		m[p.Peer] = p
	}
	return m
}

// nftDrop drops BFD control packets entering the switch from port, in
// both families, until the returned function is called.
func nftDrop(t *testing.T, l *lab.Lab, port string) (undo func()) {
	t.Helper()
	table := "klgbfd" + port
	rules := fmt.Sprintf("table bridge %s {\n chain filter_fwd {\n  type filter hook forward priority 0; policy accept;\n  iifname %q udp dport 3784 drop\n }\n}\n", table, port)
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
