package vrrpsock

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/internal/ifindex"
)

// ProtocolAH is the IP protocol number of the IPsec Authentication Header,
// which carries keepalived's VRRPv2 adverts with auth_type AH.
const ProtocolAH = 51

// AHConn is the IPv4 socket of keepalived's auth_type AH on one interface.
// Unlike Conn it reads and writes whole IPv4 datagrams: the AH ICV covers
// the IP header, so the sender builds it (as keepalived does with
// IP_HDRINCL) and the receiver needs it to verify.
//
// Receiving is a protocol-51 raw socket bound to the interface, joined to
// the group, with IP_MULTICAST_ALL off, as Conn. Sending is an IPPROTO_RAW
// socket (header included, never receives), bound to the interface with
// multicast loopback off.
type AHConn struct {
	ifi   *net.Interface
	group netip.Addr
	c     net.PacketConn
	p4    *ipv4.PacketConn
	rc    syscall.RawConn
	rb    rcvBuf

	mu sync.Mutex
	fd int // send socket, -1 once closed
}

// ListenAH opens the AH sockets on the interface named ifname. cfg's
// Group, NoJoin and RcvBuf are used as by Listen; Source and UnicastTTL are not
// (the caller's datagrams carry them).
func ListenAH(ifname string, cfg *Config) (*AHConn, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	ifi, err := ifindex.ByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("vrrpsock: %w", err)
	}
	c := &AHConn{ifi: ifi, group: cfg.Group, fd: -1}
	c.rb.n.Store(int64(cfg.RcvBuf))
	if !c.group.IsValid() {
		c.group = GroupIPv4
	}
	if !c.group.Is4() || !c.group.IsMulticast() {
		return nil, fmt.Errorf("vrrpsock: AH group %s is not an IPv4 multicast address", c.group)
	}
	if err := c.openRecv(ifname, !cfg.NoJoin); err != nil {
		if c.c != nil {
			c.c.Close()
		}
		return nil, fmt.Errorf("vrrpsock: listen AH on %s: %w", ifname, err)
	}
	if err := setRcvBuf(c.c, cfg.RcvBuf); err != nil {
		c.c.Close()
		return nil, fmt.Errorf("vrrpsock: listen AH on %s: %w", ifname, err)
	}
	if c.fd, err = openRawSender(ifname, ifi.Index); err != nil {
		c.c.Close()
		return nil, fmt.Errorf("vrrpsock: listen AH on %s: %w", ifname, err)
	}
	return c, nil
}

func (c *AHConn) openRecv(ifname string, join bool) error {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			if serr = unix.BindToDevice(int(fd), ifname); serr != nil {
				serr = fmt.Errorf("SO_BINDTODEVICE: %w", serr)
				return
			}
			if serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0); serr != nil {
				serr = fmt.Errorf("IP_MULTICAST_ALL: %w", serr)
			}
		})
		return errors.Join(err, serr)
	}}
	pc, err := lc.ListenPacket(context.Background(), fmt.Sprintf("ip4:%d", ProtocolAH), "0.0.0.0")
	if err != nil {
		return err
	}
	c.c = pc
	sc, ok := pc.(syscall.Conn)
	if !ok {
		return fmt.Errorf("%T has no raw socket", pc)
	}
	if c.rc, err = sc.SyscallConn(); err != nil {
		return err
	}
	c.p4 = ipv4.NewPacketConn(pc)
	if join {
		return c.JoinGroup(c.group)
	}
	return nil
}

// openRawSender opens the header-included send socket. Its options are
// those Listen's sender sets that still apply when the caller writes the
// header (TTL and TOS are in it).
func openRawSender(ifname string, ifindex int) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	if err != nil {
		return -1, fmt.Errorf("send socket: %w", err)
	}
	steps := []step{
		{"SO_BINDTODEVICE", func() error { return unix.BindToDevice(fd, ifname) }},
		{"IP_MULTICAST_IF", func() error {
			return unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, &unix.IPMreqn{Ifindex: int32(ifindex)})
		}},
		{"IP_MULTICAST_LOOP", func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0) }},
	}
	if err := setup(steps...); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("send socket %w", err)
	}
	return fd, nil
}

// JoinGroup joins one more multicast group on the interface.
func (c *AHConn) JoinGroup(group netip.Addr) error {
	if err := c.p4.JoinGroup(c.ifi, &net.IPAddr{IP: group.AsSlice()}); err != nil {
		return fmt.Errorf("vrrpsock: join %s on %s: %w", group, c.ifi.Name, err)
	}
	return nil
}

// ReadFrom reads one whole IPv4 datagram into b and returns the source,
// destination and TTL from its header. A datagram too short for an IPv4
// header comes back with invalid addresses and ttl -1.
func (c *AHConn) ReadFrom(b []byte) (n int, src, dst netip.Addr, ttl int, err error) {
	if len(b) == 0 {
		return 0, src, dst, -1, errors.New("vrrpsock: empty buffer")
	}
	var serr error
	err = c.rc.Read(func(fd uintptr) bool {
		for {
			n, _, serr = unix.Recvfrom(int(fd), b, 0)
			if serr == unix.EINTR {
				continue
			}
			return serr != unix.EAGAIN
		}
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return 0, src, dst, -1, fmt.Errorf("vrrpsock: read AH on %s: %w", c.ifi.Name, err)
	}
	ttl = -1
	if n >= 20 {
		ttl = int(b[8])
		src = netip.AddrFrom4([4]byte(b[12:16]))
		dst = netip.AddrFrom4([4]byte(b[16:20]))
	}
	return n, src, dst, ttl, nil
}

// WriteTo sends datagram, a complete IPv4 packet, to dst. src is unused:
// the datagram's header has the source. The kernel fills in the header
// checksum.
func (c *AHConn) WriteTo(datagram []byte, _, dst netip.Addr) error {
	if !dst.Is4() {
		return fmt.Errorf("vrrpsock: write AH on %s: destination %s is not IPv4", c.ifi.Name, dst)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fd < 0 {
		return fmt.Errorf("vrrpsock: write AH on %s: %w", c.ifi.Name, os.ErrClosed)
	}
	for {
		err := unix.Sendto(c.fd, datagram, 0, &unix.SockaddrInet4{Addr: dst.As4()})
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("vrrpsock: write AH to %s on %s: %w", dst, c.ifi.Name, err)
		}
		return nil
	}
}

// SetReadDeadline sets the deadline for ReadFrom; a zero time clears it.
func (c *AHConn) SetReadDeadline(t time.Time) error { return c.c.SetReadDeadline(t) }

// Close closes both sockets; a blocked ReadFrom returns an error wrapping
// net.ErrClosed.
func (c *AHConn) Close() error {
	c.mu.Lock()
	var err error
	if c.fd >= 0 {
		err = unix.Close(c.fd)
		c.fd = -1
	}
	c.mu.Unlock()
	return errors.Join(c.c.Close(), err)
}

// SetRcvBuf sets the receive socket's buffer again (see Conn.SetRcvBuf).
func (c *AHConn) SetRcvBuf(n int) error { return c.rb.reset(c.c, n) }
