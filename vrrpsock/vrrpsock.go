// Package vrrpsock provides raw IP protocol 112 (VRRP) sockets bound to one
// interface and one address family, configured the way keepalived
// configures its own (vrrp_if.c): bound to the device, multicast group
// joined on that interface only, IP_MULTICAST_ALL off, multicast loopback
// off, TTL/hop limit 255, TOS/traffic class 0xc0 and, for IPv6, the VRRP
// checksum computed and verified by the kernel (IPV6_CHECKSUM at offset 6).
//
// A Conn is meant to be shared by every VRRP instance on the interface: it
// receives all protocol-112 packets arriving there, multicast (for the
// joined groups) and unicast, and reports the TTL/hop limit and destination
// of each so the engine can apply RFC 5798's checks itself.
package vrrpsock

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/internal/ifindex"
)

// Protocol is the IP protocol number of VRRP.
const Protocol = 112

// The multicast groups of RFC 5798 §5.1.1.2 and §5.1.2.2.
var (
	GroupIPv4 = netip.MustParseAddr("224.0.0.18")
	GroupIPv6 = netip.MustParseAddr("ff02::12")
)

// ChecksumOffset is where the checksum sits in a VRRP header. On IPv6
// sockets the kernel writes the checksum there on send (overwriting what
// the caller put) and drops packets whose checksum is wrong on receive, as
// it does for keepalived.
const ChecksumOffset = 6

// tosPriority is IPTOS_PREC_INTERNETCONTROL (0xc0), the TOS / traffic class
// keepalived puts on adverts (seen as tos=192 in captured frames).
const tosPriority = 0xc0

// Config tunes a Conn. The zero value (or nil) gives keepalived's defaults.
type Config struct {
	// Group is the multicast group to join and to report as the multicast
	// destination; the zero value means 224.0.0.18 or ff02::12
	// (keepalived's mcast_dst_ip, vrrp_mcast_group4/6).
	Group netip.Addr
	// NoJoin leaves the group unjoined, for interfaces whose instances
	// all use unicast peers: keepalived does not join then either.
	NoJoin bool
	// Source is the default source address of sent packets
	// (mcast_src_ip / unicast_src_ip); the zero value lets the kernel
	// choose (the primary address, or the link-local address for IPv6).
	Source netip.Addr
	// UnicastTTL is the TTL / hop limit of unicast sends; 0 means 255
	// for IPv4 and the kernel's default hop limit (the interface's
	// hop_limit sysctl) for IPv6, as keepalived leaves it. Multicast sends
	// always use 255 (RFC 5798 §5.1.1.3). WriteToTTL overrides it for one
	// packet (an instance's unicast_ttl).
	UnicastTTL int
	// RcvBuf is the receive buffer size (SO_RCVBUF), keepalived's sum of
	// its instances' shares (kernel_rx_buf_size, vrrp_rx_bufs_policy); 0
	// leaves the kernel's default, a negative one (keepalived's wrapped
	// int) is passed on, and the kernel caps it at net.core.rmem_max.
	RcvBuf int
}

// Conn is a VRRP socket on one interface and address family. Its methods
// are safe for concurrent use.
type Conn struct {
	v6    bool
	ifi   *net.Interface
	group netip.Addr
	src   netip.Addr
	c     net.PacketConn
	p4    *ipv4.PacketConn
	p6    *ipv6.PacketConn
	rx    *receiver
	tx    *sender
	rb    rcvBuf
}

// Listen opens a VRRP socket on the interface named ifname. network is
// "ip4" or "ip6". The socket is created in the calling thread's network
// namespace.
func Listen(network, ifname string, cfg *Config) (*Conn, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	var v6 bool
	switch network {
	case "ip4":
	case "ip6":
		v6 = true
	default:
		return nil, fmt.Errorf("vrrpsock: unknown network %q (want ip4 or ip6)", network)
	}
	ifi, err := ifindex.ByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("vrrpsock: %w", err)
	}
	c := &Conn{v6: v6, ifi: ifi, group: cfg.Group, src: cfg.Source}
	c.rb.n.Store(int64(cfg.RcvBuf))
	if !c.group.IsValid() {
		c.group = GroupIPv4
		if v6 {
			c.group = GroupIPv6
		}
	}
	if c.group.Is6() != v6 || !c.group.IsMulticast() {
		return nil, fmt.Errorf("vrrpsock: group %s is not an %s multicast address", c.group, network)
	}
	if c.src.IsValid() && c.src.Unmap().Is6() != v6 {
		return nil, fmt.Errorf("vrrpsock: source %s is not an %s address", c.src, network)
	}
	c.src = c.src.Unmap()
	ttl := cfg.UnicastTTL
	switch {
	case ttl == 0 && v6:
		ttl = -1 // IPV6_UNICAST_HOPS: the kernel's default
	case ttl == 0:
		ttl = 255
	}
	if err := c.open(network, ifname, ttl, !cfg.NoJoin); err != nil {
		if c.c != nil {
			c.c.Close()
		}
		return nil, fmt.Errorf("vrrpsock: listen %s on %s: %w", network, ifname, err)
	}
	if err := setRcvBuf(c.c, cfg.RcvBuf); err != nil {
		c.c.Close()
		return nil, fmt.Errorf("vrrpsock: listen %s on %s: %w", network, ifname, err)
	}
	tx, err := newSender(v6, ifname, ifi.Index, ttl)
	if err != nil {
		c.c.Close()
		return nil, fmt.Errorf("vrrpsock: listen %s on %s: %w", network, ifname, err)
	}
	c.tx = tx
	return c, nil
}

