package vrrplab

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/internal/netns"
)

// FrameKind is what the sniffer recognised in a frame.
type FrameKind int

// The frames a VRRP lab cares about.
const (
	Advert FrameKind = iota + 1 // a VRRP advertisement (v2 or v3, IPv4 or IPv6)
	GARP                        // a gratuitous ARP (sender address == target address)
	UNA                         // an unsolicited neighbour advertisement (ICMPv6 136, not solicited)
)

func (k FrameKind) String() string {
	switch k {
	case Advert:
		return "advert"
	case GARP:
		return "garp"
	case UNA:
		return "na"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Frame is one frame seen on the lab bridge, with the kernel's receive
// time.
type Frame struct {
	Time    time.Time
	Kind    FrameKind
	SrcMAC  net.HardwareAddr
	Src     netip.Addr // IP source (adverts, NAs); sender address (GARPs)
	Dst     netip.Addr // IP destination (adverts)
	Version int        // VRRP version (adverts)
	VRID    int        // adverts
	Prio    int        // adverts
	AH      bool       // an advert behind an IPsec AH header (auth_type AH)
	Target  netip.Addr // the announced address (GARP, NA)
	Raw     []byte     // the whole Ethernet frame
}

func (f Frame) String() string {
	switch f.Kind {
	case Advert:
		return fmt.Sprintf("%s advert v%d vrid %d prio %d %s > %s (%s)", f.Time.Format("15:04:05.000000"), f.Version, f.VRID, f.Prio, f.Src, f.Dst, f.SrcMAC)
	default:
		return fmt.Sprintf("%s %s %s (%s)", f.Time.Format("15:04:05.000000"), f.Kind, f.Target, f.SrcMAC)
	}
}

// Sniffer records every advert, GARP and unsolicited NA the lab bridge
// forwards. It listens on the bridge device in the switch namespace in
// promiscuous mode, which makes the bridge hand it every frame it forwards,
// unicast adverts between two routers included.
type Sniffer struct {
	fd   int
	done chan struct{}

	mu     sync.Mutex
	frames []Frame
	cond   *sync.Cond
}

// Sniff starts a sniffer on bridge in ns; t's cleanup stops it.
func Sniff(t testing.TB, ns *netns.NS, bridge string) *Sniffer {
	t.Helper()
	s := &Sniffer{fd: -1, done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(bridge)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return fmt.Errorf("packet socket: %w", err)
		}
		s.fd = fd
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
			return fmt.Errorf("bind %s: %w", bridge, err)
		}
		mreq := unix.PacketMreq{Ifindex: int32(ifi.Index), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return fmt.Errorf("promiscuous %s: %w", bridge, err)
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
			return fmt.Errorf("SO_TIMESTAMPNS: %w", err)
		}
		// A receive timeout lets the reader notice Stop.
		tv := unix.NsecToTimeval(int64(100 * time.Millisecond))
		return unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	})
	if err != nil {
		if s.fd >= 0 {
			unix.Close(s.fd)
		}
		t.Fatalf("sniffer on %s/%s: %v", ns.Name, bridge, err)
	}
	stop := make(chan struct{})
	go s.read(stop)
	t.Cleanup(func() { close(stop); <-s.done; unix.Close(s.fd) })
	return s
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func (s *Sniffer) read(stop chan struct{}) {
	defer close(s.done)
	buf := make([]byte, 2048)
	oob := make([]byte, 128)
	for {
		select {
		case <-stop:
			return
		default:
		}
		n, oobn, _, from, err := unix.Recvmsg(s.fd, buf, oob, 0)
		if err != nil {
			continue // EAGAIN on the receive timeout, EINTR
		}
		// The bridge hands an outgoing copy too when it floods; count
		// each frame once, as received from a port.
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		ts := time.Now()
		if msgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for _, m := range msgs {
				if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS && len(m.Data) >= 16 {
					sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
					nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
					ts = time.Unix(sec, nsec)
				}
			}
		}
		if f, ok := parseFrame(buf[:n]); ok {
			f.Time = ts
			f.Raw = append([]byte(nil), buf[:n]...)
			s.mu.Lock()
			s.frames = append(s.frames, f)
			s.cond.Broadcast()
			s.mu.Unlock()
		}
	}
}

