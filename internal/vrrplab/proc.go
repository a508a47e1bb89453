package vrrplab

import (
	"bytes"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

// proc is a daemon started in a lab namespace. It is forked through
// netns.OnForkThread, so its Pdeathsig fires when the test process dies and
// not when some discarded thread does.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error

	mu  sync.Mutex
	out bytes.Buffer
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// start runs argv in ns in a session (and process group) of its own; t's
// cleanup stops the group (TERM, then KILL). A session of its own, as the
// shared netlab starts keepalived with setsid, also gives each daemon its
// own share of the CPU under the scheduler's autogroups, as on a host of
// its own: in the test's session a daemon shared one share with the test
// and whatever load it runs, and stalled for 100-300 ms at a time.
func start(t testing.TB, ns *netns.NS, argv ...string) *proc {
	t.Helper()
	p := &proc{cmd: ns.Command(argv...), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p, p
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
	var err error
	netns.OnForkThread(func() { err = p.cmd.Start() })
	if err != nil {
		t.Fatalf("netns %s: start %q: %v", ns.Name, argv, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.signalGroup(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.signalGroup(syscall.SIGKILL)
			<-p.done
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signalGroup signals the daemon's whole process group (ip netns exec
// execs the daemon, so the group holds it and every process it forked).
func (p *proc) signalGroup(sig syscall.Signal) error {
	if p.exited() {
		return nil
	}
	return syscall.Kill(-p.cmd.Process.Pid, sig)
}

// wait waits up to timeout for the daemon to exit.
func (p *proc) wait(timeout time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		return false
	}
}
