package wire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedDir finds the team's read-only material beside the repository root.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the package; cannot locate ../shared")
		}
		dir = parent
	}
	s := filepath.Join(dir, "..", "shared", "vectors")
	if _, err := os.Stat(s); err != nil {
		t.Skipf("shared vectors absent (%s): %v", s, err)
	}
	return s
}

// vrrpFrame extracts the VRRP message and addresses from an Ethernet frame,
// or ok=false when the frame is not VRRP.
func vrrpFrame(f []byte) (msg []byte, src, dst netip.Addr, ok bool) {
	if len(f) < 14 {
		return nil, src, dst, false
	}
	switch binary.BigEndian.Uint16(f[12:14]) {
	case 0x0800:
		ip := f[14:]
		if len(ip) < 20 || ip[9] != Protocol {
			return nil, src, dst, false
		}
		hl := int(ip[0]&0x0f) * 4
		tot := int(binary.BigEndian.Uint16(ip[2:4]))
		return ip[hl:tot], netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20])), true
	case 0x86dd:
		ip := f[14:]
		if len(ip) < 40 || ip[6] != Protocol {
			return nil, src, dst, false
		}
		pl := int(binary.BigEndian.Uint16(ip[4:6]))
		return ip[40 : 40+pl], netip.AddrFrom16([16]byte(ip[8:24])), netip.AddrFrom16([16]byte(ip[24:40])), true
	}
	return nil, src, dst, false
}

type frame struct {
	name string
	data []byte
}

func vectorFrames(t *testing.T) []frame {
	dir := sharedDir(t)
	fh, err := os.Open(filepath.Join(dir, "vectors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []frame
	var title string
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 1<<20)
	next := false
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "## "):
			title = strings.TrimPrefix(l, "## ")
		case l == "frame hex:":
			next = true
		case next:
			next = false
			b, err := hex.DecodeString(strings.TrimSpace(l))
			if err != nil {
				t.Fatalf("%s: %v", title, err)
			}
			out = append(out, frame{title, b})
		}
	}
	return out
}

func pcapFrames(t *testing.T) []frame {
	dir := sharedDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.pcap"))
	var out []frame
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 24 {
			t.Fatalf("%s: short pcap", f)
		}
		var bo binary.ByteOrder = binary.LittleEndian
		if bytes.Equal(b[:4], []byte{0xa1, 0xb2, 0xc3, 0xd4}) || bytes.Equal(b[:4], []byte{0xa1, 0xb2, 0x3c, 0x4d}) {
			bo = binary.BigEndian
		}
		off, n := 24, 0
		for off+16 <= len(b) {
			incl := int(bo.Uint32(b[off+8:]))
			off += 16
			if off+incl > len(b) {
				t.Fatalf("%s: truncated record", f)
			}
			n++
			out = append(out, frame{filepath.Base(f) + "#" + itoa(n), b[off : off+incl]})
			off += incl
		}
	}
	return out
}

