package probe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Steppable is a Prober whose check can also run as non-blocking steps on
// the engine's own event loop, as keepalived runs every checker on one
// thread: no goroutine, runtime poller or timer per check, and no thread
// woken per socket event (under emulation or on a busy host each of those
// wake-ups cost more than the check's own system calls).
type Steppable interface {
	Prober
	// Begin starts one check; nil means this one must run Check.
	Begin(now time.Time) Stepper
	// CanStep reports whether Begin can return a Stepper at all.
	CanStep() bool
}

// Stepper is one check in progress on an event loop.
type Stepper interface {
	// Wait is what the check waits for: readiness of fd (unix.EPOLLIN or
	// EPOLLOUT), by deadline (zero: none). conn changes when the check
	// closed its socket and opened another (the next url).
	Wait() (fd int, events uint32, deadline time.Time, conn uint32)
	// Step advances the check after fd became ready, or with expired set
	// once the deadline passed; done says it has its result.
	Step(now time.Time, expired bool) (r Result, done bool)
	// Abort closes what the check holds (the engine is stopping).
	Abort()
}

// CanStep implements Steppable: plain HTTP_GET steps, SSL_GET runs Check.
func (h *HTTP) CanStep() bool { return h.TLS == nil && len(h.URLs) > 0 }

// Begin implements Steppable.
func (h *HTTP) Begin(now time.Time) Stepper {
	if !h.CanStep() {
		return nil
	}
	return begin(now, h.Conn, h, &h.cache)
}

// CanStep implements Steppable.
func (t *TCP) CanStep() bool { return true }

// Begin implements Steppable for TCP_CHECK.
func (t *TCP) Begin(now time.Time) Stepper { return begin(now, t.Conn, nil, &t.cache) }

// stepPool holds the steps of no check: a step lives while its check is
// in flight, not one per prober (a step kept by each of 1 000 probers
// was 0.3 MB of the live heap, with a few dozen in flight at a time).
var stepPool = sync.Pool{New: func() any { return &connStep{fd: -1} }}

// begin starts a check on a step from the pool; the step goes back once
// it is done or aborted.
func begin(now time.Time, c Conn, h *HTTP, cache *stepCache) *connStep {
	s := stepPool.Get().(*connStep)
	s.conn, s.http, s.cache, s.url, s.fd, s.res = c, h, cache, 0, -1, Result{}
	if h != nil {
		s.url = min(h.url, len(h.URLs)-1) // the url Aim chose
	}
	s.open(now)
	return s
}

// stepCache is what a prober's stepped checks build once and keep between
// checks: the target's address (not for a zoned IPv6 address, whose
// interface index may change) and each url's request. The prober's Conn
// and URLs must not change once it has run.
type stepCache struct {
	sa   unix.Sockaddr
	reqs [][]byte
}

type stepPhase uint8

const (
	phaseConnect stepPhase = iota
	phaseWrite
	phaseRead
	phaseDone
)

// connStep runs TCP_CHECK (connect only) or HTTP_GET (the url Aim chose)
// with the blocking path's semantics and errors: one connect_timeout per
// connection, the response parsed by checkResponse.
type connStep struct {
	conn     Conn
	http     *HTTP // nil: TCP_CHECK
	url      int
	fd       int
	gen      uint32
	phase    stepPhase
	events   uint32
	deadline time.Time
	req      []byte
	br       *bufio.Reader
	sent     int
	buf      []byte
	tried    int // len(buf) at the last parse attempt
	res      Result
	// cache is the prober's: its address and requests.
	cache *stepCache
	// tail is what parse reads: the bytes read, then the end.
	tail tailReader
}

func (s *connStep) Wait() (int, uint32, time.Time, uint32) {
	return s.fd, s.events, s.deadline, s.gen
}

func (s *connStep) Abort() { s.close(); s.release(); s.free() }

// free returns the step to the pool; its caller holds it no more.
func (s *connStep) free() {
	s.close()
	s.conn, s.http, s.cache, s.res, s.req, s.tail = Conn{}, nil, nil, Result{}, nil, tailReader{}
	stepPool.Put(s)
}

