package announce_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/announce"
	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/mdlayher/packet"
	"golang.org/x/sys/unix"
)

// vectorsFile holds frames captured from keepalived 2.2.7; it lives outside
// the repository (../shared from the module root).
const vectorsFile = "../../shared/vectors/vectors.txt"

// vector returns the frame and the "fields:" of the section of vectors.txt
// whose title starts with title.
func vector(t *testing.T, title string) ([]byte, map[string]string) {
	t.Helper()
	f, err := os.Open(vectorsFile)
	if err != nil {
		t.Skipf("captured vectors not available (%v); skipping the comparison with keepalived", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	in := false
	fields := map[string]string{}
	for s.Scan() {
		line := s.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			in = strings.HasPrefix(line, "## "+title)
		case in && strings.HasPrefix(line, "fields: "):
			for _, kv := range strings.Split(strings.TrimPrefix(line, "fields: "), ", ") {
				k, v, _ := strings.Cut(kv, "=")
				fields[k] = v
			}
		case in && line == "frame hex:":
			s.Scan()
			b, err := hex.DecodeString(strings.TrimSpace(s.Text()))
			if err != nil {
				t.Fatalf("%s: %v", vectorsFile, err)
			}
			return b, fields
		}
	}
	t.Fatalf("%s: no section %q", vectorsFile, title)
	return nil, nil
}

type field struct {
	name     string
	from, to int
}

var garpFields = []field{
	{"eth dst", 0, 6}, {"eth src", 6, 12}, {"ethertype", 12, 14},
	{"htype", 14, 16}, {"ptype", 16, 18}, {"hlen", 18, 19}, {"plen", 19, 20}, {"op", 20, 22},
	{"sha", 22, 28}, {"spa", 28, 32}, {"tha", 32, 38}, {"tpa", 38, 42},
}

var naFields = []field{
	{"eth dst", 0, 6}, {"eth src", 6, 12}, {"ethertype", 12, 14},
	{"ip version/class/flow", 14, 18}, {"payload length", 18, 20}, {"next header", 20, 21}, {"hop limit", 21, 22},
	{"ip src", 22, 38}, {"ip dst", 38, 54},
	{"icmp type", 54, 55}, {"icmp code", 55, 56}, {"icmp checksum", 56, 58}, {"na flags", 58, 62},
	{"target", 62, 78}, {"option type/len", 78, 80}, {"option lladdr", 80, 86},
}

// compare reports every field in which got differs from want.
func compare(t *testing.T, what string, fields []field, got, want []byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d bytes, want %d\n got %x\nwant %x", what, len(got), len(want), got, want)
		return
	}
	for _, f := range fields {
		if !bytes.Equal(got[f.from:f.to], want[f.from:f.to]) {
			t.Errorf("%s: %s = %x, want %x", what, f.name, got[f.from:f.to], want[f.from:f.to])
		}
	}
}

func TestGARPMatchesKeepalived(t *testing.T) {
	want, fields := vector(t, "gratuitous ARP sent by keepalived")
	got, err := announce.GARP(mustMAC(t, fields["sha"]), netip.MustParseAddr(fields["spa"]))
	if err != nil {
		t.Fatal(err)
	}
	compare(t, "GARP", garpFields, got, want)
}

func TestNAMatchesKeepalived(t *testing.T) {
	want, fields := vector(t, "unsolicited neighbour advertisement sent by keepalived")
	if fields["flags"] != "1" { // Override only: keepalived's host was not forwarding
		t.Fatalf("vector flags %q; the test assumes Override only", fields["flags"])
	}
	got, err := announce.NA(mustMAC(t, fields["smac"]), netip.MustParseAddr(fields["target"]), false)
	if err != nil {
		t.Fatal(err)
	}
	compare(t, "NA", naFields, got, want)
}

func TestFramesRejectWrongFamily(t *testing.T) {
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	if _, err := announce.GARP(mac, netip.MustParseAddr("fd00::1")); err == nil {
		t.Error("GARP for an IPv6 address: no error")
	}
	if _, err := announce.NA(mac, netip.MustParseAddr("10.0.0.1"), false); err == nil {
		t.Error("NA for an IPv4 address: no error")
	}
}

func mustMAC(t *testing.T, s string) net.HardwareAddr {
	t.Helper()
	mac, err := net.ParseMAC(s)
	if err != nil {
		t.Fatal(err)
	}
	return mac
}

