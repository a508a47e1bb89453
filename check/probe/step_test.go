package probe

import (
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestSteppedSameVerdicts runs the HTTP_GET and TCP_CHECK tests again with
// the checks driven as steps on an epoll loop, as the engine runs them.
func TestSteppedSameVerdicts(t *testing.T) {
	steppedMode = true
	defer func() { steppedMode = false }()
	t.Run("HTTP", TestHTTP)
	t.Run("SeveralURLs", TestHTTPSeveralURLs)
	t.Run("Stalls", TestHTTPStalls)
	t.Run("FullBacklog", TestHTTPFullBacklog)
	t.Run("TCP", TestTCP)
}

// TestPooledStepsKeepTheirProber alternates stepped checks of two probers,
// each with its own address and url: steps come from one pool, and what a
// prober caches (its sockaddr, its requests) must stay its own.
func TestPooledStepsKeepTheirProber(t *testing.T) {
	leakCheck(t)
	server := func(path string) netip.AddrPort {
		return tcpServer(t, func(c net.Conn) {
			req, err := readRequest(c)
			if err != nil {
				return
			}
			if strings.HasPrefix(req, "GET "+path+" ") {
				_, _ = io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\n")
				return
			}
			_, _ = io.WriteString(c, "HTTP/1.0 404 No\r\n\r\n")
		})
	}
	a := &HTTP{Conn: Conn{Addr: server("/a"), Timeout: 2 * time.Second}, URLs: []URL{{Path: "/a"}}}
	b := &HTTP{Conn: Conn{Addr: server("/b"), Timeout: 2 * time.Second}, URLs: []URL{{Path: "/b"}}}
	tc := &TCP{Conn: Conn{Addr: b.Conn.Addr, Timeout: 2 * time.Second}}
	for i := range 20 {
		for _, p := range []Steppable{a, b, tc} {
			if r := runSteps(t, p.Begin(time.Now())); !r.OK() {
				t.Fatalf("round %d: %v", i, r.Err)
			}
		}
	}
}
