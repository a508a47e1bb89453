package vrrpsock_test

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/vrrpsock"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// advert builds a VRRPv3 advertisement for one address. The IPv4 checksum
// is computed over the VRRP message only (v3_checksum_as_v2 style); these
// tests check transport, not the codec, so any checksum the kernel accepts
// will do. IPv6 leaves it zero: the kernel fills it in.
func advert(vrid, prio byte, vip netip.Addr) []byte {
	b := []byte{0x31, vrid, prio, 1, 0, 100, 0, 0}
	b = append(b, vip.AsSlice()...)
	if vip.Is4() {
		binary.BigEndian.PutUint16(b[6:], checksum(b))
	}
	return b
}

func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

func listen(t *testing.T, h *lab.Host, network string, cfg *vrrpsock.Config) *vrrpsock.Conn {
	t.Helper()
	var c *vrrpsock.Conn
	h.NS.MustDo(t, func() error {
		var err error
		c, err = vrrpsock.Listen(network, h.Link, cfg)
		return err
	})
	t.Cleanup(func() { c.Close() })
	return c
}

type packet struct {
	b        []byte
	src, dst netip.Addr
	ttl      int
}

func read(t *testing.T, c *vrrpsock.Conn) packet {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 1500)
	n, src, dst, ttl, err := c.ReadFrom(b)
	if err != nil {
		t.Fatalf("ReadFrom: %v", err)
	}
	return packet{b[:n], src, dst, ttl}
}

func write(t *testing.T, c *vrrpsock.Conn, b []byte, src, dst netip.Addr) {
	t.Helper()
	if err := c.WriteTo(b, src, dst); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
}

// warmUp sends b from one socket until the other hears it, then drains
// what else arrived. Under load a fresh lab may drop the very first
// multicast frames (the bridge port or the group join is not ready yet),
// which made the first subtest flaky; the subtests then start from a lab
// known to forward.
func warmUp(t *testing.T, from, to *vrrpsock.Conn, b []byte, dst netip.Addr) {
	t.Helper()
	buf := make([]byte, 1500)
	heard := false
	for end := time.Now().Add(10 * time.Second); !heard && time.Now().Before(end); {
		write(t, from, b, netip.Addr{}, dst)
		to.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		_, _, _, _, err := to.ReadFrom(buf)
		heard = err == nil
	}
	if !heard {
		t.Fatal("the lab never forwarded a multicast advert")
	}
	for {
		to.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if _, _, _, _, err := to.ReadFrom(buf); err != nil {
			return
		}
	}
}