// Buffers of checks in flight only: a prober keeps its step between
// checks, but not buffers for each of thousands of real servers. They
// start small (a health check's answer is usually a few hundred bytes;
// 4 KiB each were 0.7 MB of the heap at 1 000 real servers) and grow
// for a larger one.
var (
	bufPool    = sync.Pool{New: func() any { b := make([]byte, 0, readChunk); return &b }}
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 512) }}
)

// readChunk is the least room a read is given.
const readChunk = 1024

// release returns the buffers once the check has its result.
func (s *connStep) release() {
	if s.buf != nil {
		b := s.buf[:0]
		if cap(b) <= 64<<10 {
			bufPool.Put(&b)
		}
		s.buf = nil
	}
	if s.br != nil {
		s.br.Reset(nil)
		readerPool.Put(s.br)
		s.br = nil
	}
}

func (s *connStep) close() {
	if s.fd >= 0 {
		rawClose(s.fd)
		s.fd = -1
	}
}

func (s *connStep) name() string { return "tcp " + s.conn.Addr.String() }

// fail ends the check with err in the blocking path's wording.
func (s *connStep) fail(err error) {
	s.close()
	if s.http != nil {
		err = fmt.Errorf("http %s%s: %w", s.conn.Addr, s.http.URLs[s.url].Path, err)
	}
	s.res, s.phase = fail(err), phaseDone
}

// open starts the connection of the current url (dialTCP's steps).
func (s *connStep) open(now time.Time) {
	s.gen++
	s.deadline = time.Time{}
	if s.conn.Timeout > 0 {
		s.deadline = now.Add(s.conn.Timeout)
	}
	t := s.conn.target()
	family := unix.AF_INET
	if t.Addr().Is6() && !t.Addr().Is4In6() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		s.fail(fmt.Errorf("connect %s: socket: %w", s.conn.Addr, err))
		return
	}
	s.fd = fd
	if err := s.conn.prepare(fd, family); err != nil {
		s.fail(fmt.Errorf("connect %s: %w", s.conn.Addr, err))
		return
	}
	sa := s.cache.sa
	if sa == nil {
		sa = sockaddr(t, family)
		if t.Addr().Zone() == "" {
			s.cache.sa = sa
		}
	}
	switch e := rawConnect(fd, sa); e {
	case unix.EINPROGRESS:
		s.phase, s.events = phaseConnect, unix.EPOLLOUT
	case nil:
		s.connected(now)
	default:
		s.fail(s.dialErr(os.NewSyscallError("connect", e)))
	}
}

func (s *connStep) dialErr(err error) error {
	return fmt.Errorf("connect %s: %w", s.conn.Addr, &net.OpError{Op: "dial", Net: "tcp", Err: err})
}

// connected: TCP_CHECK is done; HTTP_GET sends its request.
func (s *connStep) connected(now time.Time) {
	if s.http == nil {
		s.close()
		s.res, s.phase = Result{}, phaseDone
		return
	}
	if s.buf == nil {
		s.buf = *bufPool.Get().(*[]byte)
	}
	c := s.cache
	if len(c.reqs) != len(s.http.URLs) {
		c.reqs = make([][]byte, len(s.http.URLs))
	}
	if c.reqs[s.url] == nil {
		c.reqs[s.url] = s.http.Request(&s.http.URLs[s.url])
	}
	s.req, s.sent, s.buf, s.tried = c.reqs[s.url], 0, s.buf[:0], 0
	s.phase, s.events = phaseWrite, unix.EPOLLOUT
	s.write(now)
}

func (s *connStep) Step(now time.Time, expired bool) (Result, bool) {
	r, done := s.step(now, expired)
	if done {
		s.release()
		s.free()
	}
	return r, done
}

func (s *connStep) step(now time.Time, expired bool) (Result, bool) {
	if expired {
		s.expire()
		s.next(now)
		return s.res, s.phase == phaseDone
	}
	switch s.phase {
	case phaseConnect:
		v, e := rawSocketError(s.fd)
		switch {
		case e != nil:
			s.fail(s.dialErr(os.NewSyscallError("getsockopt", e)))
		case v == int(unix.EINPROGRESS) || v == int(unix.EALREADY) || v == int(unix.EINTR):
		case v != 0:
			s.fail(s.dialErr(os.NewSyscallError("connect", unix.Errno(v))))
		default:
			// The loop steps a connecting socket only when epoll (level
			// triggered, this socket's own registration) reports it
			// writable or failed: with SO_ERROR 0 it is connected, as
			// keepalived's checker takes it. getpeername, which the
			// runtime's poller needs against its spurious wake-ups, was
			// one system call more per check.
			s.connected(now)
		}
	case phaseWrite:
		s.write(now)
	case phaseRead:
		s.read(now)
	}
	return s.res, s.phase == phaseDone
}

