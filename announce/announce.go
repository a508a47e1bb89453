// Package announce sends the frames a new VRRP master uses to move its
// addresses to itself: gratuitous ARP for IPv4 and unsolicited neighbour
// advertisements for IPv6, byte for byte as keepalived sends them
// (vrrp_arp.c, vrrp_ndisc.c).
//
// Frames are built whole and sent on AF_PACKET sockets, so no address has
// to be configured (or out of DAD) on the interface, and the source MAC is
// read from the interface at each send: a VMAC or a bond whose MAC changed
// is honoured.
package announce

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"unsafe"

	"github.com/mdlayher/packet"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/internal/ifindex"
)

// Frame lengths (no FCS, no padding).
const (
	GARPLen = 14 + 28
	NALen   = 14 + 40 + 32
)

var (
	broadcast   = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	allNodes    = netip.MustParseAddr("ff02::1")
	allNodesMAC = net.HardwareAddr{0x33, 0x33, 0, 0, 0, 1}
	dropAll, _  = bpf.Assemble([]bpf.Instruction{bpf.RetConstant{Val: 0}})

	errNotIPv4  = errors.New("not an IPv4 address")
	errNotIPv6  = errors.New("not an IPv6 address")
	errShortMAC = errors.New("interface has no Ethernet address")
)

// Neighbour advertisement flags (RFC 4861 §4.4).
const (
	naRouter   = 1 << 31
	naOverride = 1 << 29
)

// GARP returns keepalived's gratuitous ARP for ip from mac: an ARP request
// to the broadcast address with sender and target protocol addresses both
// ip and target hardware address ff:ff:ff:ff:ff:ff.
func GARP(mac net.HardwareAddr, ip netip.Addr) ([]byte, error) {
	ip = ip.Unmap()
	if !ip.Is4() {
		return nil, fmt.Errorf("announce: gratuitous ARP for %s: %w", ip, errNotIPv4)
	}
	if len(mac) != 6 {
		return nil, fmt.Errorf("announce: gratuitous ARP for %s: %w", ip, errShortMAC)
	}
	b := make([]byte, 0, GARPLen)
	b = append(b, broadcast...)
	b = append(b, mac...)
	b = binary.BigEndian.AppendUint16(b, unix.ETH_P_ARP)
	b = binary.BigEndian.AppendUint16(b, 1) // Ethernet
	b = binary.BigEndian.AppendUint16(b, unix.ETH_P_IP)
	b = append(b, 6, 4)
	b = binary.BigEndian.AppendUint16(b, 1) // request
	a := ip.As4()
	b = append(b, mac...)
	b = append(b, a[:]...)
	b = append(b, broadcast...)
	b = append(b, a[:]...)
	return b, nil
}

// NA returns keepalived's unsolicited neighbour advertisement for ip from
// mac: sent from ip itself to ff02::1 with hop limit 255, Override set,
// Router set if router is, and a target link-layer address option.
func NA(mac net.HardwareAddr, ip netip.Addr, router bool) ([]byte, error) {
	if !ip.Is6() || ip.Is4In6() {
		return nil, fmt.Errorf("announce: neighbour advertisement for %s: %w", ip, errNotIPv6)
	}
	if len(mac) != 6 {
		return nil, fmt.Errorf("announce: neighbour advertisement for %s: %w", ip, errShortMAC)
	}
	src, dst := ip.As16(), allNodes.As16()
	b := make([]byte, 0, NALen)
	b = append(b, allNodesMAC...)
	b = append(b, mac...)
	b = binary.BigEndian.AppendUint16(b, unix.ETH_P_IPV6)
	// IPv6 header: version 6, traffic class and flow label 0.
	b = binary.BigEndian.AppendUint32(b, 6<<28)
	b = binary.BigEndian.AppendUint16(b, 32)
	b = append(b, unix.IPPROTO_ICMPV6, 255)
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	icmp := len(b)
	b = append(b, 136, 0, 0, 0) // type, code, checksum
	flags := uint32(naOverride)
	if router {
		flags |= naRouter
	}
	b = binary.BigEndian.AppendUint32(b, flags)
	b = append(b, src[:]...)
	b = append(b, 2, 1) // target link-layer address, 8 bytes
	b = append(b, mac...)
	binary.BigEndian.PutUint16(b[icmp+2:], icmpv6Checksum(src, dst, b[icmp:]))
	return b, nil
}

