package probe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// dialTCP connects a non-blocking TCP socket by hand and hands it to the
// runtime poller as an *os.File. A health check is one short connection
// whose every step is bounded by one deadline; net.Dialer's generality
// costs more than the connection itself at thousands of checks a second:
// the resolver (even for a literal address), a goroutine watching the
// context during connect, TCP_NODELAY and four keep-alive setsockopts,
// getsockname and getpeername. Here: socket, the configured options,
// bind when asked, connect, and getsockopt(SO_ERROR) once writable, as
// keepalived's checkers do.
func (c Conn) dialTCP(ctx context.Context) (net.Conn, func(), error) {
	dl, _ := ctx.Deadline()
	if c.Timeout > 0 {
		if t := time.Now().Add(c.Timeout); dl.IsZero() || t.Before(dl) {
			dl = t
		}
	}
	t := c.target()
	family := unix.AF_INET
	if t.Addr().Is6() && !t.Addr().Is4In6() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return nil, nil, fmt.Errorf("connect %s: socket: %w", c.Addr, err)
	}
	if err := c.prepare(fd, family); err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("connect %s: %w", c.Addr, err)
	}
	f := os.NewFile(uintptr(fd), "tcp "+c.Addr.String())
	if !dl.IsZero() {
		_ = f.SetDeadline(dl)
	}
	// Cancellation (shutdown) must not wait for the deadline.
	stop := context.AfterFunc(ctx, func() { _ = f.SetDeadline(time.Unix(1, 0)) })
	if err := connect(f, sockaddr(t, family)); err != nil {
		stop()
		f.Close()
		return nil, nil, fmt.Errorf("connect %s: %w", c.Addr, err)
	}
	return &fileConn{File: f, remote: net.TCPAddrFromAddrPort(t)}, func() { stop() }, nil
}

// connect connects f's socket to sa and waits for the outcome. connect(2)
// is issued from inside RawConn.Write, after the poller has been reset for
// the wait, so the edge that ends the handshake cannot be lost; on wake-up
// SO_ERROR says how it ended and getpeername confirms a success, as the
// runtime's own connect does (the poller may wake spuriously).
func connect(f *os.File, sa unix.Sockaddr) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	started := false
	err = rc.Write(func(fd uintptr) bool {
		if !started {
			started = true
			e := unix.Connect(int(fd), sa)
			if e == unix.EINPROGRESS {
				return false
			}
			if e != nil {
				serr = &immediateError{os.NewSyscallError("connect", e)}
			}
			return true
		}
		v, e := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		switch {
		case e != nil:
			serr = os.NewSyscallError("getsockopt", e)
		case v == int(unix.EINPROGRESS) || v == int(unix.EALREADY) || v == int(unix.EINTR):
			return false
		case v != 0:
			serr = os.NewSyscallError("connect", unix.Errno(v))
		default:
			if _, e := unix.Getpeername(int(fd)); e != nil {
				return false // not connected yet: a spurious wake-up
			}
		}
		return true
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return &net.OpError{Op: "dial", Net: "tcp", Err: err}
	}
	return nil
}

// prepare applies SO_MARK, SO_BINDTODEVICE and the bind address or port.
// A failure is a SetupError: the check never ran.
func (c Conn) prepare(fd, family int) error {
	if c.FWMark != 0 {
		if e := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_MARK, int(c.FWMark)); e != nil {
			return &SetupError{Op: "SO_MARK", Arg: fmt.Sprint(c.FWMark), Err: e}
		}
	}
	if c.BindIf != "" {
		if e := unix.BindToDevice(fd, c.BindIf); e != nil {
			return &SetupError{Op: "SO_BINDTODEVICE", Arg: c.BindIf, Err: e}
		}
	}
	if !c.BindAddr.IsValid() && c.BindPort == 0 {
		return nil
	}
	var sa unix.Sockaddr
	switch {
	case family == unix.AF_INET6:
		s := &unix.SockaddrInet6{Port: int(c.BindPort)}
		if c.BindAddr.IsValid() {
			s.Addr = c.BindAddr.As16()
		}
		sa = s
	default:
		s := &unix.SockaddrInet4{Port: int(c.BindPort)}
		if c.BindAddr.IsValid() {
			s.Addr = c.BindAddr.Unmap().As4()
		}
		sa = s
	}
	if e := unix.Bind(fd, sa); e != nil {
		return &SetupError{Op: "bind", Arg: fmt.Sprintf("%v port %d", c.BindAddr, c.BindPort), Err: e}
	}
	return nil
}

// SetupError is a TCP check whose socket could not be set up before
// connect: SO_MARK, SO_BINDTODEVICE or bind failed (keepalived's
// connect_error, for instance a bindto/bind_port another checker's
// connection still holds). keepalived logs it and runs the check again
// after delay_loop; it is no verdict on the real server.
type SetupError struct {
	Op  string // "SO_MARK", "SO_BINDTODEVICE" or "bind"
	Arg string // the mark, the device, the address and port
	Err error  // the errno
}

func (e *SetupError) Error() string { return fmt.Sprintf("%s %s: %v", e.Op, e.Arg, e.Err) }
func (e *SetupError) Unwrap() error { return e.Err }

// fileConn is a connected socket held as an *os.File, with the net.Conn
// methods a file lacks.
type fileConn struct {
	*os.File
	remote net.Addr
}

func (c *fileConn) LocalAddr() net.Addr  { return &net.TCPAddr{} }
func (c *fileConn) RemoteAddr() net.Addr { return c.remote }

// sockaddr is t as the kernel wants it; a link-local IPv6 address gets
// its zone's interface index.
func sockaddr(t netip.AddrPort, family int) unix.Sockaddr {
	if family == unix.AF_INET {
		return &unix.SockaddrInet4{Port: int(t.Port()), Addr: t.Addr().Unmap().As4()}
	}
	s := &unix.SockaddrInet6{Port: int(t.Port()), Addr: t.Addr().As16()}
	if z := t.Addr().Zone(); z != "" {
		if ifi, err := net.InterfaceByName(z); err == nil {
			s.ZoneId = uint32(ifi.Index)
		}
	}
	return s
}

// immediateError is a connect(2) that failed at once (ENETUNREACH and
// the like) rather than in the handshake: keepalived words the two apart
// (SMTP_CHECK's "Network unreachable for server …").
type immediateError struct{ err error }

func (e *immediateError) Error() string { return e.err.Error() }
func (e *immediateError) Unwrap() error { return e.err }
