package daemon

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// syncBuffer is a log sink read while the daemon writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitLog waits until the log holds n copies of line; the limit only
// stops a broken run from hanging.
func waitLog(t *testing.T, buf *syncBuffer, line string, n int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); strings.Count(buf.String(), line) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never logged %q %d times; log:\n%s", line, n, buf.String())
		}
	}
}

// recv takes one value from ch; the limit only stops a broken run (one
// whose signal loop is stuck in a parse) from hanging.
func recv[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: never happened", what)
		panic("unreachable")
	}
}

// TestSignalsDuringSlowReload drives Run with real signals while a reload's
// parse is held open: a dump signal is answered during the parse, SIGHUPs
// sent meanwhile are coalesced into exactly one more reload, and SIGTERM
// during a parse stops the daemon without waiting for it and without
// applying it. Before, the parse ran on the signal loop and every signal
// waited for it.
func TestSignalsDuringSlowReload(t *testing.T) {
	var (
		mu      sync.Mutex
		release []chan struct{}
	)
	entered := make(chan int, 8)
	load := func() (*config.Config, string, error) {
		ch := make(chan struct{})
		mu.Lock()
		release = append(release, ch)
		n := len(release)
		mu.Unlock()
		entered <- n
		<-ch // the slow parse
		return &config.Config{}, "", nil
	}
	unblock := func(n int) {
		mu.Lock()
		defer mu.Unlock()
		close(release[n-1])
	}
	buf := &syncBuffer{}
	logs, _ := NewLogs(LogOptions{Console: true, NoSyslog: true, Stderr: buf})
	dumped := make(chan struct{}, 1)
	ready := make(chan struct{})
	d := New(Options{Logs: logs, NoPIDFiles: true, Load: load, Version: "test",
		OnSignal: map[os.Signal]func(){syscall.SIGUSR1: func() { dumped <- struct{}{} }},
		Ready:    func() { close(ready) }})
	done := make(chan error, 1)
	go func() { done <- d.Run(context.Background(), &config.Config{}) }()
	<-ready
	kill := func(sig syscall.Signal) {
		if err := syscall.Kill(syscall.Getpid(), sig); err != nil {
			t.Fatal(err)
		}
	}

	kill(syscall.SIGHUP)
	if n := recv(t, "first parse", entered); n != 1 {
		t.Fatalf("parse %d, want 1", n)
	}
	kill(syscall.SIGUSR1)
	recv(t, "SIGUSR1 answered while the parse is held", dumped)
	kill(syscall.SIGHUP)
	waitLog(t, buf, "Reload requested while reloading", 1)
	kill(syscall.SIGHUP)
	waitLog(t, buf, "Reload requested while reloading", 2)
	unblock(1)
	if n := recv(t, "queued reload", entered); n != 2 {
		t.Fatalf("parse %d, want 2 (the queued SIGHUPs)", n)
	}
	unblock(2)
	waitLog(t, buf, "Reload complete", 2)
	if n, _ := d.Reloads(); n != 2 {
		t.Fatalf("%d reloads, want 2: the SIGHUPs during the first are coalesced", n)
	}
	select {
	case n := <-entered:
		t.Fatalf("parse %d started: queued SIGHUPs were not coalesced", n)
	default:
	}

	kill(syscall.SIGHUP)
	recv(t, "third parse", entered)
	sent := time.Now()
	kill(syscall.SIGTERM)
	if err := recv(t, "stop during the parse", done); err != nil {
		t.Fatal(err)
	}
	t.Logf("SIGTERM during a held reload parse: Run returned after %v", time.Since(sent))
	unblock(3)
	if n, _ := d.Reloads(); n != 2 {
		t.Errorf("%d reloads, want 2: the abandoned one must not count", n)
	}
	log := buf.String()
	for _, want := range []string{"Stopping during a reload - the new configuration is abandoned", "Stopped test"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Count(log, "Reload complete") != 2 {
		t.Errorf("the abandoned reload was applied:\n%s", log)
	}
}
