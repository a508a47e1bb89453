package vrrplab

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// Daemon names the implementation a lab router runs.
type Daemon string

const (
	// GoDaemon is this project's keepalived-go, built once per test run
	// (or taken from $KEEPALIVED_GO).
	GoDaemon Daemon = "keepalived-go"
	// CDaemon is Debian's keepalived, /usr/sbin/keepalived (or
	// $KEEPALIVED_C).
	CDaemon Daemon = "keepalived"
)

// Lab addresses of the virtual IPs the tests share.
var (
	VIP4 = netip.MustParsePrefix("10.213.0.100/24")
	VIP6 = netip.MustParsePrefix("fd0b:213::100/64")
)

// notImplemented is what keepalived-go prints while its daemon mode is not
// wired; a test that meets it skips instead of failing.
const notImplemented = "not yet implemented"

// Env is one lab: a bridge, its hosts, a sniffer on the bridge and a
// scratch directory for configurations, pid files and notify records.
type Env struct {
	Lab     *lab.Lab
	Sniffer *Sniffer
	Dir     string
	notify  string // the notify script
}

// New builds a lab of n hosts. Everything it creates is removed by t's
// cleanup, whatever the outcome. It skips t when not root.
func New(t testing.TB, n int) *Env {
	t.Helper()
	netns.SkipUnlessRoot(t)
	e := &Env{Dir: scratchDir(t)}
	e.Lab = lab.New(t, n)
	e.Sniffer = Sniff(t, e.Lab.Switch, e.Lab.Bridge)
	// The script stamps every notification with bash's $EPOCHREALTIME, so
	// it forks nothing.
	e.notify = filepath.Join(e.Dir, "notify.sh")
	writeFile(t, e.notify, "#!/bin/bash\nf=$1; shift\necho \"$EPOCHREALTIME $*\" >>\"$f\"\n", 0o755)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		fs := e.Sniffer.Frames()
		t.Logf("last frames on the bridge (%d in all):", len(fs))
		for _, f := range fs[max(0, len(fs)-40):] {
			t.Logf("  %s", f)
		}
	})
	return e
}

// scratchDir makes a directory for one lab. keepalived refuses scripts in
// a directory path that users other than root can write to, and /tmp is
// world-writable, so the directory lives under /run unless that is
// unusable.
func scratchDir(t testing.TB) string {
	t.Helper()
	const base = "/run/vrrplab"
	var d string
	var err error
	// Another lab's cleanup may remove base between the two calls; retry.
	for range 3 {
		if err = os.MkdirAll(base, 0o755); err != nil {
			return t.TempDir()
		}
		os.Chmod(base, 0o755)
		if d, err = os.MkdirTemp(base, netns.Unique("lab")); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("vrrplab: %v", err)
	}
	os.Chmod(d, 0o755)
	t.Cleanup(func() {
		os.RemoveAll(d)
		os.Remove(base) // only succeeds when no other lab is using it
	})
	return d
}

func writeFile(t testing.TB, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatalf("vrrplab: %v", err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatalf("vrrplab: %v", err)
	}
}

// Host returns lab host i (1-based).
func (e *Env) Host(i int) *lab.Host { return e.Lab.Host(i) }

// Router is one VRRP daemon on a lab host.
type Router struct {
	Name   string // h1, h2, ...
	Daemon Daemon
	Host   *lab.Host
	Dir    string
	Conf   string // path of keepalived.conf
	// Launcher is put before the daemon's command line, e.g. {"taskset",
	// "-c", "0"} to squeeze a start-up onto one core.
	Launcher []string

	notifyFile string
	fifo       string
	env        *Env

	evMu    sync.Mutex
	events  []Notify // from notify_fifo, in the daemon's order
	evStart int      // first event of the current run

	mu   sync.Mutex
	proc *proc
}

// Router prepares a router on host i running daemon with cfg; Start starts
// it.
func (e *Env) Router(t testing.TB, i int, daemon Daemon, cfg Config) *Router {
	t.Helper()
	h := e.Host(i)
	r := &Router{Name: fmt.Sprintf("h%d", i), Daemon: daemon, Host: h, env: e}
	r.Dir = filepath.Join(e.Dir, r.Name)
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r.notifyFile = filepath.Join(r.Dir, "notify")
	r.fifo = filepath.Join(r.Dir, "notify.fifo")
	r.readFIFO(t)
	if cfg.RouterID == "" {
		cfg.RouterID = r.Name
	}
	r.Conf = filepath.Join(r.Dir, "keepalived.conf")
	r.Configure(t, cfg)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s (%s) output:\n%s", r.Name, r.Daemon, r.Output())
			b, _ := os.ReadFile(r.notifyFile)
			t.Logf("%s notify script record:\n%s", r.Name, b)
			t.Logf("%s notify FIFO record:", r.Name)
			for _, e := range r.Events() {
				t.Logf("  %s %s %s %s %d", e.Time.Format("15:04:05.000000"), e.Type, e.Name, e.State, e.Prio)
			}
		}
	})
	return r
}

// NotifyCmd is the notify command line of this router, for hand-written
// notify lines (sync groups).
func (r *Router) NotifyCmd() string { return r.env.notify + " " + r.notifyFile }

