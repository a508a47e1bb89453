package bfdsock

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/netns"
)

type got struct {
	b        []byte
	src, dst netip.Addr
	ttl      int
}

// TestTTLAndPorts: in a fresh namespace, a Sender's packets arrive at the
// listener with the TTL / hop limit it was opened with, the destination
// address and a source port in 49152–65535.
func TestTTLAndPorts(t *testing.T) {
	netns.SkipUnlessRoot(t)
	ns := netns.New(t, "klgbs")
	for _, c := range []struct {
		name string
		addr netip.Addr
		v6   bool
		ttl  int
	}{
		{"ipv4 ttl 255", netip.MustParseAddr("127.0.0.1"), false, 255},
		{"ipv4 ttl 7", netip.MustParseAddr("127.0.0.1"), false, 7},
		{"ipv6 hoplimit 64", netip.MustParseAddr("::1"), true, 64},
		{"ipv6 hoplimit 255", netip.MustParseAddr("::1"), true, 255},
	} {
		t.Run(c.name, func(t *testing.T) {
			var (
				l *Listener
				s *Sender
			)
			ns.MustDo(t, func() error {
				var err error
				if l, err = Listen(context.Background(), c.v6, ControlPort); err != nil {
					return err
				}
				s, err = Open(c.addr, c.addr, c.ttl, ControlPort)
				return err
			})
			defer l.Close()
			defer s.Close()
			if p := s.LocalPort(); p < 49152 || p > 65535 {
				t.Errorf("source port %d", p)
			}
			ch := make(chan got, 1)
			go l.Serve(func(b []byte, src, dst netip.Addr, ttl int) {
				select {
				case ch <- got{append([]byte(nil), b...), src, dst, ttl}:
				default:
				}
			})
			if err := s.Send([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			select {
			case g := <-ch:
				if string(g.b) != "hello" || g.src != c.addr || g.dst != c.addr || g.ttl != c.ttl {
					t.Fatalf("got %q from %v to %v ttl %d", g.b, g.src, g.dst, g.ttl)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("nothing received")
			}
		})
	}
}