func itoa(n int) string { return fmtInt(n) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// TestGolden decodes every captured advert and re-encodes it byte for byte.
func TestGolden(t *testing.T) {
	frames := append(vectorFrames(t), pcapFrames(t)...)
	seen := 0
	for _, f := range frames {
		msg, src, dst, ok := vrrpFrame(f.data)
		if !ok {
			continue
		}
		seen++
		t.Run(f.name, func(t *testing.T) {
			p, err := Decode(msg, src, dst, Options{})
			if err != nil {
				t.Fatalf("decode %x: %v", msg, err)
			}
			if Checksum(msg, src, dst, p.Version, false) != 0 {
				t.Fatalf("checksum does not verify")
			}
			q := *p
			q.Addrs = append([]netip.Addr(nil), p.Addrs...)
			got, err := q.AppendEncode(nil, src, dst, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, msg) {
				t.Fatalf("re-encode\n got %x\nwant %x", got, msg)
			}
			if q.Checksum != p.Checksum {
				t.Fatalf("checksum %04x, want %04x", q.Checksum, p.Checksum)
			}
		})
	}
	if seen < 10 {
		t.Fatalf("only %d VRRP frames in the vectors", seen)
	}
}

func TestGoldenFields(t *testing.T) {
	vip4 := netip.MustParseAddr("10.77.0.100")
	vip6 := netip.MustParseAddr("fd77::100")
	want := map[string]Packet{
		"VRRPv2 advertisement, multicast, no auth (MASTER prio 150)": {Version: 2, Priority: 150, AdvertInt: 1, Addrs: []netip.Addr{vip4}},
		"VRRPv2 advertisement, priority 0 (graceful shutdown)":       {Version: 2, Priority: 0, AdvertInt: 1, Addrs: []netip.Addr{vip4}},
		"VRRPv2 advertisement, auth_type PASS":                       {Version: 2, Priority: 150, AdvertInt: 1, AuthType: AuthPass, Auth: [8]byte([]byte("kl51pass")), Addrs: []netip.Addr{vip4}},
		"VRRPv3 IPv4 advertisement, advert_int 0.1 s (10 cs)":        {Version: 3, Priority: 150, AdvertInt: 10, Addrs: []netip.Addr{vip4}},
		"VRRPv3 IPv4 advertisement, advert_int 1 s (100 cs)":         {Version: 3, Priority: 150, AdvertInt: 100, Addrs: []netip.Addr{vip4}},
		"VRRPv3 IPv6 advertisement (ff02::12)":                       {Version: 3, Priority: 150, AdvertInt: 100, Addrs: []netip.Addr{vip6}},
	}
	found := 0
	for _, f := range vectorFrames(t) {
		w, ok := want[f.name]
		if !ok {
			continue
		}
		found++
		msg, src, dst, _ := vrrpFrame(f.data)
		p, err := Decode(msg, src, dst, Options{})
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if p.Version != w.Version || p.VRID != 51 || p.Priority != w.Priority || p.AdvertInt != w.AdvertInt ||
			p.AuthType != w.AuthType || p.Auth != w.Auth || len(p.Addrs) != 1 || p.Addrs[0] != w.Addrs[0] {
			t.Errorf("%s: got %+v", f.name, p)
		}
	}
	if found != len(want) {
		t.Fatalf("found %d of %d vectors", found, len(want))
	}
}

var (
	s4 = netip.MustParseAddr("10.77.0.11")
	d4 = netip.MustParseAddr("224.0.0.18")
	s6 = netip.MustParseAddr("fe80::77:ff:fe00:1")
	d6 = netip.MustParseAddr("ff02::12")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestDecodeErrors(t *testing.T) {
	good2 := mustHex("2133960100013e190a4d00640000000000000000")
	good3 := mustHex("31339601006442cf0a4d0064")
	mod := func(b []byte, f func([]byte)) []byte {
		c := append([]byte(nil), b...)
		f(c)
		return c
	}
	tests := []struct {
		name string
		msg  []byte
		src  netip.Addr
		dst  netip.Addr
		opt  Options
		kind Kind
	}{
		{"empty", nil, s4, d4, Options{}, KindPacketLen},
		{"short header", good2[:7], s4, d4, Options{}, KindPacketLen},
		{"count larger than payload", mod(good2, func(b []byte) { b[3] = 2 }), s4, d4, Options{}, KindPacketLen},
		{"trailing bytes", append(append([]byte(nil), good3...), 0, 0, 0, 0), s4, d4, Options{}, KindAddrList},
		{"version 1", mod(good2, func(b []byte) { b[0] = 0x11 }), s4, d4, Options{}, KindVersion},
		{"v2 over IPv6", good2, s6, d6, Options{}, KindVersion},
		{"type 2", mod(good2, func(b []byte) { b[0] = 0x22 }), s4, d4, Options{}, KindType},
		{"bad v2 checksum", mod(good2, func(b []byte) { b[7] ^= 1 }), s4, d4, Options{}, KindChecksum},
		{"v3 checksum without pseudo header", good3, s4, d4, Options{V3ChecksumAsV2: true}, KindChecksum},
		{"v3 wrong dst", good3, s4, netip.MustParseAddr("10.77.0.12"), Options{}, KindChecksum},
		{"auth type 3", mod(good2, func(b []byte) { b[4] = 3 }), s4, d4, Options{}, KindAuthType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.msg, tt.src, tt.dst, tt.opt)
			var we *Error
			if !errors.As(err, &we) || we.Kind != tt.kind {
				t.Fatalf("got %v, want kind %v", err, tt.kind)
			}
			if !errors.Is(err, &Error{Kind: tt.kind}) {
				t.Fatalf("errors.Is does not match kind")
			}
		})
	}
}

