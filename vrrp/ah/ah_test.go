package ah

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
)

// captured is one advert keepalived 2.2.7 sent (testdata).
type captured struct {
	pass  string
	seq   uint32
	prio  uint8
	frame []byte
}

func loadCaptured(t testing.TB) []captured {
	t.Helper()
	f, err := os.Open("testdata/keepalived-2.2.7.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []captured
	pass := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if p, ok := strings.CutPrefix(line, "pass "); ok {
			pass = p
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 3 {
			t.Fatalf("bad line %q", line)
		}
		seq, err1 := strconv.ParseUint(fs[0], 10, 32)
		prio, err2 := strconv.ParseUint(fs[1], 10, 8)
		b, err3 := hex.DecodeString(fs[2])
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, captured{pass, uint32(seq), uint8(prio), b})
	}
	if len(out) == 0 {
		t.Fatal("no frames in testdata")
	}
	return out
}

// TestKeepalivedFrames checks the codec against adverts keepalived sent:
// they parse and verify, and sealing their VRRP message with the same
// IP ID, TTL and sequence number gives the same bytes.
func TestKeepalivedFrames(t *testing.T) {
	for _, c := range loadCaptured(t) {
		p, err := Parse(c.frame)
		if err != nil {
			t.Fatalf("seq %d: parse: %v", c.seq, err)
		}
		if p.Seq != c.seq || p.VRRP[2] != c.prio || p.TTL != 255 || p.Src != netip.MustParseAddr("10.78.0.11") ||
			p.Dst != netip.MustParseAddr("224.0.0.18") || p.TotalLen != len(c.frame) || p.Next != 112 {
			t.Errorf("seq %d: parsed %+v", c.seq, p)
		}
		s := NewSigner(c.pass)
		if err := s.Verify(c.frame, &p, false); err != nil {
			t.Errorf("seq %d: verify: %v", c.seq, err)
		}
		if err := NewSigner("x"+c.pass).Verify(c.frame, &p, false); !errors.Is(err, ErrICV) {
			t.Errorf("seq %d: verify with another key: %v, want ErrICV", c.seq, err)
		}
		id := binary.BigEndian.Uint16(c.frame[4:6])
		got, err := s.AppendSeal(nil, Frame{Src: p.Src, Dst: p.Dst, ID: id, TTL: 255, Seq: p.Seq}, p.VRRP)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, c.frame) {
			t.Errorf("seq %d: sealed\n%x\nkeepalived sent\n%x", c.seq, got, c.frame)
		}
	}
}