func icmpv6Checksum(src, dst [16]byte, msg []byte) uint16 {
	var s uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			s += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			s += uint32(b[len(b)-1]) << 8
		}
	}
	add(src[:])
	add(dst[:])
	s += uint32(len(msg)) + unix.IPPROTO_ICMPV6
	add(msg)
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// Conn sends announcements on one interface. Its methods are safe for
// concurrent use.
type Conn struct {
	ifname string
	arp    *packet.Conn
	ipv6   *packet.Conn
}

// Dial opens packet sockets on the interface named ifname, in the calling
// thread's network namespace. The sockets only send: a filter drops
// everything they would receive.
func Dial(ifname string) (*Conn, error) {
	ifi, err := ifindex.ByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("announce: %w", err)
	}
	cfg := &packet.Config{Filter: dropAll}
	arp, err := packet.Listen(ifi, packet.Raw, unix.ETH_P_ARP, cfg)
	if err != nil {
		return nil, fmt.Errorf("announce: open ARP socket on %s: %w", ifname, err)
	}
	ipv6, err := packet.Listen(ifi, packet.Raw, unix.ETH_P_IPV6, cfg)
	if err != nil {
		arp.Close()
		return nil, fmt.Errorf("announce: open IPv6 socket on %s: %w", ifname, err)
	}
	return &Conn{ifname: ifname, arp: arp, ipv6: ipv6}, nil
}

// Close closes the sockets.
func (c *Conn) Close() error { return errors.Join(c.arp.Close(), c.ipv6.Close()) }

// GratuitousARP sends one gratuitous ARP for ip.
func (c *Conn) GratuitousARP(ip netip.Addr) error {
	mac, err := c.mac(c.arp)
	if err != nil {
		return err
	}
	f, err := GARP(mac, ip)
	if err != nil {
		return err
	}
	if _, err := c.arp.WriteTo(f, &packet.Addr{HardwareAddr: broadcast}); err != nil {
		return fmt.Errorf("announce: gratuitous ARP for %s on %s: %w", ip, c.ifname, err)
	}
	return nil
}

// UnsolicitedNA sends one unsolicited neighbour advertisement for ip. The
// Router flag follows the interface's IPv6 forwarding setting, read at
// each send as keepalived rechecks it.
func (c *Conn) UnsolicitedNA(ip netip.Addr) error {
	mac, err := c.mac(c.ipv6)
	if err != nil {
		return err
	}
	f, err := NA(mac, ip, c.forwarding())
	if err != nil {
		return err
	}
	if _, err := c.ipv6.WriteTo(f, &packet.Addr{HardwareAddr: allNodesMAC}); err != nil {
		return fmt.Errorf("announce: neighbour advertisement for %s on %s: %w", ip, c.ifname, err)
	}
	return nil
}

// forwarding reads net.ipv6.conf.<if>.forwarding. /proc/sys/net shows the
// namespace of the reading thread, which is the daemon's.
func (c *Conn) forwarding() bool { return forwarding(c.ifname) }

func forwarding(ifname string) bool {
	b, err := os.ReadFile("/proc/sys/net/ipv6/conf/" + ifname + "/forwarding")
	return err == nil && strings.TrimSpace(string(b)) == "1"
}

// ifreqHW is struct ifreq with the ifr_hwaddr member.
type ifreqHW struct {
	name   [unix.IFNAMSIZ]byte
	family uint16
	data   [14]byte
	_      [8]byte
}

