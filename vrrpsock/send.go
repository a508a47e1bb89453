package vrrpsock

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sender writes adverts on a socket of its own, as keepalived does (its
// fd_out), with sendmsg from a message header built once per Conn.
//
// Its own socket, because Go's poller watches a socket for writability
// too: every packet sent on the receiving socket, once the kernel frees
// it, raises an EPOLLOUT edge that wakes an idle thread of the runtime,
// which finds nothing to do - a futile wake-up per advert. The send socket
// is never given to the poller; it is non-blocking, joins no group and
// drops whatever the kernel would queue to it with a reject-all filter.
//
// The prebuilt header, because x/net's WriteTo allocated the destination
// address, the control message and the iovecs on every advert. The bytes
// on the wire are the same: the destination, and IP_PKTINFO /
// IPV6_PKTINFO carrying the interface and the chosen source address
// exactly as x/net marshals them.
type sender struct {
	mu      sync.Mutex
	fd      int // -1 once closed
	v6      bool
	ifindex int
	ttl     int // the socket's unicast TTL
	hdr     unix.Msghdr
	iov     unix.Iovec
	sa4     unix.RawSockaddrInet4
	sa6     unix.RawSockaddrInet6
	oob     [8]uint64 // 8-byte aligned, as cmsghdr needs
}

// newSender opens the send socket with the options Listen gives the
// receiving one that matter for sending.
func newSender(v6 bool, ifname string, ifindex, ttl int) (*sender, error) {
	fam := unix.AF_INET
	if v6 {
		fam = unix.AF_INET6
	}
	fd, err := unix.Socket(fam, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, Protocol)
	if err != nil {
		return nil, fmt.Errorf("send socket: %w", err)
	}
	drop := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: 0}}
	steps := []struct {
		name string
		f    func() error
	}{
		{"SO_BINDTODEVICE", func() error { return unix.BindToDevice(fd, ifname) }},
		{"SO_ATTACH_FILTER", func() error {
			return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: 1, Filter: &drop[0]})
		}},
		// Nothing is received here: the smallest buffer the kernel
		// allows, as keepalived gives its send socket (SO_RCVBUF 0).
		{"SO_RCVBUF", func() error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 0) }},
	}
	type opt struct {
		name       string
		level, opt int
		v          int
	}
	var opts []opt
	if v6 {
		opts = []opt{
			{"IPV6_MULTICAST_ALL", unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, 0},
			{"IPV6_MULTICAST_IF", unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, ifindex},
			{"IPV6_MULTICAST_HOPS", unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, 255},
			{"IPV6_UNICAST_HOPS", unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, ttl},
			{"IPV6_MULTICAST_LOOP", unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, 0},
			{"IPV6_TCLASS", unix.IPPROTO_IPV6, unix.IPV6_TCLASS, tosPriority},
			{"IPV6_CHECKSUM", unix.IPPROTO_IPV6, unix.IPV6_CHECKSUM, ChecksumOffset},
		}
	} else {
		steps = append(steps, struct {
			name string
			f    func() error
		}{"IP_MULTICAST_IF", func() error {
			return unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, &unix.IPMreqn{Ifindex: int32(ifindex)})
		}})
		opts = []opt{
			{"IP_MULTICAST_ALL", unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0},
			{"IP_MTU_DISCOVER", unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DONT},
			{"IP_MULTICAST_TTL", unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, 255},
			{"IP_TTL", unix.IPPROTO_IP, unix.IP_TTL, ttl},
			{"IP_MULTICAST_LOOP", unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0},
			{"IP_TOS", unix.IPPROTO_IP, unix.IP_TOS, tosPriority},
		}
	}
	for _, st := range steps {
		if err := st.f(); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("send socket %s: %w", st.name, err)
		}
	}
	for _, o := range opts {
		if err := unix.SetsockoptInt(fd, o.level, o.opt, o.v); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("send socket %s: %w", o.name, err)
		}
	}
	return &sender{fd: fd, v6: v6, ifindex: ifindex, ttl: ttl}, nil
}

// close closes the send socket; sends after it fail.
func (s *sender) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fd < 0 {
		return nil
	}
	err := unix.Close(s.fd)
	s.fd = -1
	return err
}