// TestMutableFields: what keepalived zeroes may change in flight, the
// rest may not.
func TestMutableFields(t *testing.T) {
	c := loadCaptured(t)[0]
	s := NewSigner(c.pass)
	tests := []struct {
		name    string
		off     int
		val     byte
		unicast bool
		want    error
	}{
		{"tos", 1, 0x00, false, nil},
		{"flags and fragment offset", 6, 0x40, false, nil},
		{"header checksum", 10, 0xff, false, nil},
		{"ttl multicast", 8, 254, false, ErrICV},
		{"ttl unicast", 8, 64, true, ErrICV}, // signed as multicast: TTL 255 was in the ICV
		{"ip id", 5, 0x77, false, ErrICV},
		{"source", 15, 0x0c, false, ErrICV},
		{"sequence number", 20 + 11, 0x09, false, ErrICV},
		{"vrrp priority", 44 + 2, 100, false, ErrICV},
		{"vrrp auth data", len(c.frame) - 1, 1, false, ErrICV},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(c.frame)
			b[tc.off] = tc.val
			p, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Verify(b, &p, tc.unicast); !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Errorf("verify: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestUnicastTTL(t *testing.T) {
	s := NewSigner("pw")
	msg := loadCaptured(t)[0].frame[Overhead:]
	f := Frame{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), ID: 7, TTL: 64, Seq: 9, Unicast: true}
	b, err := s.AppendSeal(nil, f, msg)
	if err != nil {
		t.Fatal(err)
	}
	b[8] = 61 // three routers on the way
	p, _ := Parse(b)
	if err := s.Verify(b, &p, true); err != nil {
		t.Errorf("unicast TTL decremented in flight: %v", err)
	}
	if err := s.Verify(b, &p, false); !errors.Is(err, ErrICV) {
		t.Errorf("checked as multicast: %v, want ErrICV", err)
	}
}

func TestSPI(t *testing.T) {
	s := NewSigner("pw")
	msg := loadCaptured(t)[0].frame[Overhead:]
	b, _ := s.AppendSeal(nil, Frame{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("224.0.0.18"), TTL: 255, Seq: 1}, msg)
	b[IPv4HeaderLen+7] = 9 // SPI 10.0.0.9, re-signed
	icv := s.sum96(b, IPv4HeaderLen, false)
	copy(b[IPv4HeaderLen+12:], icv[:])
	p, _ := Parse(b)
	if err := s.Verify(b, &p, false); !errors.Is(err, ErrSPI) {
		t.Errorf("verify: %v, want ErrSPI", err)
	}
}

func TestParseErrors(t *testing.T) {
	good := loadCaptured(t)[0].frame
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"ip header only", good[:20], ErrShort},
		{"no vrrp header", good[:Overhead+7], ErrShort},
		{"ipv6", mod(func(b []byte) []byte { b[0] = 0x65; return b }), ErrHeader},
		{"ihl 4", mod(func(b []byte) []byte { b[0] = 0x44; return b }), ErrHeader},
		{"protocol 112", mod(func(b []byte) []byte { b[9] = 112; return b }), ErrHeader},
		{"options eat the packet", mod(func(b []byte) []byte { b[0] = 0x4f; return b }), ErrShort},
	}
	for _, tc := range tests {
		if _, err := Parse(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	b := mod(func(b []byte) []byte { b[20] = 6; return b })
	p, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := NewSigner("ab").Verify(b, &p, false); !errors.Is(err, ErrNextHeader) {
		t.Errorf("next header 6: %v, want ErrNextHeader", err)
	}
}

func TestSealErrors(t *testing.T) {
	s := NewSigner("pw")
	v4, v6 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fe80::1")
	if _, err := s.AppendSeal(nil, Frame{Src: v6, Dst: v4}, []byte{1}); err == nil {
		t.Error("IPv6 source sealed")
	}
	if _, err := s.AppendSeal(nil, Frame{Src: v4, Dst: v4}, make([]byte, 70000)); err == nil {
		t.Error("oversized datagram sealed")
	}
}

func TestKey(t *testing.T) {
	// keepalived's key is the password cut or padded to 8 bytes; padding
	// does not change HMAC, cutting does.
	msg := loadCaptured(t)[0].frame[Overhead:]
	f := Frame{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("224.0.0.18"), TTL: 255, Seq: 1}
	seal := func(pass string) []byte {
		b, err := NewSigner(pass).AppendSeal(nil, f, msg)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(seal("ab"), seal("ab\x00\x00")) {
		t.Error("zero padding changed the ICV")
	}
	if !bytes.Equal(seal("12345678"), seal("123456789")) {
		t.Error("bytes past the 8th changed the ICV")
	}
	if bytes.Equal(seal("1234567"), seal("12345678")) {
		t.Error("the 8th byte did not change the ICV")
	}
}

func TestSeq(t *testing.T) {
	var s Seq
	if n := s.Next(); n != 1 {
		t.Errorf("first advert: %d, want 1", n)
	}
	tests := []struct {
		name   string
		start  Seq
		op     func(*Seq) bool
		want   Seq
		wantOK bool
	}{
		{"next", Seq{N: 5}, func(s *Seq) bool { s.Next(); return true }, Seq{N: 6}, true},
		{"next to the limit", Seq{N: SeqLimit}, func(s *Seq) bool { s.Next(); return true }, Seq{N: SeqLimit + 1}, true},
		{"next past the limit cycles", Seq{N: SeqLimit + 1}, func(s *Seq) bool { s.Next(); return true }, Seq{N: SeqLimit + 1, Cycle: true}, true},
		{"accept higher", Seq{N: 5}, func(s *Seq) bool { return s.Accept(6) }, Seq{N: 6}, true},
		{"refuse equal", Seq{N: 5}, func(s *Seq) bool { return s.Accept(5) }, Seq{N: 5}, false},
		{"refuse lower", Seq{N: 5}, func(s *Seq) bool { return s.Accept(1) }, Seq{N: 5}, false},
		{"sync on lower master", Seq{N: 5, Cycle: true}, func(s *Seq) bool { s.SyncLower(9); return true }, Seq{N: 10}, true},
		{"master resets a cycled counter", Seq{N: SeqLimit + 1, Cycle: true}, func(s *Seq) bool { s.EnterMaster(); return true }, Seq{}, true},
		{"master keeps a counter", Seq{N: 7}, func(s *Seq) bool { s.EnterMaster(); return true }, Seq{N: 7}, true},
	}
	for _, tc := range tests {
		s := tc.start
		ok := tc.op(&s)
		if s != tc.want || ok != tc.wantOK {
			t.Errorf("%s: %+v %v, want %+v %v", tc.name, s, ok, tc.want, tc.wantOK)
		}
	}
}

func FuzzParseVerify(f *testing.F) {
	for _, c := range loadCaptured(f) {
		f.Add(c.frame, c.pass)
	}
	f.Add([]byte{0x4f, 0, 0, 0, 0, 0, 0, 0, 0, 51}, "")
	f.Fuzz(func(t *testing.T, b []byte, pass string) {
		s := NewSigner(pass)
		p, err := Parse(b)
		if err != nil {
			return
		}
		if len(p.VRRP) < 8 || p.IHL+HeaderLen+len(p.VRRP) != len(b) {
			t.Fatalf("parsed %d bytes into IHL %d and %d of VRRP", len(b), p.IHL, len(p.VRRP))
		}
		orig := bytes.Clone(b)
		_ = s.Verify(b, &p, len(pass)%2 == 0)
		if !bytes.Equal(b, orig) {
			t.Fatal("Verify modified its input")
		}
		// Whatever VRRP message came in seals into a frame that verifies.
		sealed, err := s.AppendSeal(nil, Frame{Src: p.Src, Dst: p.Dst, TTL: p.TTL, Seq: p.Seq}, p.VRRP)
		if err != nil {
			return
		}
		q, err := Parse(sealed)
		if err != nil {
			t.Fatalf("sealed frame does not parse: %v", err)
		}
		if err := s.Verify(sealed, &q, false); err != nil {
			t.Fatalf("sealed frame does not verify: %v", err)
		}
	})
}