func TestV3ChecksumAsV2RoundTrip(t *testing.T) {
	p := Packet{Version: 3, VRID: 9, Priority: 100, AdvertInt: 100, Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}}
	opt := Options{V3ChecksumAsV2: true}
	b, err := p.AppendEncode(nil, s4, d4, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(b, s4, d4, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(b, s4, d4, Options{}); !errors.Is(err, ErrChecksum) {
		t.Fatalf("pseudo-header receiver accepted a v2-style checksum: %v", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	a4 := []netip.Addr{netip.MustParseAddr("10.0.0.1")}
	tests := []struct {
		name string
		p    Packet
		src  netip.Addr
	}{
		{"v2 IPv6", Packet{Version: 2}, s6},
		{"bad version", Packet{Version: 4}, s4},
		{"mixed family", Packet{Version: 3, Addrs: a4}, s6},
		{"interval too big", Packet{Version: 3, AdvertInt: 4096}, s4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.p.AppendEncode(nil, tt.src, d4, Options{}); err == nil {
				t.Fatal("no error")
			}
		})
	}
	// An AH message is a v2 message with auth type 2 and zero
	// authentication data: it round-trips.
	ahMsg := Packet{Version: 2, VRID: 51, Priority: 150, AuthType: AuthAH, AdvertInt: 1, Addrs: a4}
	b, err := ahMsg.AppendEncode(nil, s4, d4, Options{})
	if err != nil {
		t.Fatalf("AH message: %v", err)
	}
	if p, err := Decode(b, s4, d4, Options{}); err != nil || p.AuthType != AuthAH || p.Auth != [AuthLen]byte{} {
		t.Fatalf("AH message decoded as %+v, %v", p, err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(mustHex("2133960100013e190a4d00640000000000000000"), false)
	f.Add(mustHex("31339601006442cf0a4d0064"), false)
	f.Add(mustHex("3133960100643c59fd770000000000000000000000000100"), true)
	f.Fuzz(func(t *testing.T, b []byte, v6 bool) {
		src, dst := s4, d4
		if v6 {
			src, dst = s6, d6
		}
		var p Packet
		if err := DecodeInto(&p, b, src, dst, Options{}); err != nil {
			return
		}
		out, err := p.AppendEncode(nil, src, dst, Options{})
		if err != nil {
			t.Fatalf("decoded packet does not encode: %v", err)
		}
		// Reserved v3 bits are dropped, so compare decoded forms; when
		// they are zero the bytes must match exactly.
		var q Packet
		if err := DecodeInto(&q, out, src, dst, Options{}); err != nil {
			t.Fatalf("re-encoded packet does not decode: %v", err)
		}
		if q.VRID != p.VRID || q.Priority != p.Priority || q.AdvertInt != p.AdvertInt || q.Auth != p.Auth || len(q.Addrs) != len(p.Addrs) {
			t.Fatalf("round trip changed the packet: %+v vs %+v", q, p)
		}
		if (p.Version == 2 || b[4]&0xf0 == 0) && !bytes.Equal(out, b) {
			t.Fatalf("round trip\n got %x\nwant %x", out, b)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	msg := mustHex("2133960100013e190a4d00640000000000000000")
	var p Packet
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeInto(&p, msg, s4, d4, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	p := Packet{Version: 3, VRID: 51, Priority: 150, AdvertInt: 100, Addrs: []netip.Addr{netip.MustParseAddr("10.77.0.100")}}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = p.AppendEncode(buf[:0], s4, d4, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