func TestIPv4(t *testing.T) {
	l := lab.New(t, 2)
	h1, h2 := l.Host(1), l.Host(2)
	c1 := listen(t, h1, "ip4", nil)
	c2 := listen(t, h2, "ip4", nil)
	vip := netip.MustParseAddr("10.213.0.100")
	warmUp(t, c1, c2, advert(50, 150, vip), vrrpsock.GroupIPv4)

	t.Run("multicast", func(t *testing.T) {
		adv := advert(51, 150, vip)
		write(t, c1, adv, netip.Addr{}, vrrpsock.GroupIPv4)
		p := read(t, c2)
		want := packet{adv, h1.IPv4.Addr(), vrrpsock.GroupIPv4, 255}
		if !bytes.Equal(p.b, want.b) || p.src != want.src || p.dst != want.dst || p.ttl != want.ttl {
			t.Fatalf("got %+v, want %+v", p, want)
		}
	})
	t.Run("loopback off", func(t *testing.T) {
		// h1 must not hear its own multicast: the first packet it reads
		// is h2's, sent after its own.
		write(t, c1, advert(51, 150, vip), netip.Addr{}, vrrpsock.GroupIPv4)
		read(t, c2)
		write(t, c2, advert(51, 100, vip), netip.Addr{}, vrrpsock.GroupIPv4)
		if p := read(t, c1); p.src != h2.IPv4.Addr() {
			t.Fatalf("h1 read a packet from %s, want h2's (%s)", p.src, h2.IPv4.Addr())
		}
	})
	t.Run("unicast", func(t *testing.T) {
		adv := advert(52, 150, vip)
		write(t, c1, adv, h1.IPv4.Addr(), h2.IPv4.Addr())
		p := read(t, c2)
		if !bytes.Equal(p.b, adv) || p.src != h1.IPv4.Addr() || p.dst != h2.IPv4.Addr() || p.ttl != 255 {
			t.Fatalf("got %+v", p)
		}
	})
	t.Run("unicast_ttl per packet", func(t *testing.T) {
		// keepalived writes the instance's unicast_ttl into each IPv4
		// header; WriteToTTL sets it per packet (IP_TTL).
		if err := c1.WriteToTTL(advert(54, 150, vip), h1.IPv4.Addr(), h2.IPv4.Addr(), 7); err != nil {
			t.Fatal(err)
		}
		if p := read(t, c2); p.ttl != 7 || p.b[1] != 54 {
			t.Fatalf("got vrid %d ttl %d, want vrid 54 ttl 7", p.b[1], p.ttl)
		}
	})
	t.Run("source selection", func(t *testing.T) {
		src := netip.MustParseAddr("10.213.0.201")
		if _, err := h1.Run("ip", "addr", "add", src.String()+"/24", "dev", h1.Link); err != nil {
			t.Fatal(err)
		}
		write(t, c1, advert(53, 150, vip), src, vrrpsock.GroupIPv4)
		if p := read(t, c2); p.src != src {
			t.Fatalf("multicast source %s, want %s", p.src, src)
		}
		write(t, c1, advert(53, 150, vip), src, h2.IPv4.Addr())
		if p := read(t, c2); p.src != src {
			t.Fatalf("unicast source %s, want %s", p.src, src)
		}
	})
	t.Run("multicast source", func(t *testing.T) {
		// keepalived sends from whatever address the interface has, a
		// multicast one included (corpus 048's 224.0.0.118), by writing
		// the IPv4 header itself; an IP_PKTINFO source is EINVAL then.
		// The receiving stack drops such a packet as martian, so it is
		// read off the link.
		src := netip.MustParseAddr("224.0.0.118")
		if _, err := h1.Run("ip", "addr", "add", src.String()+"/32", "dev", h1.Link); err != nil {
			t.Fatal(err)
		}
		var fd int
		h2.NS.MustDo(t, func() error {
			var err error
			fd, err = packetSocket(h2.Link)
			return err
		})
		defer unix.Close(fd)
		write(t, c1, advert(55, 150, vip), src, vrrpsock.GroupIPv4)
		hdr := readIPv4(t, fd, 55)
		if got := netip.AddrFrom4([4]byte(hdr[12:16])); got != src || hdr[8] != 255 || hdr[1] != 0xc0 {
			t.Fatalf("source %s ttl %d tos %#x, want %s 255 0xc0", got, hdr[8], hdr[1], src)
		}
	})
	t.Run("ttl 64 reported", func(t *testing.T) {
		// A plain raw socket with the kernel's default TTL handling, as a
		// forged or routed advert would arrive: the engine must see 64.
		var p4 *ipv4.PacketConn
		h1.NS.MustDo(t, func() error {
			c, err := net.ListenPacket("ip4:112", h1.IPv4.Addr().String())
			if err != nil {
				return err
			}
			p4 = ipv4.NewPacketConn(c)
			if err := p4.SetMulticastTTL(64); err != nil {
				return err
			}
			return p4.SetTTL(64)
		})
		defer p4.Close()
		adv := advert(54, 150, vip)
		for _, dst := range []netip.Addr{vrrpsock.GroupIPv4, h2.IPv4.Addr()} {
			if _, err := p4.WriteTo(adv, nil, &net.IPAddr{IP: dst.AsSlice()}); err != nil {
				t.Fatal(err)
			}
			if p := read(t, c2); p.ttl != 64 || p.dst != dst {
				t.Fatalf("to %s: got ttl %d dst %s, want 64 %s", dst, p.ttl, p.dst, dst)
			}
		}
	})
}