func (c *Conn) open(network, ifname string, ttl int, join bool) error {
	v6 := c.v6
	// Options x/net does not expose are set before bind, on the raw fd, so
	// the socket never sees traffic from other interfaces or for groups
	// joined by other sockets.
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			s := int(fd)
			if serr = unix.BindToDevice(s, ifname); serr != nil {
				serr = fmt.Errorf("SO_BINDTODEVICE: %w", serr)
				return
			}
			if v6 {
				serr = unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, 0)
			} else {
				serr = unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0)
				// keepalived's adverts leave DF clear; so do ours.
				if serr == nil {
					serr = unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DONT)
				}
			}
			if serr != nil {
				serr = fmt.Errorf("multicast_all: %w", serr)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	laddr := "0.0.0.0"
	if v6 {
		laddr = "::"
	}
	pc, err := lc.ListenPacket(context.Background(), fmt.Sprintf("%s:%d", network, Protocol), laddr)
	if err != nil {
		return err
	}
	c.c = pc
	sc, ok := pc.(syscall.Conn)
	if !ok {
		return fmt.Errorf("%T has no raw socket", pc)
	}
	if c.rx, err = newReceiver(sc, v6); err != nil {
		return err
	}
	if !v6 {
		p := ipv4.NewPacketConn(pc)
		c.p4 = p
		return setup(
			step{"IP_MULTICAST_IF", func() error { return p.SetMulticastInterface(c.ifi) }},
			step{"IP_MULTICAST_TTL", func() error { return p.SetMulticastTTL(255) }},
			step{"IP_TTL", func() error { return p.SetTTL(ttl) }},
			step{"IP_MULTICAST_LOOP", func() error { return p.SetMulticastLoopback(false) }},
			step{"IP_TOS", func() error { return p.SetTOS(tosPriority) }},
			step{"control messages", func() error {
				return p.SetControlMessage(ipv4.FlagTTL|ipv4.FlagDst|ipv4.FlagInterface, true)
			}},
			step{"join", func() error { return c.join(join) }},
		)
	}
	p := ipv6.NewPacketConn(pc)
	c.p6 = p
	return setup(
		step{"IPV6_MULTICAST_IF", func() error { return p.SetMulticastInterface(c.ifi) }},
		step{"IPV6_MULTICAST_HOPS", func() error { return p.SetMulticastHopLimit(255) }},
		step{"IPV6_UNICAST_HOPS", func() error { return p.SetHopLimit(ttl) }},
		step{"IPV6_MULTICAST_LOOP", func() error { return p.SetMulticastLoopback(false) }},
		step{"IPV6_TCLASS", func() error { return p.SetTrafficClass(tosPriority) }},
		step{"IPV6_CHECKSUM", func() error { return p.SetChecksum(true, ChecksumOffset) }},
		step{"control messages", func() error {
			return p.SetControlMessage(ipv6.FlagHopLimit|ipv6.FlagDst|ipv6.FlagInterface, true)
		}},
		step{"join", func() error { return c.join(join) }},
	)
}

func (c *Conn) join(do bool) error {
	if !do {
		return nil
	}
	return c.JoinGroup(c.group)
}

type step struct {
	name string
	f    func() error
}

