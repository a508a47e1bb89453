package metrics

import (
	"context"
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
	// arrives at the cap, the oldest connection whose request is not being
	// answered is closed to make room, so idle or slow clients cannot lock
	// a scraper out.
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
// it accepts and evicts: the oldest connection whose request is not in a
// handler (never sent one, is still sending its headers, or is idle
// between requests) is closed. Only when every connection is being
// answered does Accept wait, and answers end within WriteTimeout.
type connLimiter struct {
	net.Listener
	max int

	mu     sync.Mutex
	freed  *sync.Cond // signalled when a connection closes or leaves a handler
	seq    uint64
	conns  map[net.Conn]*connInfo
	closed bool
}

type connInfo struct {
	seq  uint64 // accept order: lower is older
	busy bool   // a handler is answering a request on it
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
		victim := l.oldestEvictableLocked()
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
	l.conns[lc] = &connInfo{seq: l.seq}
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

func (l *connLimiter) oldestEvictableLocked() net.Conn {
	var victim net.Conn
	var oldest uint64
	for c, ci := range l.conns {
		if ci.busy {
			continue
		}
		if victim == nil || ci.seq < oldest {
			victim, oldest = c, ci.seq
		}
	}
	return victim
}

// connState is the server's ConnState hook: it forgets connections the
// server has closed or handed over.
func (l *connLimiter) connState(c net.Conn, st http.ConnState) {
	if st == http.StateClosed || st == http.StateHijacked {
		l.forget(c)
	}
}

func (l *connLimiter) forget(c net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.conns[c]; ok {
		delete(l.conns, c)
		l.freed.Broadcast()
	}
}

type connKey struct{}

// connContext puts the connection in its requests' context, so the
// handler wrapper can mark it busy (the server's ConnContext hook).
func connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// guard marks a connection busy while next answers a request on it, so
// eviction never cuts off a response being written.
func (l *connLimiter) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(connKey{}).(net.Conn)
		l.setBusy(c, true)
		defer l.setBusy(c, false)
		next.ServeHTTP(w, r)
	})
}

func (l *connLimiter) setBusy(c net.Conn, busy bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ci, ok := l.conns[c]; ok {
		ci.busy = busy
		if !busy {
			l.freed.Broadcast()
		}
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
	c.l.forget(c)
	return c.Conn.Close()
}
