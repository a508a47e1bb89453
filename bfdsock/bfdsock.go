// Package bfdsock is the BFD process's socket adapter (RFC 5881, single
// hop): one listening socket per family on UDP 3784 that reports each
// datagram's TTL / hop limit and destination, and one sending socket per
// session from a port in 49152–65535 with the configured TTL. It knows
// nothing of sessions; the daemon wires it to the bfd engine.
package bfdsock

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// ControlPort is the single-hop control port (RFC 5881 §4).
const ControlPort = 3784

// Source ports are 49152–65535 (RFC 5881 §4).
const (
	srcPortMin = 49152
	srcPortMax = 65535
)

// Handler receives one datagram: payload, source, destination and the
// TTL / hop limit it arrived with (0 when the kernel did not say).
type Handler func(b []byte, src, dst netip.Addr, ttl int)

// Listener is a bound control-port socket.
type Listener struct {
	c  net.PacketConn
	p4 *ipv4.PacketConn
	p6 *ipv6.PacketConn
}

// Listen binds UDP port on the wildcard address of one family (IPv6 only
// v6: the IPv4 listener has its own socket) asking for TTL and
// destination of every datagram.
func Listen(ctx context.Context, v6 bool, port int) (*Listener, error) {
	network, addr := "udp4", fmt.Sprintf("0.0.0.0:%d", port)
	if v6 {
		network, addr = "udp6", fmt.Sprintf("[::]:%d", port)
	}
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			if serr == nil && v6 {
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
			}
		})
		return errors.Join(err, serr)
	}}
	c, err := lc.ListenPacket(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("bfd listen %s: %w", addr, err)
	}
	l := &Listener{c: c}
	if v6 {
		l.p6 = ipv6.NewPacketConn(c)
		err = l.p6.SetControlMessage(ipv6.FlagHopLimit|ipv6.FlagDst, true)
	} else {
		l.p4 = ipv4.NewPacketConn(c)
		err = l.p4.SetControlMessage(ipv4.FlagTTL|ipv4.FlagDst, true)
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("bfd listen %s: ttl control messages: %w", addr, err)
	}
	return l, nil
}

// Serve reads until the listener is closed, handing every datagram to h.
func (l *Listener) Serve(h Handler) error {
	buf := make([]byte, 1500)
	for {
		var (
			n   int
			src net.Addr
			dst net.IP
			ttl int
			err error
		)
		if l.p6 != nil {
			var cm *ipv6.ControlMessage
			n, cm, src, err = l.p6.ReadFrom(buf)
			if cm != nil {
				dst, ttl = cm.Dst, cm.HopLimit
			}
		} else {
			var cm *ipv4.ControlMessage
			n, cm, src, err = l.p4.ReadFrom(buf)
			if cm != nil {
				dst, ttl = cm.Dst, cm.TTL
			}
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("bfd recv: %w", err)
		}
		ua, _ := src.(*net.UDPAddr)
		if ua == nil {
			continue
		}
		s, _ := netip.AddrFromSlice(ua.IP)
		d, _ := netip.AddrFromSlice(dst)
		h(buf[:n], s.Unmap(), d.Unmap(), ttl)
	}
}

// Close stops Serve.
func (l *Listener) Close() error { return l.c.Close() }

// Sender is one session's sending socket. It is not connected: a
// connected UDP socket reports the ICMP unreachable of a dead peer as an
// error on the next write, which is noise while the session is Down.
type Sender struct {
	c  *net.UDPConn
	to netip.AddrPort
}

// Open binds a socket to source (any address when invalid) on a free
// port in 49152–65535 and sets the TTL / hop limit; Send goes to
// neighbor:dport.
func Open(neighbor, source netip.Addr, ttl, dport int) (*Sender, error) {
	v6 := neighbor.Is6() && !neighbor.Is4In6()
	network := "udp4"
	if v6 {
		network = "udp6"
	}
	var last error
	// Random first port, then linear probing: ports are per session
	// (RFC 5881 §4) and several daemons may share a host.
	start := rand.IntN(srcPortMax - srcPortMin + 1)
	for i := range 64 {
		port := srcPortMin + (start+i)%(srcPortMax-srcPortMin+1)
		laddr := netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(port))
		if v6 {
			laddr = netip.AddrPortFrom(netip.IPv6Unspecified(), uint16(port))
		}
		if source.IsValid() {
			laddr = netip.AddrPortFrom(source, uint16(port))
		}
		lc := net.ListenConfig{Control: ttlControl(v6, ttl)}
		c, err := lc.ListenPacket(context.Background(), network, laddr.String())
		if err == nil {
			return &Sender{c: c.(*net.UDPConn), to: netip.AddrPortFrom(neighbor, uint16(dport))}, nil
		}
		last = err
		if !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	return nil, fmt.Errorf("bfd socket to %s: %w", neighbor, last)
}

func ttlControl(v6 bool, ttl int) func(_, _ string, rc syscall.RawConn) error {
	return func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			if v6 {
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, ttl)
			} else {
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_TTL, ttl)
			}
			if serr == nil {
				// Network control (CS6), as FRR's bfdd marks its packets, so
				// a congested queue drops data before liveness.
				if v6 {
					serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_TCLASS, 0xc0)
				} else {
					serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_TOS, 0xc0)
				}
			}
		})
		return errors.Join(err, serr)
	}
}

// Send writes one packet to the neighbour.
func (s *Sender) Send(b []byte) error {
	_, err := s.c.WriteToUDPAddrPort(b, s.to)
	return err
}

// LocalPort is the bound source port.
func (s *Sender) LocalPort() int { return s.c.LocalAddr().(*net.UDPAddr).Port }

// Close closes the socket.
func (s *Sender) Close() error { return s.c.Close() }

// FD is the socket's descriptor, for the SIGUSR1 file's fd_out (-1 when
// it cannot be read).
func (s *Sender) FD() int { return connFD(s.c) }

// FD is the listening socket's descriptor, for the file's fd_in.
func (l *Listener) FD() int {
	if sc, ok := l.c.(syscall.Conn); ok {
		return rawFD(sc)
	}
	return -1
}

func connFD(c *net.UDPConn) int { return rawFD(c) }

func rawFD(c syscall.Conn) int {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return -1
	}
	return fd
}

// Pending reports whether a datagram waits in the socket's receive queue
// (SIOCINQ), read by no Serve yet: after the process was not scheduled
// for a while, the engine reads what arrived before it lets a detection
// timer expire.
func (l *Listener) Pending() bool {
	sc, ok := l.c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	n := 0
	if err := rc.Control(func(fd uintptr) { n, _ = unix.IoctlGetInt(int(fd), unix.SIOCINQ) }); err != nil {
		return false
	}
	return n > 0
}