func setup(steps ...step) error {
	for _, s := range steps {
		if err := s.f(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// Interface returns the interface the Conn is bound to, as resolved when
// it was opened.
func (c *Conn) Interface() *net.Interface { return c.ifi }

// Group returns the multicast group of the Conn (joined unless NoJoin).
func (c *Conn) Group() netip.Addr { return c.group }

// JoinGroup joins one more multicast group on the interface, for instances
// configured with a different mcast_dst_ip.
func (c *Conn) JoinGroup(group netip.Addr) error {
	g := &net.IPAddr{IP: group.AsSlice()}
	var err error
	if c.v6 {
		err = c.p6.JoinGroup(c.ifi, g)
	} else {
		err = c.p4.JoinGroup(c.ifi, g)
	}
	if err != nil {
		return fmt.Errorf("vrrpsock: join %s on %s: %w", group, c.ifi.Name, err)
	}
	return nil
}

// LeaveGroup undoes JoinGroup (or the join done by Listen).
func (c *Conn) LeaveGroup(group netip.Addr) error {
	g := &net.IPAddr{IP: group.AsSlice()}
	var err error
	if c.v6 {
		err = c.p6.LeaveGroup(c.ifi, g)
	} else {
		err = c.p4.LeaveGroup(c.ifi, g)
	}
	if err != nil {
		return fmt.Errorf("vrrpsock: leave %s on %s: %w", group, c.ifi.Name, err)
	}
	return nil
}

// ReadFrom reads one VRRP packet into b, without its IP header. It returns
// the IP source and destination and the TTL (IPv4) or hop limit (IPv6) the
// packet arrived with; ttl is -1 if the kernel did not report it. A packet
// longer than b is truncated to len(b).
func (c *Conn) ReadFrom(b []byte) (n int, src, dst netip.Addr, ttl int, err error) {
	ps := [1]Packet{{Buf: b}}
	if _, err = c.ReadBatch(ps[:]); err != nil {
		return 0, src, dst, -1, err
	}
	p := &ps[0]
	return p.N, p.Src, p.Dst, p.TTL, nil
}

// WriteTo sends payload (a VRRP header and addresses) to dst, which is the
// multicast group or a unicast peer. src selects the source address
// (IP_PKTINFO / IPV6_PKTINFO); the zero value means Config.Source, and if
// that is unset too the kernel's choice. On IPv6 the kernel fills in the
// checksum.
func (c *Conn) WriteTo(payload []byte, src, dst netip.Addr) error {
	return c.WriteToTTL(payload, src, dst, 0)
}

// WriteToTTL is WriteTo with the TTL / hop limit of this one packet
// (1-255; 0: the socket's), as keepalived sets its instance's
// unicast_ttl in each packet (IPv4 header, IPV6_HOPLIMIT).
func (c *Conn) WriteToTTL(payload []byte, src, dst netip.Addr, ttl int) error {
	if ttl < 0 || ttl > 255 {
		return fmt.Errorf("vrrpsock: write on %s: TTL %d out of range", c.ifi.Name, ttl)
	}
	if !src.IsValid() {
		src = c.src
	}
	dst = dst.Unmap()
	src = src.Unmap()
	if !dst.IsValid() || dst.Is6() != c.v6 {
		return fmt.Errorf("vrrpsock: write on %s: destination %s has the wrong family", c.ifi.Name, dst)
	}
	if err := c.tx.send(payload, src, dst, ttl); err != nil {
		return fmt.Errorf("vrrpsock: write to %s on %s: %w", dst, c.ifi.Name, err)
	}
	return nil
}

// SetReadDeadline sets the deadline for ReadFrom; a zero time clears it.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.c.SetReadDeadline(t) }

// Close closes the socket; a blocked ReadFrom returns an error wrapping
// net.ErrClosed.
func (c *Conn) Close() error {
	return errors.Join(c.c.Close(), c.tx.close())
}

// SetRcvBuf sets the receive buffer again, as RcvBuf at Listen (a reload
// changed it); 0 restores the kernel's default (net.core.rmem_default).
func (c *Conn) SetRcvBuf(n int) error { return c.rb.reset(c.c, n) }

// rcvBuf is the SO_RCVBUF last asked of a socket.
type rcvBuf struct{ n atomic.Int64 }

// reset is setRcvBuf for a socket that may have had one set, and does
// nothing when n is what it has: 0 sets half of net.core.rmem_default,
// which the kernel doubles back to the default a new socket has.
func (rb *rcvBuf) reset(pc net.PacketConn, n int) error {
	if rb.n.Swap(int64(n)) == int64(n) {
		return nil
	}
	if n == 0 {
		b, err := os.ReadFile("/proc/sys/net/core/rmem_default")
		if err != nil {
			return fmt.Errorf("SO_RCVBUF: %w", err)
		}
		d, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			return fmt.Errorf("SO_RCVBUF: rmem_default %q: %w", b, err)
		}
		n = d / 2
	}
	return setRcvBuf(pc, n)
}

// setRcvBuf sets SO_RCVBUF unless n is 0. keepalived logs a failure and
// goes on; setting it fails only on a closed socket, so it is an error here.
func setRcvBuf(pc net.PacketConn, n int) error {
	if n == 0 {
		return nil
	}
	if err := pc.(interface{ SetReadBuffer(int) error }).SetReadBuffer(n); err != nil {
		return fmt.Errorf("SO_RCVBUF: %w", err)
	}
	return nil
}
