// Package netns is a test helper: it creates uniquely named network
// namespaces and links, runs code and commands inside them, and removes
// everything with t.Cleanup even when a test fails.
//
// Every name it hands out carries the process id and a counter, so tests of
// several packages (go test -p N) and several engineers can run at once on
// one machine without colliding.
package netns

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var counter atomic.Uint32

// Unique returns prefix followed by the pid and a process-wide counter in
// base 36. With pid_max ≤ 4194304 this adds at most 9 characters, so a
// prefix of up to 6 characters keeps a link name under IFNAMSIZ (16).
func Unique(prefix string) string {
	n := counter.Add(1)
	return prefix + strconv.FormatInt(int64(os.Getpid()), 36) + "x" + strconv.FormatInt(int64(n), 36)
}

// SkipUnlessRoot skips t when the test cannot create namespaces.
func SkipUnlessRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces (run the tests as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs iproute2 (ip) to create network namespaces")
	}
}

// NS is a named network namespace, as created by `ip netns add`.
type NS struct {
	Name string
}

// New creates a network namespace named Unique(prefix) with its loopback up
// and registers its deletion with t.Cleanup. Processes started with Start
// are killed first (they are registered later, so they are cleaned up
// earlier).
func New(t testing.TB, prefix string) *NS {
	t.Helper()
	SkipUnlessRoot(t)
	ns := &NS{Name: Unique(prefix)}
	if out, err := exec.Command("ip", "netns", "add", ns.Name).CombinedOutput(); err != nil {
		t.Fatalf("netns: ip netns add %s: %v: %s", ns.Name, err, out)
	}
	t.Cleanup(func() {
		// Deleting the namespace destroys its links (and veth peers in
		// other namespaces).
		if out, err := exec.Command("ip", "netns", "del", ns.Name).CombinedOutput(); err != nil {
			t.Errorf("netns: ip netns del %s: %v: %s", ns.Name, err, out)
		}
	})
	ns.MustRun(t, "ip", "link", "set", "lo", "up")
	return ns
}

// Path is the bind mount of the namespace, usable with setns(2).
func (ns *NS) Path() string { return "/run/netns/" + ns.Name }

// Do runs f on a fresh OS thread that has joined the namespace. Sockets and
// netlink connections opened by f stay in the namespace after f returns;
// goroutines started by f do not run in it.
//
// The thread is never unlocked, so the runtime discards it when f returns
// instead of reusing a thread whose namespace was changed.
func (ns *NS) Do(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := unix.Open(ns.Path(), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- fmt.Errorf("netns: open %s: %w", ns.Path(), err)
			return
		}
		err = unix.Setns(fd, unix.CLONE_NEWNET)
		unix.Close(fd)
		if err != nil {
			errc <- fmt.Errorf("netns: setns %s: %w", ns.Name, err)
			return
		}
		errc <- f()
	}()
	return <-errc
}

// MustDo is Do that fails t on error.
func (ns *NS) MustDo(t testing.TB, f func() error) {
	t.Helper()
	if err := ns.Do(f); err != nil {
		t.Fatal(err)
	}
}

// Command returns a command that runs argv inside the namespace.
func (ns *NS) Command(argv ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns.Name}, argv...)...)
}

// Run runs argv inside the namespace and returns its standard output.
func (ns *NS) Run(argv ...string) ([]byte, error) {
	cmd := ns.Command(argv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("netns %s: %q: %w: %s", ns.Name, argv, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// MustRun is Run that fails t on error.
func (ns *NS) MustRun(t testing.TB, argv ...string) string {
	t.Helper()
	out, err := ns.Run(argv...)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// Proc is a background process started in a namespace.
type Proc struct {
	Cmd  *exec.Cmd
	done chan struct{}
	err  error

	mu  sync.Mutex
	out bytes.Buffer // stdout and stderr together
}

func (p *Proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

// Output returns what the process has written to stdout and stderr so far.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// Start runs argv in the namespace in its own process group and registers a
// cleanup that kills exactly that group.
func (ns *NS) Start(t testing.TB, argv ...string) *Proc {
	t.Helper()
	p := &Proc{Cmd: ns.Command(argv...), done: make(chan struct{})}
	p.Cmd.Stdout, p.Cmd.Stderr = p, p
	p.Cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var err error
	OnForkThread(func() { err = p.Cmd.Start() })
	if err != nil {
		t.Fatalf("netns %s: start %q: %v", ns.Name, argv, err)
	}
	go func() { p.err = p.Cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		// TERM first, so that a daemon reaps its own children instead of
		// leaving them to init as zombies; KILL what remains.
		p.Signal(syscall.SIGTERM)
		if exited, _ := p.Wait(3 * time.Second); !exited {
			p.Signal(syscall.SIGKILL)
			<-p.done
		}
	})
	return p
}

// Signal sends sig to the process group of p (ip netns exec execs the
// command, so the group holds the command and its children).
func (p *Proc) Signal(sig syscall.Signal) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	return syscall.Kill(-p.Cmd.Process.Pid, sig)
}

// Wait waits up to timeout for p to exit and reports its exit error.
func (p *Proc) Wait(timeout time.Duration) (exited bool, err error) {
	select {
	case <-p.done:
		return true, p.err
	case <-time.After(timeout):
		return false, nil
	}
}

// Veth creates a veth pair with one end, named aName, in a and the other,
// named bName, in b. Both ends are created directly in their namespaces, so
// no link ever appears in the caller's namespace. The pair disappears with
// either namespace.
func Veth(t testing.TB, a *NS, aName string, b *NS, bName string) {
	t.Helper()
	if len(aName) > 15 || len(bName) > 15 {
		t.Fatalf("netns: link names %q/%q longer than 15 characters", aName, bName)
	}
	a.MustRun(t, "ip", "link", "add", aName, "type", "veth", "peer", "name", bName, "netns", b.Name)
}

var forker struct {
	once sync.Once
	reqs chan func()
}

// OnForkThread runs f on one locked OS thread that lives as long as the
// process. Start children there when they carry Pdeathsig: the kernel sends
// it when the *thread* that forked the child exits, and Go discards threads
// that Do locked into a namespace, so a child forked from such a thread is
// SIGKILLed out of the blue (seen as daemons "exited (signal: killed)").
func OnForkThread(f func()) {
	forker.once.Do(func() {
		forker.reqs = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: the thread must outlive every child
			for f := range forker.reqs {
				f()
			}
		}()
	})
	done := make(chan struct{})
	forker.reqs <- func() { f(); close(done) }
	<-done
}
