package vrrpsock_test

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/vrrp/ah"
	"github.com/dsas/keepalived-go/vrrpsock"
)

func listenAH(t *testing.T, h *lab.Host) *vrrpsock.AHConn {
	t.Helper()
	var c *vrrpsock.AHConn
	h.NS.MustDo(t, func() error {
		var err error
		c, err = vrrpsock.ListenAH(h.Link, nil)
		return err
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// sealed is an AH advert from src to dst as the engine builds it.
func sealed(t *testing.T, seq uint32, src, dst netip.Addr) []byte {
	t.Helper()
	msg := []byte{0x21, 51, 150, 1, 2, 1, 0, 0, 10, 213, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0}
	b, err := ah.NewSigner("pw").AppendSeal(nil, ah.Frame{Src: src, Dst: dst, ID: uint16(seq), TTL: 255, Seq: seq, Unicast: !dst.IsMulticast()}, msg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readAH reads until a datagram arrives or the lab has clearly lost it.
func readAH(t *testing.T, c *vrrpsock.AHConn) ([]byte, netip.Addr, netip.Addr, int, error) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	b := make([]byte, 1500)
	n, src, dst, ttl, err := c.ReadFrom(b)
	return b[:n], src, dst, ttl, err
}

// TestAH: datagrams the engine builds cross the wire unchanged (the
// kernel only fills in what the ICV does not cover the same way), are
// read whole with their header, and verify; the sender does not hear
// itself and a protocol-112 socket hears none of them.
func TestAH(t *testing.T) {
	l := lab.New(t, 2)
	h1, h2 := l.Host(1), l.Host(2)
	c1, c2 := listenAH(t, h1), listenAH(t, h2)
	v2 := listen(t, h2, "ip4", nil)
	src := h1.IPv4.Addr()

	// Warm up: a fresh lab may drop the first multicast frames.
	var got []byte
	var gsrc, gdst netip.Addr
	var ttl int
	for i := uint32(1); i < 50; i++ {
		want := sealed(t, i, src, vrrpsock.GroupIPv4)
		if err := c1.WriteTo(want, netip.Addr{}, vrrpsock.GroupIPv4); err != nil {
			t.Fatal(err)
		}
		var err error
		if got, gsrc, gdst, ttl, err = readAH(t, c2); err == nil {
			if !bytes.Equal(got, want) {
				t.Fatalf("multicast: read\n%x\nsent\n%x", got, want)
			}
			break
		}
	}
	if got == nil {
		t.Fatal("the lab never forwarded an AH advert")
	}
	if gsrc != src || gdst != vrrpsock.GroupIPv4 || ttl != 255 {
		t.Fatalf("multicast: from %s to %s ttl %d", gsrc, gdst, ttl)
	}
	p, err := ah.Parse(got)
	if err == nil {
		err = ah.NewSigner("pw").Verify(got, &p, false)
	}
	if err != nil {
		t.Fatalf("multicast: %v", err)
	}

	t.Run("unicast", func(t *testing.T) {
		want := sealed(t, 100, src, h2.IPv4.Addr())
		if err := c1.WriteTo(want, netip.Addr{}, h2.IPv4.Addr()); err != nil {
			t.Fatal(err)
		}
		got, _, dst, _, err := readAH(t, c2)
		if err != nil || !bytes.Equal(got, want) || dst != h2.IPv4.Addr() {
			t.Fatalf("unicast: %v, read %x to %s", err, got, dst)
		}
	})
	t.Run("loopback off", func(t *testing.T) {
		if err := c1.WriteTo(sealed(t, 200, src, vrrpsock.GroupIPv4), netip.Addr{}, vrrpsock.GroupIPv4); err != nil {
			t.Fatal(err)
		}
		if err := c2.WriteTo(nil, netip.Addr{}, netip.MustParseAddr("fe80::1")); err == nil {
			t.Fatal("IPv6 destination accepted")
		}
		if err := c2.WriteTo(sealed(t, 300, h2.IPv4.Addr(), vrrpsock.GroupIPv4), netip.Addr{}, vrrpsock.GroupIPv4); err != nil {
			t.Fatal(err)
		}
		if _, s, _, _, err := readAH(t, c1); err != nil || s != h2.IPv4.Addr() {
			t.Fatalf("h1 read from %s (%v), want h2's %s", s, err, h2.IPv4.Addr())
		}
	})
	t.Run("not on the VRRP socket", func(t *testing.T) {
		v2.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if n, s, _, _, err := v2.ReadFrom(make([]byte, 1500)); err == nil {
			t.Fatalf("protocol-112 socket read %d bytes from %s", n, s)
		}
	})
}