// send writes payload to dst with the source address src (zero: the
// kernel's choice) and, when ttl is not 0, that TTL / hop limit; IPv6
// sends always name the interface.
func (s *sender) send(payload []byte, src, dst netip.Addr, ttl int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.v6 && src.Is4() && src.IsMulticast() {
		return s.sendHdrIncl(payload, src, dst, ttl)
	}
	s.hdr = unix.Msghdr{}
	if len(payload) > 0 {
		s.iov.Base = &payload[0]
		s.iov.SetLen(len(payload))
		s.hdr.Iov = &s.iov
		s.hdr.SetIovlen(1)
	}
	oob := unsafe.Slice((*byte)(unsafe.Pointer(&s.oob[0])), len(s.oob)*8)
	if s.v6 {
		s.sa6 = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: dst.As16()}
		s.hdr.Name = (*byte)(unsafe.Pointer(&s.sa6))
		s.hdr.Namelen = unix.SizeofSockaddrInet6
		pi := unix.Inet6Pktinfo{Ifindex: uint32(s.ifindex)}
		if src.Is6() { // x/net too ignores a source of the other family
			pi.Addr = src.As16()
		}
		s.cmsg(oob, unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, unsafe.Slice((*byte)(unsafe.Pointer(&pi)), unix.SizeofInet6Pktinfo))
	} else {
		s.sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: dst.As4()}
		s.hdr.Name = (*byte)(unsafe.Pointer(&s.sa4))
		s.hdr.Namelen = unix.SizeofSockaddrInet4
		if src.Is4() {
			pi := unix.Inet4Pktinfo{Ifindex: int32(s.ifindex), Spec_dst: src.As4()}
			s.cmsg(oob, unix.IPPROTO_IP, unix.IP_PKTINFO, unsafe.Slice((*byte)(unsafe.Pointer(&pi)), unix.SizeofInet4Pktinfo))
		}
	}
	if ttl > 0 {
		v := int32(ttl)
		level, typ := int32(unix.IPPROTO_IP), int32(unix.IP_TTL)
		if s.v6 {
			level, typ = unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT
		}
		s.cmsg(oob, level, typ, unsafe.Slice((*byte)(unsafe.Pointer(&v)), 4))
	}
	if s.fd < 0 {
		return os.ErrClosed
	}
	for tries := 0; ; tries++ {
		// Raw: the socket does not block, so the scheduler need not know.
		_, _, e := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&s.hdr)), 0)
		switch {
		case e == 0:
			return nil
		case e == unix.EINTR:
			continue
		case e == unix.EAGAIN && tries < 1:
			// Send buffer full: wait for room as a blocking send would,
			// boundedly (the engine holds its lock).
			pfd := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLOUT}}
			if _, err := unix.Poll(pfd, 100); err != nil && err != unix.EINTR {
				return os.NewSyscallError("poll", err)
			}
			continue
		}
		return os.NewSyscallError("sendmsg", e)
	}
}

// cmsg appends one control message to those already in oob and points
// the header at them.
func (s *sender) cmsg(oob []byte, level, typ int32, data []byte) {
	off := int(s.hdr.Controllen) // 0 after the header's reset in send
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[off]))
	h.Level = level
	h.Type = typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(oob[off+unix.CmsgLen(0):], data)
	s.hdr.Control = &oob[0]
	s.hdr.SetControllen(off + unix.CmsgSpace(len(data)))
}

// sendHdrIncl writes payload behind an IPv4 header of its own, as
// keepalived writes every IPv4 advert (IP_HDRINCL, vrrp_build_ip4): the
// kernel then sends from any source, a multicast one included, where an
// IP_PKTINFO source is routed and a multicast one refused with EINVAL
// (corpus 048: eth0's address, and mcast_src_ip, is 224.0.0.118). The
// kernel fills in the identification and the header checksum. The send
// socket takes the header for this one packet only: such a source is
// rare, and a socket of its own would cost every instance a descriptor.
func (s *sender) sendHdrIncl(payload []byte, src, dst netip.Addr, ttl int) (err error) {
	if s.fd < 0 {
		return os.ErrClosed
	}
	if err := unix.SetsockoptInt(s.fd, unix.IPPROTO_IP, unix.IP_HDRINCL, 1); err != nil {
		return os.NewSyscallError("setsockopt IP_HDRINCL", err)
	}
	defer func() {
		if e := unix.SetsockoptInt(s.fd, unix.IPPROTO_IP, unix.IP_HDRINCL, 0); e != nil && err == nil {
			err = os.NewSyscallError("setsockopt IP_HDRINCL", e)
		}
	}()
	if ttl <= 0 {
		ttl = s.ttl
		if dst.IsMulticast() {
			ttl = 255 // IP_MULTICAST_TTL of the other socket
		}
	}
	pkt := ip4Header(src, dst, ttl, len(payload))
	pkt = append(pkt, payload...)
	for {
		err := unix.Sendto(s.fd, pkt, 0, &unix.SockaddrInet4{Addr: dst.As4()})
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("sendto", err)
		}
		return nil
	}
}

// ip4Header is keepalived's vrrp_build_ip4 header for a VRRP payload of n
// bytes: TOS internet control, no fragment flags, id and checksum left to
// the kernel.
func ip4Header(src, dst netip.Addr, ttl, n int) []byte {
	h := make([]byte, 20, 20+n)
	h[0] = 0x45
	h[1] = tosPriority
	binary.BigEndian.PutUint16(h[2:], uint16(20+n))
	h[8] = byte(ttl)
	h[9] = Protocol
	s4, d4 := src.As4(), dst.As4()
	copy(h[12:16], s4[:])
	copy(h[16:20], d4[:])
	return h
}
