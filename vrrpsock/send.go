package vrrpsock

import (
	"net/netip"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sender writes with sendmsg straight on the socket from a message header
// built once per Conn: x/net's WriteTo allocates the destination address,
// the control message and the iovecs on every advert (11 allocations per
// advert sent and received), which with 255 instances is garbage the
// collector has to chase. The bytes on the wire are the same: the
// destination, and IP_PKTINFO / IPV6_PKTINFO carrying the interface and
// the chosen source address exactly as x/net marshals them.
type sender struct {
	mu      sync.Mutex
	rc      syscall.RawConn
	v6      bool
	ifindex int
	hdr     unix.Msghdr
	iov     unix.Iovec
	sa4     unix.RawSockaddrInet4
	sa6     unix.RawSockaddrInet6
	oob     [8]uint64 // 8-byte aligned, as cmsghdr needs
	serr    error
	writeFn func(fd uintptr) bool // made once: a closure per send would allocate
}

func newSender(c syscall.Conn, v6 bool, ifindex int) (*sender, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	s := &sender{rc: rc, v6: v6, ifindex: ifindex}
	s.writeFn = s.sendmsg
	return s, nil
}

// send writes payload to dst with the source address src (zero: the
// kernel's choice); IPv6 sends always name the interface.
func (s *sender) send(payload []byte, src, dst netip.Addr) error {
	s.mu.Lock()
	defer s.mu.Unlock()
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
	s.serr = nil
	if err := s.rc.Write(s.writeFn); err != nil {
		return err
	}
	return s.serr
}

// sendmsg is the RawConn.Write callback.
func (s *sender) sendmsg(fd uintptr) bool {
	for {
		_, _, e := unix.RawSyscall(unix.SYS_SENDMSG, fd, uintptr(unsafe.Pointer(&s.hdr)), 0)
		switch e {
		case 0:
			return true
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false // wait for the poller
		}
		s.serr = os.NewSyscallError("sendmsg", e)
		return true
	}
}

// cmsg puts one control message at the start of oob and points the
// header at it.
func (s *sender) cmsg(oob []byte, level, typ int32, data []byte) {
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.Level = level
	h.Type = typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(oob[unix.CmsgLen(0):], data)
	s.hdr.Control = &oob[0]
	s.hdr.SetControllen(unix.CmsgSpace(len(data)))
}
