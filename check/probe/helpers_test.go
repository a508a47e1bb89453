package probe

import (
	"context"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// tcpServer runs handle for every connection accepted on 127.0.0.1 until
// the test ends, then closes everything and waits for the handlers.
func tcpServer(t *testing.T, handle func(net.Conn)) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				handle(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return netip.MustParseAddrPort(ln.Addr().String())
}

// closedPort returns a loopback port nobody listens on.
func closedPort(t *testing.T) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	return ap
}

// mustReturn runs check with a watchdog: a checker whose deadline is not
// enforced over the whole exchange would hang here for ever.
func mustReturn(t *testing.T, p Prober) Result {
	t.Helper()
	ch := make(chan Result, 1)
	if sp, ok := p.(Steppable); ok && steppedMode {
		if st := sp.Begin(time.Now()); st != nil {
			go func() { ch <- runSteps(t, st) }()
		} else {
			go func() { ch <- p.Check(context.Background()) }()
		}
	} else {
		go func() { ch <- p.Check(context.Background()) }()
	}
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("check did not return: deadline not enforced")
		return Result{}
	}
}

// leakCheck fails the test if goroutines started during it outlive it.
func leakCheck(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		for range 400 {
			if runtime.NumGoroutine() <= before {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		buf := make([]byte, 1<<16)
		t.Errorf("goroutine leak: %d > %d\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
	})
}

const shortTimeout = 300 * time.Millisecond

// steppedMode makes mustReturn run a Steppable prober's steps on a small
// epoll loop instead of Check (TestSteppedSameVerdicts).
var steppedMode bool

// runSteps drives st as the engine's event loop does.
func runSteps(t *testing.T, st Stepper) Result {
	t.Helper()
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ep)
	var gen uint32
	var events [4]unix.EpollEvent
	for {
		fd, ev, dl, g := st.Wait()
		op := unix.EPOLL_CTL_MOD
		if g != gen {
			op, gen = unix.EPOLL_CTL_ADD, g
		}
		if err := unix.EpollCtl(ep, op, fd, &unix.EpollEvent{Events: ev, Fd: int32(fd)}); err != nil {
			t.Fatalf("epoll_ctl %d: %v", op, err)
		}
		ms := -1
		if !dl.IsZero() {
			ms = max(0, int(time.Until(dl).Milliseconds())+1)
		}
		n, err := unix.EpollWait(ep, events[:], ms)
		if err != nil && err != unix.EINTR {
			t.Fatal(err)
		}
		expired := n == 0 && !dl.IsZero() && !time.Now().Before(dl)
		if n == 0 && !expired {
			continue
		}
		if r, done := st.Step(time.Now(), expired); done {
			return r
		}
	}
}