// Configure (re)writes the router's configuration file.
func (r *Router) Configure(t testing.TB, cfg Config) {
	t.Helper()
	if cfg.RouterID == "" {
		cfg.RouterID = r.Name
	}
	cfg.Globals = append([]string{"notify_fifo " + r.fifo}, cfg.Globals...)
	cmd := r.NotifyCmd()
	if cfg.NoNotifyScript {
		cmd = ""
	}
	writeFile(t, r.Conf, cfg.Render(cmd, r.Dir), 0o644)
}

// readFIFO records the lines of the router's notify_fifo. Notify scripts
// are forked asynchronously by keepalived, so their records may come out of
// order (seen in this lab: BACKUP written after MASTER for a MASTER->BACKUP
// change); the FIFO is written by the daemon itself, in transition order,
// and is what the harness uses to follow states.
func (r *Router) readFIFO(t testing.TB) {
	t.Helper()
	if err := unix.Mkfifo(r.fifo, 0o600); err != nil {
		t.Fatalf("%s: mkfifo: %v", r.Name, err)
	}
	// Read-write, so that opening does not wait for a writer and a daemon
	// restart is no end of file.
	f, err := os.OpenFile(r.fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("%s: %v", r.Name, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// INSTANCE "VI_1" MASTER 150 / GROUP "G1" BACKUP
			w := strings.Fields(sc.Text())
			if len(w) < 3 {
				continue
			}
			n := Notify{Time: time.Now(), Type: w[0], Name: strings.Trim(w[1], `"`), State: w[2]}
			if len(w) > 3 {
				n.Prio, _ = strconv.Atoi(w[3])
			}
			r.evMu.Lock()
			r.events = append(r.events, n)
			r.evMu.Unlock()
		}
	}()
	t.Cleanup(func() { f.Close(); <-done })
}

// Events returns the router's notify_fifo lines, oldest first.
func (r *Router) Events() []Notify {
	r.evMu.Lock()
	defer r.evMu.Unlock()
	return append([]Notify(nil), r.events...)
}

// Binary returns the path of daemon's executable, building keepalived-go
// on first use; it skips t when the daemon is unavailable.
func Binary(t testing.TB, d Daemon) string {
	t.Helper()
	switch d {
	case CDaemon:
		p := os.Getenv("KEEPALIVED_C")
		if p == "" {
			p = "/usr/sbin/keepalived"
		}
		if _, err := os.Stat(p); err != nil {
			t.Skipf("interop with keepalived needs %s (apt-get install keepalived): %v", p, err)
		}
		return p
	default:
		p, err := goBinary()
		if err != nil {
			t.Fatalf("vrrplab: %v", err)
		}
		return p
	}
}

// Start starts the daemon in the foreground with keepalived's command line,
// its pid files in the router's directory.
func (r *Router) Start(t testing.TB) {
	t.Helper()
	bin := Binary(t, r.Daemon)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc != nil && !r.proc.exited() {
		t.Fatalf("%s: %s already running", r.Name, r.Daemon)
	}
	// States are followed from this run's events only: a killed daemon's
	// last word is stale.
	r.evMu.Lock()
	r.evStart = len(r.events)
	r.evMu.Unlock()
	for _, f := range []string{"main.pid", "vrrp.pid", "chk.pid"} {
		os.Remove(filepath.Join(r.Dir, f))
	}
	argv := append(append([]string(nil), r.Launcher...), bin, "-n", "-l", "-D", "-G", "-P", "-f", r.Conf,
		"-p", filepath.Join(r.Dir, "main.pid"), "-r", filepath.Join(r.Dir, "vrrp.pid"), "-c", filepath.Join(r.Dir, "chk.pid"))
	r.proc = start(t, r.Host.NS, argv...)
}

func (r *Router) current() *proc {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.proc
}

// Output returns what the daemon wrote to stdout and stderr (with -l, its
// log).
func (r *Router) Output() string {
	if p := r.current(); p != nil {
		return p.output()
	}
	return ""
}

// Kill crashes the daemon: SIGKILL to its whole process group (keepalived's
// parent and VRRP child at once), so no priority-0 advert goes out and the
// VIPs stay on the interface.
func (r *Router) Kill(t testing.TB) {
	t.Helper()
	p := r.current()
	if p == nil {
		return
	}
	if err := p.signalGroup(syscall.SIGKILL); err != nil {
		t.Fatalf("%s: kill: %v", r.Name, err)
	}
	if !p.wait(10 * time.Second) {
		t.Fatalf("%s: survived SIGKILL", r.Name)
	}
}

// Term asks the daemon to stop (SIGTERM to the main process, as an init
// system would) and does not wait; see WaitExit.
func (r *Router) Term(t testing.TB) {
	t.Helper()
	if p := r.current(); p != nil {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Logf("%s: SIGTERM: %v", r.Name, err)
		}
	}
}

// WaitExit waits up to timeout for the daemon to exit.
func (r *Router) WaitExit(t testing.TB, timeout time.Duration) {
	t.Helper()
	if p := r.current(); p != nil {
		if !p.wait(timeout) {
			t.Fatalf("%s: %s still running %v after SIGTERM", r.Name, r.Daemon, timeout)
		}
	}
}

