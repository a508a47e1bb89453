package probe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Conn is keepalived's connection keyword group (connect_ip, connect_port,
// bindto, bind_port, bind_if, fwmark, connect_timeout), already resolved
// against the real server: Addr is where the check connects.
type Conn struct {
	Addr     netip.AddrPort
	BindAddr netip.Addr // zero: let the kernel choose
	BindPort uint16
	BindIf   string // SO_BINDTODEVICE; also the zone of a link-local Addr
	FWMark   uint32 // SO_MARK
	Timeout  time.Duration
}

// target returns Addr with the zone a link-local IPv6 address needs.
func (c Conn) target() netip.AddrPort {
	a := c.Addr.Addr()
	if a.Is6() && a.IsLinkLocalUnicast() && a.Zone() == "" && c.BindIf != "" {
		a = a.WithZone(c.BindIf)
	}
	return netip.AddrPortFrom(a, c.Addr.Port())
}

// control applies the socket options that must be set before connect.
func (c Conn) control(_, _ string, rc syscall.RawConn) error {
	if c.FWMark == 0 && c.BindIf == "" {
		return nil
	}
	var serr error
	err := rc.Control(func(fd uintptr) {
		if c.FWMark != 0 {
			if e := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(c.FWMark)); e != nil {
				serr = fmt.Errorf("SO_MARK %d: %w", c.FWMark, e)
				return
			}
		}
		if c.BindIf != "" {
			if e := unix.BindToDevice(int(fd), c.BindIf); e != nil {
				serr = fmt.Errorf("SO_BINDTODEVICE %s: %w", c.BindIf, e)
			}
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// Dialer is the dialer a check uses for c (bind address and port, SO_MARK,
// SO_BINDTODEVICE), for tools that drive the connection themselves
// (genhash times each step as keepalived does).
func (c Conn) Dialer(network string) *net.Dialer { return c.dialer(network) }

func (c Conn) dialer(network string) *net.Dialer {
	d := &net.Dialer{Control: c.control}
	if c.BindAddr.IsValid() || c.BindPort != 0 {
		ip := net.IP(nil)
		if c.BindAddr.IsValid() {
			ip = c.BindAddr.AsSlice()
		}
		switch network {
		case "udp":
			d.LocalAddr = &net.UDPAddr{IP: ip, Port: int(c.BindPort)}
		default:
			d.LocalAddr = &net.TCPAddr{IP: ip, Port: int(c.BindPort)}
		}
	}
	return d
}

// dial connects and arms the one deadline that bounds everything the caller
// then does on the connection, so connect, handshake, write and read share a
// single connect_timeout budget (keepalived restarts its timer per step).
// The returned stop must be called when the connection is closed.
func (c Conn) dial(ctx context.Context, network string) (net.Conn, func(), error) {
	if network == "tcp" {
		return c.dialTCP(ctx)
	}
	ctx, cancel := deadline(ctx, c.Timeout)
	conn, err := c.dialer(network).DialContext(ctx, network, c.target().String())
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("connect %s: %w", c.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Cancellation (shutdown) must not wait for the deadline.
	stopAfter := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	return conn, func() { stopAfter(); cancel() }, nil
}