// expire ends the check as the blocking path's deadline would have.
func (s *connStep) expire() {
	timeout := os.ErrDeadlineExceeded
	switch s.phase {
	case phaseConnect:
		s.fail(s.dialErr(timeout))
	case phaseWrite:
		s.fail(fmt.Errorf("send: %w", &os.PathError{Op: "write", Path: s.name(), Err: timeout}))
	case phaseRead:
		s.parse(&os.PathError{Op: "read", Path: s.name(), Err: timeout}, true)
	}
}

func (s *connStep) write(now time.Time) {
	for s.sent < len(s.req) {
		n, e := rawWrite(s.fd, s.req[s.sent:])
		if e == unix.EAGAIN || e == unix.EINTR {
			return
		}
		if e != nil {
			s.fail(fmt.Errorf("send: %w", &os.PathError{Op: "write", Path: s.name(), Err: e}))
			return
		}
		s.sent += n
	}
	s.phase, s.events = phaseRead, unix.EPOLLIN
	s.read(now)
}

func (s *connStep) read(now time.Time) {
	for {
		if cap(s.buf)-len(s.buf) < readChunk/2 {
			s.buf = append(s.buf, make([]byte, max(readChunk, cap(s.buf)))...)[:len(s.buf)]
		}
		n, e := rawRead(s.fd, s.buf[len(s.buf):cap(s.buf)])
		switch {
		case e == unix.EAGAIN || e == unix.EINTR:
			// A response complete by its Content-Length ends the check
			// without waiting for the peer's close, as checkResponse does.
			if len(s.buf) > s.tried && (len(s.buf) < 64<<10 || len(s.buf) >= 2*s.tried) {
				s.tried = len(s.buf)
				s.parse(errIncomplete, false)
			}
			if s.phase == phaseRead {
				return
			}
		case e != nil:
			s.parse(&os.PathError{Op: "read", Path: s.name(), Err: e}, true)
		case n == 0:
			s.parse(io.EOF, true)
		default:
			room := cap(s.buf) - len(s.buf)
			s.buf = s.buf[:len(s.buf)+n]
			if n < room && (len(s.buf) < 64<<10 || len(s.buf) >= 2*s.tried) {
				// A short read took all there was: a response complete by
				// its Content-Length ends here, without the read that
				// would only say EAGAIN.
				s.tried = len(s.buf)
				s.parse(errIncomplete, false)
				if s.phase == phaseRead {
					continue
				}
				break
			}
			continue
		}
		if s.phase != phaseRead {
			break
		}
	}
	s.next(now)
}

// next ends the check once its url passed (parse closed its socket).
func (s *connStep) next(time.Time) {
	if s.phase == phaseDone || s.phase == phaseRead || s.fd >= 0 {
		return
	}
	s.res, s.phase = Result{}, phaseDone
}

// errIncomplete stands for the bytes not read yet.
var errIncomplete = errors.New("incomplete response")

// parse runs checkResponse over what was read followed by end (io.EOF,
// the read error, or errIncomplete). A verdict that needs more bytes waits
// unless final; otherwise the url is done: failed, or passed (the socket is
// closed and read ends the check).
func (s *connStep) parse(end error, final bool) {
	s.tail = tailReader{b: s.buf, end: end}
	if s.br == nil {
		s.br = readerPool.Get().(*bufio.Reader)
	}
	s.br.Reset(&s.tail)
	err := checkResponse(s.br, &s.http.URLs[s.url])
	if !final && errors.Is(err, errIncomplete) {
		return
	}
	if err != nil {
		s.fail(err)
		return
	}
	s.close()
	s.phase = phaseWrite // neither read nor done: read opens the next url
}

// tailReader reads b, then returns end (io.EOF, a read error or
// errIncomplete): io.MultiReader of the two without its allocations.
type tailReader struct {
	b   []byte
	end error
}

func (r *tailReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, r.end
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