// Running reports whether the daemon runs.
func (r *Router) Running() bool {
	p := r.current()
	return p != nil && !p.exited()
}

// Notify is one notify call recorded by the lab's notify script.
type Notify struct {
	Time  time.Time
	Type  string // INSTANCE or GROUP
	Name  string
	State string // MASTER, BACKUP, FAULT, STOP
	Prio  int
}

// Notifies returns the notify script calls of the router in the order the
// scripts ran.
func (r *Router) Notifies() []Notify {
	f, err := os.Open(r.notifyFile)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []Notify
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		w := strings.Fields(sc.Text())
		if len(w) < 4 {
			continue
		}
		n := Notify{Type: w[1], Name: w[2], State: w[3]}
		if s, err := strconv.ParseFloat(w[0], 64); err == nil {
			n.Time = time.Unix(0, int64(s*1e9))
		}
		if len(w) > 4 {
			n.Prio, _ = strconv.Atoi(w[4])
		}
		out = append(out, n)
	}
	return out
}

// State returns the last state the running daemon reported for instance
// or group name on its notify FIFO ("" when none yet).
func (r *Router) State(name string) string {
	r.evMu.Lock()
	defer r.evMu.Unlock()
	for i := len(r.events) - 1; i >= r.evStart; i-- {
		// MASTER_RX_LOWER_PRI reports an event, not a state.
		if n := r.events[i]; n.Name == name && n.State != "MASTER_RX_LOWER_PRI" {
			return n.State
		}
	}
	return ""
}

// WaitState waits up to timeout until instance (or group) name's last
// state on the notify FIFO is state. It skips t when keepalived-go's daemon is not
// implemented yet and fails t with the daemon's output when the daemon died.
func (r *Router) WaitState(t testing.TB, name, state string, timeout time.Duration) Notify {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if r.State(name) == state {
			ns := r.Events()
			for i := len(ns) - 1; i >= 0; i-- {
				if ns[i].Name == name && ns[i].State == state {
					return ns[i]
				}
			}
		}
		if !r.Running() {
			out := r.Output()
			if strings.Contains(out, notImplemented) {
				t.Skipf("%s: %s daemon mode is not implemented yet", r.Name, r.Daemon)
			}
			var err error
			if p := r.current(); p != nil {
				err = p.err
			}
			t.Fatalf("%s: %s exited (%v) while waiting for %s %s:\n%s", r.Name, r.Daemon, err, name, state, out)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s (%s): %s not %s after %v (last: %q)", r.Name, r.Daemon, name, state, timeout, r.State(name))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// HasVIP reports whether the router's lab link carries address p.
func (r *Router) HasVIP(t testing.TB, p netip.Prefix) bool {
	t.Helper()
	out, err := r.Host.Run("ip", "-o", "addr", "show", "dev", r.Host.Link)
	if err != nil {
		t.Fatalf("%s: %v", r.Name, err)
	}
	return strings.Contains(out, " "+p.String()+" ")
}

// WaitVIP waits up to timeout until the presence of p on the router's link
// is want.
func (r *Router) WaitVIP(t testing.TB, p netip.Prefix, want bool, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for r.HasVIP(t, p) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s: VIP %s present=%v after %v", r.Name, p, !want, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// MAC is the router's link address, the source of its adverts and GARPs.
func (r *Router) MAC() net.HardwareAddr { return r.Host.MAC }

// Cut pulls the router's cable (its bridge port goes down).
func (r *Router) Cut(t testing.TB) {
	t.Helper()
	if err := r.Host.Cut(); err != nil {
		t.Fatal(err)
	}
}

// Heal plugs the cable back in.
func (r *Router) Heal(t testing.TB) {
	t.Helper()
	if err := r.Host.Heal(); err != nil {
		t.Fatal(err)
	}
}

// Isolate separates the routers' bridge ports from each other while both
// still reach every other host: a split brain between the routers with the
// clients intact (bridge port isolation, no firewall needed).
func (e *Env) Isolate(t testing.TB, on bool, hosts ...int) {
	t.Helper()
	v := "off"
	if on {
		v = "on"
	}
	for _, i := range hosts {
		e.Lab.Switch.MustRun(t, "bridge", "link", "set", "dev", e.Host(i).Port, "isolated", v)
	}
}

// ReachVIP waits up to timeout until client host c gets an echo reply from
// vip and its neighbour table maps vip to mac (the new master's), and
// returns how long that took.
func ReachVIP(t testing.TB, c *lab.Host, vip netip.Addr, mac net.HardwareAddr, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	var last string
	for {
		err := c.Ping(vip, time.Second)
		got, nerr := c.Neighbour(vip)
		if err == nil && nerr == nil && got.String() == mac.String() {
			return time.Since(start)
		}
		last = fmt.Sprintf("ping: %v, neighbour %v (%v)", err, got, nerr)
		if time.Now().After(deadline) {
			t.Fatalf("client %s: VIP %s not reached at %s within %v: %s", c.NS.Name, vip, mac, timeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
