package vrrplab

import (
	"bytes"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

// proc is a daemon started in a lab namespace.
//
// It is not netns.Proc because of Pdeathsig: the kernel sends it when the
// *thread* that forked the child exits, and Go discards threads that
// netns.Do locked and moved into a namespace. A daemon forked from a thread
// that a later Do reuses and discards is SIGKILLed out of the blue (seen
// here as keepalived "exited (signal: killed)" with no output). So every
// daemon is forked from one locked thread that lives as long as the test
// process, and Pdeathsig still reaps the daemons when the process dies.
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

var spawner struct {
	once sync.Once
	reqs chan func()
}

// onSpawnerThread runs f on the process-long forking thread.
func onSpawnerThread(f func()) {
	spawner.once.Do(func() {
		spawner.reqs = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the process
			for f := range spawner.reqs {
				f()
			}
		}()
	})
	done := make(chan struct{})
	spawner.reqs <- func() { f(); close(done) }
	<-done
}

// start runs argv in ns in its own process group; t's cleanup stops the
// group (TERM, then KILL).
func start(t testing.TB, ns *netns.NS, argv ...string) *proc {
	t.Helper()
	p := &proc{cmd: ns.Command(argv...), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p, p
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var err error
	onSpawnerThread(func() { err = p.cmd.Start() })
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