func TestIPv6(t *testing.T) {
	l := lab.New(t, 2)
	h1, h2 := l.Host(1), l.Host(2)
	c1 := listen(t, h1, "ip6", nil)
	c2 := listen(t, h2, "ip6", nil)
	vip := netip.MustParseAddr("fd0b:213::100")

	// pseudoSum is the VRRPv3 IPv6 checksum as the engine would compute
	// it: over the pseudo-header (src, dst, length, next header 112) and
	// the message.
	pseudoSum := func(src, dst netip.Addr, b []byte) uint16 {
		ph := append(src.AsSlice(), dst.AsSlice()...)
		ph = binary.BigEndian.AppendUint32(ph, uint32(len(b)))
		ph = append(ph, 0, 0, 0, vrrpsock.Protocol)
		c := append(ph, b...)
		c[len(ph)+6], c[len(ph)+7] = 0, 0
		return checksum(c)
	}

	t.Run("multicast", func(t *testing.T) {
		adv := advert(51, 150, vip)
		write(t, c1, adv, netip.Addr{}, vrrpsock.GroupIPv6)
		p := read(t, c2)
		if p.src != h1.LinkLocal || p.dst != vrrpsock.GroupIPv6 || p.ttl != 255 || len(p.b) != len(adv) {
			t.Fatalf("got %+v; want from %s to %s hop limit 255", p, h1.LinkLocal, vrrpsock.GroupIPv6)
		}
		if got, want := binary.BigEndian.Uint16(p.b[6:]), pseudoSum(p.src, p.dst, p.b); got != want || got == 0 {
			t.Fatalf("checksum %#04x, want %#04x (kernel-computed)", got, want)
		}
	})
	t.Run("unicast with source", func(t *testing.T) {
		adv := advert(52, 150, vip)
		write(t, c1, adv, h1.IPv6.Addr(), h2.IPv6.Addr())
		p := read(t, c2)
		// Unicast keeps the kernel's default hop limit (the interface's
		// hop_limit sysctl, 64), as keepalived's IPv6 unicast adverts do
		// (issue 11 divergence 26).
		if p.src != h1.IPv6.Addr() || p.dst != h2.IPv6.Addr() || p.ttl != 64 {
			t.Fatalf("got %+v, want hop limit 64", p)
		}
		if got, want := binary.BigEndian.Uint16(p.b[6:]), pseudoSum(p.src, p.dst, p.b); got != want {
			t.Fatalf("checksum %#04x, want %#04x", got, want)
		}
	})
	t.Run("unicast_ttl per packet", func(t *testing.T) {
		// keepalived passes unicast_ttl as IPV6_HOPLIMIT with the packet.
		if err := c1.WriteToTTL(advert(53, 150, vip), h1.IPv6.Addr(), h2.IPv6.Addr(), 255); err != nil {
			t.Fatal(err)
		}
		if p := read(t, c2); p.ttl != 255 || p.b[1] != 53 || p.src != h1.IPv6.Addr() {
			t.Fatalf("got %+v, want vrid 53 from %s hop limit 255", p, h1.IPv6.Addr())
		}
	})
	t.Run("hop limit 64 reported, bad checksum dropped", func(t *testing.T) {
		var p6 *ipv6.PacketConn
		h1.NS.MustDo(t, func() error {
			c, err := net.ListenPacket("ip6:112", "::")
			if err != nil {
				return err
			}
			p6 = ipv6.NewPacketConn(c)
			return p6.SetMulticastHopLimit(64)
		})
		defer p6.Close()
		cm := &ipv6.ControlMessage{IfIndex: c1.Interface().Index}
		to := &net.IPAddr{IP: vrrpsock.GroupIPv6.AsSlice(), Zone: h1.Link}
		bad := advert(55, 150, vip)
		bad[6], bad[7] = 0xde, 0xad
		if _, err := p6.WriteTo(bad, cm, to); err != nil {
			t.Fatal(err)
		}
		good := advert(56, 150, vip)
		binary.BigEndian.PutUint16(good[6:], pseudoSum(h1.LinkLocal, vrrpsock.GroupIPv6, good))
		if _, err := p6.WriteTo(good, cm, to); err != nil {
			t.Fatal(err)
		}
		p := read(t, c2)
		if p.b[1] != 56 || p.ttl != 64 {
			t.Fatalf("got vrid %d hop limit %d; want the good packet (vrid 56) with hop limit 64", p.b[1], p.ttl)
		}
	})
}

// ReadBatch returns queued packets in arrival order with the same source,
// destination and TTL ReadFrom reports, several per call when queued.
func TestReadBatch(t *testing.T) {
	for _, network := range []string{"ip4", "ip6"} {
		t.Run(network, func(t *testing.T) {
			l := lab.New(t, 2)
			h1, h2 := l.Host(1), l.Host(2)
			c1 := listen(t, h1, network, nil)
			c2 := listen(t, h2, network, nil)
			vip, group, src := netip.MustParseAddr("10.213.0.100"), vrrpsock.GroupIPv4, h1.IPv4.Addr()
			if network == "ip6" {
				vip, group, src = netip.MustParseAddr("fd0b:213::100"), vrrpsock.GroupIPv6, h1.LinkLocal
			}
			const sent = 5
			for vrid := range byte(sent) {
				write(t, c1, advert(vrid+1, 150, vip), netip.Addr{}, group)
			}
			ps := make([]vrrpsock.Packet, 4)
			for i := range ps {
				ps[i].Buf = make([]byte, 1500)
			}
			var got []vrrpsock.Packet
			for len(got) < sent {
				n, err := c2.ReadBatch(ps)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range ps[:n] {
					p.Buf = bytes.Clone(p.Buf[:p.N])
					got = append(got, p)
				}
			}
			for i, p := range got {
				if p.N != len(advert(1, 150, vip)) || p.Buf[1] != byte(i+1) || p.Src != src || p.Dst != group || p.TTL != 255 {
					t.Fatalf("packet %d: got vrid %d len %d from %s to %s ttl %d", i, p.Buf[1], p.N, p.Src, p.Dst, p.TTL)
				}
			}
		})
	}
}

// packetSocket reads the IPv4 packets of one link as they arrive, before
// the stack judges them.
func packetSocket(link string) (int, error) {
	htons := int(binary.NativeEndian.Uint16(binary.BigEndian.AppendUint16(nil, unix.ETH_P_IP)))
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, htons)
	if err != nil {
		return -1, err
	}
	ifi, err := net.InterfaceByName(link)
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: uint16(htons), Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	tv := unix.Timeval{Sec: 1}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// readIPv4 returns the IPv4 header of the first VRRP packet of vrid read
// from fd.
func readIPv4(t *testing.T, fd int, vrid byte) []byte {
	t.Helper()
	buf := make([]byte, 1500)
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			continue
		}
		if n >= 22 && buf[9] == vrrpsock.Protocol && buf[21] == vrid {
			return buf[:20]
		}
	}
	t.Fatalf("no VRRP packet of vrid %d on the link", vrid)
	return nil
}
