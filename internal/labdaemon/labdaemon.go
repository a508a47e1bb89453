// Package labdaemon builds the keepalived-go daemon and runs it in a lab
// host (internal/lab), for the tests of the programs that talk to a running
// daemon: keepalivectl, the dashboard and rules against Prometheus, the
// status page in a browser. Each daemon gets its own directory for its
// configuration, pid files and control socket, so concurrent tests never
// share one.
package labdaemon

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// Build compiles cmd/keepalived into a temporary directory of t and returns
// the binary's path. The go command's cache makes repeated builds cheap.
func Build(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	// keepalived-bgp beside keepalived, where the daemon looks first for
	// its BGP speaker helper.
	cmd := exec.Command("go", "build", "-o", dir+"/", "github.com/dsas/keepalived-go/cmd/keepalived",
		"github.com/dsas/keepalived-go/cmd/keepalived-bgp")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building keepalived: %v\n%s", err, out)
	}
	return filepath.Join(dir, "keepalived")
}

// Daemon is one running keepalived-go.
type Daemon struct {
	t      testing.TB
	Host   *lab.Host
	Dir    string
	Conf   string // the configuration file (-f)
	Socket string // the control socket
	Proc   *netns.Proc
}

// Start writes config and starts bin in h with its control socket in its
// own directory; extra arguments (--metrics-listen ...) are appended. The
// process is stopped by the lab's cleanup.
func Start(t testing.TB, bin string, h *lab.Host, config string, extra ...string) *Daemon {
	t.Helper()
	dir := t.TempDir()
	d := &Daemon{t: t, Host: h, Dir: dir, Conf: filepath.Join(dir, "keepalived.conf"), Socket: filepath.Join(dir, "ctl.sock")}
	d.Write(config)
	argv := []string{bin, "-n", "-l", "-D", "-f", d.Conf,
		"-p", filepath.Join(dir, "keepalived.pid"), "-r", filepath.Join(dir, "vrrp.pid"), "-c", filepath.Join(dir, "checkers.pid"),
		"--control-socket", d.Socket}
	d.Proc = h.Start(t, append(argv, extra...)...)
	return d
}

// Write replaces the configuration file (the daemon reads it at start and
// on SIGHUP).
func (d *Daemon) Write(config string) {
	d.t.Helper()
	if err := os.WriteFile(d.Conf, []byte(config), 0o644); err != nil {
		d.t.Fatal(err)
	}
}

// WaitFor polls cond every 50 ms. The limit only bounds a broken run; no
// test asserts on how long anything takes.
func (d *Daemon) WaitFor(what string, cond func() bool) {
	d.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			d.t.Fatalf("%s never happened; daemon log:\n%s", what, d.Proc.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Logged reports whether the daemon's output contains s.
func (d *Daemon) Logged(s string) bool { return strings.Contains(d.Proc.Output(), s) }
