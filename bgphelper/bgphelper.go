// Package bgphelper is the keepalived-bgp program: bgpproc's protocol
// served over the embedded gobgp speaker (bgpspeaker). It joins the two
// adapters as vrrpside joins the VRRP engine to its kernel adapters; a
// package rather than cmd/keepalived-bgp's main so that tests can run it
// from their own binary (the qemu VM has no Go toolchain to build it).
package bgphelper

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/bgpproc"
	"github.com/dsas/keepalived-go/bgpspeaker"
	"github.com/dsas/keepalived-go/internal/residency"
)

// settleAfter is when the helper returns what its start-up left resident:
// past gobgp's start and the first connection attempts.
const settleAfter = 5 * time.Second

// Main runs the helper on the process's stdin and stdout and returns its
// exit status.
func Main(args []string) int {
	// The daemon decides when the sessions close: a SIGTERM sent to the
	// whole service (systemd's control group, a terminal's ^C) must not
	// cut them before the daemon's drain. The helper exits when its stdin
	// closes, whatever ended the daemon.
	signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGPIPE)
	// As the daemon's steady state (daemon/residency.go): gobgp's live heap
	// is small, and the default target let garbage hold twice it.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(50)
	}
	out, err := protocolOut()
	if err != nil {
		fmt.Fprintln(os.Stderr, "keepalived-bgp:", err)
		return 1
	}
	return run(args, os.Stdin, out, os.Stderr)
}

// protocolOut takes stdout for the protocol alone: the replies go to a
// copy of it, and descriptor 1 becomes stderr, so that nothing else (a
// library's print, a default logger) can write into the protocol.
func protocolOut() (*os.File, error) {
	fd, err := unix.FcntlInt(1, unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, fmt.Errorf("stdout: %w", err)
	}
	if err := unix.Dup3(2, 1, 0); err != nil {
		return nil, fmt.Errorf("stdout: %w", err)
	}
	return os.NewFile(uintptr(fd), "protocol"), nil
}

func run(args []string, in io.Reader, out, errw io.Writer) int {
	if len(args) > 1 {
		fmt.Fprintln(errw, "keepalived-bgp: keepalived's BGP speaker, started by keepalived; it takes no arguments")
		return 2
	}
	if err := bgpproc.Serve(in, out, Start); err != nil {
		fmt.Fprintln(errw, "keepalived-bgp:", err)
		return 1
	}
	return 0
}

// Start runs a gobgp speaker for c.
func Start(log *slog.Logger, c bgpproc.Config) (bgpproc.Backend, error) {
	cfg := bgpspeaker.Config{LocalAS: c.LocalAS, RouterID: c.RouterID, ListenPort: c.ListenPort,
		NextHop: c.NextHop, MED: c.MED, LocalPref: c.LocalPref, Communities: c.Communities}
	for _, n := range c.Neighbors {
		cfg.Neighbors = append(cfg.Neighbors, bgpspeaker.Neighbor{Addr: n.Addr, RemoteAS: n.RemoteAS,
			HoldTime: n.HoldTime, Port: n.Port, Passive: n.Passive})
	}
	sp, err := bgpspeaker.Start(log, cfg)
	if err != nil {
		return nil, err
	}
	time.AfterFunc(settleAfter, settle)
	return backend{sp}, nil
}

// backend is bgpspeaker's Speaker with bgpproc's neighbour type.
type backend struct{ *bgpspeaker.Speaker }

func (b backend) Neighbors() []bgpproc.NeighborState {
	var out []bgpproc.NeighborState
	for _, n := range b.Speaker.Neighbors() {
		out = append(out, bgpproc.NeighborState{Addr: n.Addr, RemoteAS: n.RemoteAS, State: n.State})
	}
	return out
}

// settle gives the start-up's garbage back and drops the executable's
// pages start-up touched (a 25 MB binary, about 13 MB resident before),
// so only what the sessions use comes back.
func settle() {
	debug.FreeOSMemory()
	_ = residency.TrimExecutable() // best effort, as in the daemon
}
