package metrics

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Bounds of the metrics endpoint. A scrape is one short request every
// 10–60 s, so these only cut off clients that are not scraping; they follow
// what node_exporter's web configuration and Prometheus' own defaults allow.
const (
	// MaxConns is how many connections are open at once. When a new one
	// arrives at the cap, the oldest connection not in a request is closed
	// to make room, so idle clients cannot lock a scraper out.
	MaxConns = 64
	// ReadHeaderTimeout bounds a client that connects and says nothing,
	// or sends its headers a byte at a time.
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds the whole request, body included.
	ReadTimeout = 10 * time.Second
	// WriteTimeout bounds writing a response to a slow reader; a scrape of
	// thousands of series is written in milliseconds.
	WriteTimeout = 30 * time.Second
	// IdleTimeout closes a kept-alive connection between requests; longer
	// than a usual scrape interval so Prometheus can reuse it.
	IdleTimeout = 2 * time.Minute
)

// connLimiter is a listener holding at most max connections. Unlike
// x/net/netutil.LimitListener, which stops accepting at the cap and leaves
// a scraper queued in the kernel's backlog behind every idle connection,
// it accepts and evicts: the oldest connection that is not serving a
// request (http.StateNew or StateIdle) is closed. Only when every
// connection is inside a request does Accept wait, and those end within
// the server's timeouts.
type connLimiter struct {
	net.Listener
	max int

	mu     sync.Mutex
	freed  *sync.Cond // signalled when a connection closes or goes idle
	seq    uint64
	conns  map[net.Conn]*connInfo
	closed bool
}

type connInfo struct {
	seq   uint64 // accept order: lower is older
	state http.ConnState
}

func newConnLimiter(ln net.Listener, max int) *connLimiter {
	l := &connLimiter{Listener: ln, max: max, conns: map[net.Conn]*connInfo{}}
	l.freed = sync.NewCond(&l.mu)
	return l
}

// Accept returns the next connection once there is room for it.
func (l *connLimiter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	lc := &limitedConn{Conn: c, l: l}
	l.mu.Lock()
	for len(l.conns) >= l.max && !l.closed {
		victim := l.oldestIdleLocked()
		if victim == nil {
			l.freed.Wait()
			continue
		}
		delete(l.conns, victim)
		// Closing a socket does not block; the server's goroutine for it
		// sees the error and ends.
		victim.(*limitedConn).Conn.Close()
	}
	if l.closed {
		l.mu.Unlock()
		c.Close()
		return nil, net.ErrClosed
	}
	l.seq++
	l.conns[lc] = &connInfo{seq: l.seq, state: http.StateNew}
	l.mu.Unlock()
	return lc, nil
}

// Close stops listening and wakes an Accept waiting for room, so the
// server's Serve returns at once.
func (l *connLimiter) Close() error {
	l.mu.Lock()
	l.closed = true
	l.freed.Broadcast()
	l.mu.Unlock()
	return l.Listener.Close()
}

func (l *connLimiter) oldestIdleLocked() net.Conn {
	var victim net.Conn
	var oldest uint64
	for c, ci := range l.conns {
		if ci.state != http.StateNew && ci.state != http.StateIdle {
			continue
		}
		if victim == nil || ci.seq < oldest {
			victim, oldest = c, ci.seq
		}
	}
	return victim
}

// connState is the server's ConnState hook: it tells the limiter which
// connections are inside a request and must not be evicted.
func (l *connLimiter) connState(c net.Conn, st http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ci, ok := l.conns[c]
	if !ok {
		return
	}
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, c)
		l.freed.Broadcast()
	case http.StateIdle:
		ci.state = st
		l.freed.Broadcast()
	default:
		ci.state = st
	}
}

// open is the number of connections held, for tests.
func (l *connLimiter) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

type limitedConn struct {
	net.Conn
	l *connLimiter
}

// Close also frees the connection's slot, whoever closes it.
func (c *limitedConn) Close() error {
	c.l.mu.Lock()
	if _, ok := c.l.conns[c]; ok {
		delete(c.l.conns, c)
		c.l.freed.Broadcast()
	}
	c.l.mu.Unlock()
	return c.Conn.Close()
}