// capture opens an AF_PACKET socket on h's lab link that sees every frame.
func capture(t *testing.T, h *lab.Host) *packet.Conn {
	t.Helper()
	var c *packet.Conn
	h.NS.MustDo(t, func() error {
		ifi, err := net.InterfaceByName(h.Link)
		if err != nil {
			return err
		}
		c, err = packet.Listen(ifi, packet.Raw, unix.ETH_P_ALL, nil)
		return err
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// next returns the next frame with the given ethertype whose bytes at
// [off:] start with tail.
func next(t *testing.T, c *packet.Conn, ethertype uint16, off int, tail []byte) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 2048)
	for {
		n, _, err := c.ReadFrom(b)
		if err != nil {
			t.Fatalf("capture: %v", err)
		}
		f := b[:n]
		if n > off && binary.BigEndian.Uint16(f[12:]) == ethertype && bytes.HasPrefix(f[off:], tail) {
			return append([]byte(nil), f...)
		}
	}
}

func TestLive(t *testing.T) {
	l := lab.New(t, 2)
	h1, h2 := l.Host(1), l.Host(2)
	cap2 := capture(t, h2)
	var c *announce.Conn
	h1.NS.MustDo(t, func() (err error) {
		c, err = announce.Dial(h1.Link)
		return err
	})
	defer c.Close()

	vip4 := netip.MustParseAddr("10.213.0.100")
	vip6 := netip.MustParseAddr("fd0b:213::100")
	v4, v6 := vip4.As4(), vip6.As16()

	t.Run("GARP", func(t *testing.T) {
		if err := c.GratuitousARP(vip4); err != nil {
			t.Fatal(err)
		}
		got := next(t, cap2, unix.ETH_P_ARP, 28, v4[:])
		want, _ := announce.GARP(h1.MAC, vip4)
		compare(t, "GARP on the wire", garpFields, got, want)
	})
	t.Run("NA", func(t *testing.T) {
		if err := c.UnsolicitedNA(vip6); err != nil {
			t.Fatal(err)
		}
		got := next(t, cap2, unix.ETH_P_IPV6, 22, v6[:])
		want, _ := announce.NA(h1.MAC, vip6, false)
		compare(t, "NA on the wire", naFields, got, want)
	})
	t.Run("NA router flag follows forwarding", func(t *testing.T) {
		h1.NS.MustRun(t, "sysctl", "-qw", "net.ipv6.conf."+h1.Link+".forwarding=1")
		defer h1.NS.MustRun(t, "sysctl", "-qw", "net.ipv6.conf."+h1.Link+".forwarding=0")
		// /proc/sys/net is read in the sending thread's namespace.
		h1.NS.MustDo(t, func() error { return c.UnsolicitedNA(vip6) })
		got := next(t, cap2, unix.ETH_P_IPV6, 22, v6[:])
		want, _ := announce.NA(h1.MAC, vip6, true)
		compare(t, "NA with Router", naFields, got, want)
	})
	t.Run("MAC read at send time", func(t *testing.T) {
		mac := net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, 0x01, 0x33} // a VMAC
		h1.NS.MustRun(t, "ip", "link", "set", h1.Link, "address", mac.String())
		defer h1.NS.MustRun(t, "ip", "link", "set", h1.Link, "address", h1.MAC.String())
		if err := c.GratuitousARP(vip4); err != nil {
			t.Fatal(err)
		}
		got := next(t, cap2, unix.ETH_P_ARP, 28, v4[:])
		want, _ := announce.GARP(mac, vip4)
		compare(t, "GARP after a MAC change", garpFields, got, want)
	})
	t.Run("Announcer", func(t *testing.T) {
		var a announce.Announcer
		defer a.Close()
		h1.NS.MustDo(t, func() error { return a.GratuitousARP(h1.Link, vip4) })
		next(t, cap2, unix.ETH_P_ARP, 28, v4[:])
		// The cached Conn is reused from any thread.
		if err := a.UnsolicitedNA(h1.Link, vip6); err != nil {
			t.Fatal(err)
		}
		next(t, cap2, unix.ETH_P_IPV6, 22, v6[:])
	})
	t.Run("Announcer follows a re-created link", func(t *testing.T) {
		var a announce.Announcer
		defer a.Close()
		send := func() error { return a.GratuitousARP("annd", vip4) }
		// A veth pair: no dummy driver on every host.
		h1.NS.MustRun(t, "ip", "link", "add", "annd", "up", "type", "veth", "peer", "name", "anne")
		h1.NS.MustRun(t, "ip", "link", "set", "anne", "up")
		if err := h1.NS.Do(send); err != nil {
			t.Fatal(err)
		}
		h1.NS.MustRun(t, "ip", "link", "del", "annd")
		if err := send(); err == nil {
			t.Error("sent on a deleted link")
		}
		h1.NS.MustRun(t, "ip", "link", "add", "annd", "up", "type", "veth", "peer", "name", "anne")
		h1.NS.MustRun(t, "ip", "link", "set", "anne", "up")
		defer h1.NS.MustRun(t, "ip", "link", "del", "annd")
		if err := send(); err != nil {
			t.Errorf("after re-creation: %v", err)
		}
	})
}

func BenchmarkGratuitousARP(b *testing.B) {
	l := lab.New(b, 1)
	h := l.Host(1)
	var c *announce.Conn
	h.NS.MustDo(b, func() (err error) {
		c, err = announce.Dial(h.Link)
		return err
	})
	defer c.Close()
	vip := netip.MustParseAddr("10.213.0.100")
	for b.Loop() {
		if err := c.GratuitousARP(vip); err != nil {
			b.Fatal(err)
		}
	}
}