func parseFrame(b []byte) (Frame, bool) {
	if len(b) < 14 {
		return Frame{}, false
	}
	f := Frame{SrcMAC: net.HardwareAddr(append([]byte(nil), b[6:12]...))}
	p := b[14:]
	switch binary.BigEndian.Uint16(b[12:14]) {
	case 0x0806: // ARP
		if len(p) < 28 || binary.BigEndian.Uint16(p[0:2]) != 1 || binary.BigEndian.Uint16(p[2:4]) != 0x0800 {
			return Frame{}, false
		}
		spa, _ := netip.AddrFromSlice(p[14:18])
		tpa, _ := netip.AddrFromSlice(p[24:28])
		if spa != tpa {
			return Frame{}, false
		}
		f.Kind, f.Src, f.Target = GARP, spa, tpa
		return f, true
	case 0x0800:
		if len(p) < 20 || p[0]>>4 != 4 || (p[9] != 112 && p[9] != 51) {
			return Frame{}, false
		}
		hl := int(p[0]&0x0f) * 4
		if p[9] == 51 {
			// AH: 24 bytes (HMAC-MD5-96) before the VRRP message.
			if len(p) < hl+24+8 || p[hl] != 112 {
				return Frame{}, false
			}
			hl += 24
			f.AH = true
		}
		if len(p) < hl+8 {
			return Frame{}, false
		}
		f.Src, _ = netip.AddrFromSlice(p[12:16])
		f.Dst, _ = netip.AddrFromSlice(p[16:20])
		return vrrpFields(f, p[hl:])
	case 0x86dd:
		if len(p) < 40+8 {
			return Frame{}, false
		}
		f.Src, _ = netip.AddrFromSlice(p[8:24])
		f.Dst, _ = netip.AddrFromSlice(p[24:40])
		switch p[6] {
		case 112:
			return vrrpFields(f, p[40:])
		case 58:
			icmp := p[40:]
			// NA (136) with the Solicited flag clear.
			if len(icmp) < 24 || icmp[0] != 136 || icmp[4]&0x40 != 0 {
				return Frame{}, false
			}
			f.Kind = UNA
			f.Target, _ = netip.AddrFromSlice(icmp[8:24])
			return f, true
		}
	}
	return Frame{}, false
}

func vrrpFields(f Frame, v []byte) (Frame, bool) {
	if v[0]&0x0f != 1 {
		return Frame{}, false
	}
	f.Kind = Advert
	f.Version = int(v[0] >> 4)
	f.VRID = int(v[1])
	f.Prio = int(v[2])
	return f, true
}

// Frames returns a copy of what was seen so far.
func (s *Sniffer) Frames() []Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Frame(nil), s.frames...)
}

// Mark returns a position in the recording; Since and WaitFor look only at
// frames recorded after it.
func (s *Sniffer) Mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.frames)
}

// Match selects frames.
type Match func(Frame) bool

// From matches frames sent from mac.
func From(mac net.HardwareAddr) Match {
	return func(f Frame) bool { return f.SrcMAC.String() == mac.String() }
}

// Kind matches frames of kind k.
func Kind(k FrameKind) Match { return func(f Frame) bool { return f.Kind == k } }

// VRID matches adverts of one virtual router.
func VRID(id int) Match { return func(f Frame) bool { return f.Kind == Advert && f.VRID == id } }

// Prio matches adverts carrying priority p.
func Prio(p int) Match { return func(f Frame) bool { return f.Kind == Advert && f.Prio == p } }

// Announce matches GARPs and unsolicited NAs.
func Announce() Match { return func(f Frame) bool { return f.Kind == GARP || f.Kind == UNA } }

func all(f Frame, ms []Match) bool {
	for _, m := range ms {
		if !m(f) {
			return false
		}
	}
	return true
}

// Since returns the frames after mark that match every m.
func (s *Sniffer) Since(mark int, ms ...Match) []Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Frame
	for _, f := range s.frames[min(mark, len(s.frames)):] {
		if all(f, ms) {
			out = append(out, f)
		}
	}
	return out
}

// WaitFor waits up to timeout for the first frame after mark that matches
// every m.
func (s *Sniffer) WaitFor(mark int, timeout time.Duration, ms ...Match) (Frame, bool) {
	deadline := time.Now().Add(timeout)
	// Wake the waiter at the deadline even when no frame arrives.
	tm := time.AfterFunc(timeout, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer tm.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	i := min(mark, len(s.frames))
	for {
		for ; i < len(s.frames); i++ {
			if all(s.frames[i], ms) {
				return s.frames[i], true
			}
		}
		if !time.Now().Before(deadline) {
			return Frame{}, false
		}
		s.cond.Wait()
	}
}
