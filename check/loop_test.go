package check

import (
	"context"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
)

// memberSink keeps the last membership of each virtual server.
type memberSink struct {
	mu      sync.Mutex
	members map[string][]Member
}

func (s *memberSink) SetMembers(vs string, m []Member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[vs] = m
}
func (s *memberSink) Event(Event) {}

func (s *memberSink) ids(vs string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, m := range s.members[vs] {
		ids = append(ids, m.ID)
	}
	return strings.Join(ids, ",")
}

// TestEventLoopRealSockets runs HTTP_GET and TCP_CHECK on the event loop
// (and a goroutine probe beside them) against real loopback peers: a
// healthy web server, a closed port and a peer that never answers.
func TestEventLoopRealSockets(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 512)
				_, _ = c.Read(buf)
				_, _ = io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
			}()
		}
	}()
	stall, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stall.Close() // accepted by the kernel, never answered
	closed, _ := net.Listen("tcp4", "127.0.0.1:0")
	closedAddr := netip.MustParseAddrPort(closed.Addr().String())
	closed.Close()
	up := netip.MustParseAddrPort(ln.Addr().String())
	stalled := netip.MustParseAddrPort(stall.Addr().String())

	tm := Timing{DelayLoop: 100 * time.Millisecond, DelayBeforeRetry: 100 * time.Millisecond}
	conn := func(a netip.AddrPort) probe.Conn { return probe.Conn{Addr: a, Timeout: 300 * time.Millisecond} }
	httpGet := func(a netip.AddrPort) Checker {
		return Checker{Kind: "HTTP_GET", Timing: tm, Probe: &probe.HTTP{Conn: conn(a), URLs: []probe.URL{{Path: "/"}, {Path: "/x"}}}}
	}
	fp := &fakeProbe{}
	vs := VirtualServer{ID: "vs", Reals: []RealServer{
		{ID: "http-up", Weight: 1, Checkers: []Checker{httpGet(up)}},
		{ID: "tcp-up", Weight: 1, Checkers: []Checker{{Kind: "TCP_CHECK", Timing: tm, Probe: &probe.TCP{Conn: conn(up)}}}},
		{ID: "goroutine-up", Weight: 1, Checkers: []Checker{{Kind: "MISC_CHECK", Timing: tm, Probe: fp}}},
		{ID: "http-closed", Weight: 1, Checkers: []Checker{httpGet(closedAddr)}},
		{ID: "http-stalled", Weight: 1, Checkers: []Checker{httpGet(stalled)}},
		{ID: "tcp-closed", Weight: 1, Checkers: []Checker{{Kind: "TCP_CHECK", Timing: tm, Probe: &probe.TCP{Conn: conn(closedAddr)}}}},
	}}
	sink := &memberSink{members: map[string][]Member{}}
	e, err := New([]VirtualServer{vs}, sink)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		if err := e.Run(ctx); err != nil {
			t.Error(err)
		}
		close(done)
	}()
	want := "http-up,tcp-up,goroutine-up"
	deadline := time.Now().Add(10 * time.Second)
	for sink.ids("vs") != want || e.Checks() < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("members %q after %d checks, want %q", sink.ids("vs"), e.Checks(), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A goroutine probe's result reaches the loop.
	fp.set(false)
	deadline = time.Now().Add(5 * time.Second)
	for sink.ids("vs") != "http-up,tcp-up" {
		if time.Now().After(deadline) {
			t.Fatalf("members %q, want the goroutine probe gone", sink.ids("vs"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t0 := time.Now()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
}
