package vrrpsock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Packet is one message for ReadBatch. The caller sets Buf; ReadBatch
// fills in the rest.
type Packet struct {
	Buf      []byte // where the VRRP message goes, without its IP header
	N        int    // bytes of Buf used; a longer packet is truncated
	Src, Dst netip.Addr
	TTL      int // TTL or hop limit; -1 if the kernel did not report it
}

// maxBatch bounds the messages one recvmmsg reads.
const maxBatch = 16

// oobLen holds IPV6_HOPLIMIT, IPV6_PKTINFO and the interface control
// message with room to spare.
const oobLen = 128

// mmsghdr is struct mmsghdr; Go pads it as C does.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

// receiver reads with recvmmsg straight on the socket. x/net's ReadFrom
// goes through x/sys/unix's sockaddr decoding, which asks the kernel for
// SO_PROTOCOL on every packet (a getsockopt per received advert), and
// allocates; this path does neither. IPv4 raw sockets deliver the IP
// header, which carries the TTL, source and destination the control
// messages would repeat; IPv6 ones do not, so there the source comes from
// the socket address and hop limit and destination from control messages.
type receiver struct {
	mu    sync.Mutex
	rc    syscall.RawConn
	v6    bool
	hdrs  [maxBatch]mmsghdr
	iovs  [maxBatch]unix.Iovec
	names [maxBatch]unix.RawSockaddrInet6
	oob   [maxBatch * oobLen]byte
	// State of the call in progress, so that the function handed to
	// RawConn.Read is made once instead of a closure per read.
	n, got int
	serr   error
	readFn func(fd uintptr) bool
}

func newReceiver(c syscall.Conn, v6 bool) (*receiver, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	r := &receiver{rc: rc, v6: v6}
	r.readFn = r.recvmmsg
	return r, nil
}

// ReadBatch blocks until at least one packet arrives, then reads as many
// as are queued, up to len(ps) (at most 16), with one system call. It
// returns how many of ps it filled.
func (c *Conn) ReadBatch(ps []Packet) (int, error) {
	n, err := c.rx.read(ps)
	if err != nil {
		return 0, fmt.Errorf("vrrpsock: read on %s: %w", c.ifi.Name, err)
	}
	return n, nil
}

func (r *receiver) read(ps []Packet) (int, error) {
	n := min(len(ps), maxBatch)
	if n == 0 {
		return 0, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range n {
		if len(ps[i].Buf) == 0 {
			return 0, errors.New("empty buffer")
		}
		r.iovs[i].Base = &ps[i].Buf[0]
		r.iovs[i].SetLen(len(ps[i].Buf))
		h := &r.hdrs[i].hdr
		*h = unix.Msghdr{Iov: &r.iovs[i]}
		h.SetIovlen(1)
		if r.v6 {
			h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
			h.Namelen = unix.SizeofSockaddrInet6
			h.Control = &r.oob[i*oobLen]
			h.SetControllen(oobLen)
		}
		r.hdrs[i].n = 0
	}
	r.n, r.got, r.serr = n, 0, nil
	err := r.rc.Read(r.readFn)
	if err == nil {
		err = r.serr
	}
	if err != nil {
		return 0, err
	}
	got := r.got
	for i := range got {
		if r.v6 {
			r.parse6(&ps[i], i)
		} else {
			parse4(&ps[i], int(r.hdrs[i].n))
		}
	}
	return got, nil
}

// recvmmsg is the RawConn.Read callback: false means "nothing queued,
// wait for the poller".
func (r *receiver) recvmmsg(fd uintptr) bool {
	for {
		m, _, e := unix.RawSyscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])), uintptr(r.n), 0, 0, 0)
		switch e {
		case 0:
			r.got = int(m)
			return true
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		r.serr = e
		return true
	}
}

// parse4 takes TTL and addresses from the IP header, then moves the VRRP
// message to the front of the buffer. A packet too short for its header
// comes back empty.
func parse4(p *Packet, m int) {
	b := p.Buf[:min(m, len(p.Buf))]
	*p = Packet{Buf: p.Buf, TTL: -1}
	if len(b) < 20 {
		return
	}
	ihl := int(b[0]&0x0f) << 2
	if ihl < 20 || ihl > len(b) {
		return
	}
	p.TTL = int(b[8])
	p.Src = netip.AddrFrom4([4]byte(b[12:16]))
	p.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	p.N = copy(p.Buf, b[ihl:])
}

func (r *receiver) parse6(p *Packet, i int) {
	h := &r.hdrs[i]
	*p = Packet{Buf: p.Buf, N: min(int(h.n), len(p.Buf)), TTL: -1}
	if h.hdr.Namelen >= unix.SizeofSockaddrInet6 && r.names[i].Family == unix.AF_INET6 {
		p.Src = netip.AddrFrom16(r.names[i].Addr).Unmap()
	}
	oob := r.oob[i*oobLen : i*oobLen+min(int(h.hdr.Controllen), oobLen)]
	hl := unix.CmsgLen(0)
	for len(oob) >= hl {
		cm := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(cm.Len)
		if l < hl || l > len(oob) {
			break
		}
		data := oob[hl:l]
		if cm.Level == unix.IPPROTO_IPV6 {
			switch {
			case cm.Type == unix.IPV6_HOPLIMIT && len(data) >= 4:
				p.TTL = int(int32(binary.NativeEndian.Uint32(data)))
			case cm.Type == unix.IPV6_PKTINFO && len(data) >= unix.SizeofInet6Pktinfo:
				p.Dst = netip.AddrFrom16([16]byte(data[:16])).Unmap()
			}
		}
		oob = oob[min(unix.CmsgSpace(l-hl), len(oob)):]
	}
}