// mac asks the kernel for the interface's current MAC through the socket,
// so the answer comes from the socket's namespace whatever thread runs.
func (c *Conn) mac(p *packet.Conn) (net.HardwareAddr, error) {
	var req ifreqHW
	copy(req.name[:], c.ifname)
	rc, err := p.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("announce: %s: %w", c.ifname, err)
	}
	var errno unix.Errno
	err = rc.Control(func(fd uintptr) {
		_, _, errno = unix.Syscall(unix.SYS_IOCTL, fd, unix.SIOCGIFHWADDR, uintptr(unsafe.Pointer(&req)))
	})
	if err == nil && errno != 0 {
		err = errno
	}
	if err != nil {
		return nil, fmt.Errorf("announce: read MAC of %s: %w", c.ifname, err)
	}
	mac := make(net.HardwareAddr, 6)
	copy(mac, req.data[:6])
	return mac, nil
}

// Announcer sends announcements on any interface by name, as the VRRP
// engine's Network port needs, through one packet socket for every
// interface (keepalived's garp socket): the interface's index and MAC
// are asked for at each send, so a VMAC deleted and re-created under the
// same name is followed. Closing a packet socket costs the kernel an RCU
// grace period (packet_release's synchronize_net), so a socket pair per
// interface made stopping 2 000 VMAC instances take 40 s.
//
// The socket is opened in the namespace of the thread that sends first;
// its methods are safe for concurrent use.
type Announcer struct {
	mu sync.Mutex
	fd int // the socket, +1: the zero Announcer has none
}

// socket returns the shared socket, opening it on first use. Protocol 0:
// the kernel delivers nothing to it, so it needs no filter.
func (a *Announcer) socket() (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fd > 0 {
		return a.fd - 1, nil
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("announce: open packet socket: %w", err)
	}
	a.fd = fd + 1
	return fd, nil
}

// link is the index and current MAC of the interface named ifname.
func link(fd int, ifname string) (int, net.HardwareAddr, error) {
	ifr, err := unix.NewIfreq(ifname)
	if err != nil {
		return 0, nil, fmt.Errorf("announce: %s: %w", ifname, err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, nil, fmt.Errorf("announce: index of %s: %w", ifname, err)
	}
	index := int(ifr.Uint32())
	var req ifreqHW
	copy(req.name[:], ifname)
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCGIFHWADDR, uintptr(unsafe.Pointer(&req))); errno != 0 {
		return 0, nil, fmt.Errorf("announce: read MAC of %s: %w", ifname, errno)
	}
	return index, net.HardwareAddr(req.data[:6:6]), nil
}

// send builds a frame with the interface's MAC and sends it to dst.
func (a *Announcer) send(ifname string, proto uint16, dst net.HardwareAddr, build func(net.HardwareAddr) ([]byte, error)) error {
	fd, err := a.socket()
	if err != nil {
		return err
	}
	index, mac, err := link(fd, ifname)
	if err != nil {
		return err
	}
	f, err := build(mac)
	if err != nil {
		return err
	}
	to := &unix.SockaddrLinklayer{Protocol: htons(proto), Ifindex: index, Halen: 6}
	copy(to.Addr[:], dst)
	if err := unix.Sendto(fd, f, 0, to); err != nil {
		return fmt.Errorf("announce: send on %s: %w", ifname, err)
	}
	return nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// GratuitousARP sends one gratuitous ARP for ip on the interface ifname.
func (a *Announcer) GratuitousARP(ifname string, ip netip.Addr) error {
	return a.send(ifname, unix.ETH_P_ARP, broadcast, func(mac net.HardwareAddr) ([]byte, error) { return GARP(mac, ip) })
}

// UnsolicitedNA sends one unsolicited neighbour advertisement for ip on
// the interface ifname; the Router flag follows the interface's IPv6
// forwarding setting, read at each send.
func (a *Announcer) UnsolicitedNA(ifname string, ip netip.Addr) error {
	router := forwarding(ifname)
	return a.send(ifname, unix.ETH_P_IPV6, allNodesMAC, func(mac net.HardwareAddr) ([]byte, error) { return NA(mac, ip, router) })
}

// Close closes the socket.
func (a *Announcer) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fd == 0 {
		return nil
	}
	err := unix.Close(a.fd - 1)
	a.fd = 0
	return err
}
