package wire

import (
	"errors"
	"testing"
)

func valid() Packet {
	return Packet{State: Up, DetectMult: 3, MyDiscr: 1, YourDiscr: 2,
		DesiredMinTx: 50000, RequiredMinRx: 50000}
}

func TestRoundTrip(t *testing.T) {
	for _, p := range []Packet{
		valid(),
		{State: Down, Diag: DiagExpired, DetectMult: 5, MyDiscr: 0xdeadbeef, DesiredMinTx: 1000000, RequiredMinRx: 10000},
		{State: Init, Poll: true, DetectMult: 1, MyDiscr: 7, YourDiscr: 9, ControlPlane: true, Demand: true},
		{State: Up, Final: true, Diag: DiagRevConcatPathDown, DetectMult: 255, MyDiscr: ^uint32(0), YourDiscr: ^uint32(0), RequiredEcho: 1},
		{State: AdminDown, Diag: DiagAdminDown, DetectMult: 1, MyDiscr: 3},
	} {
		b := p.Append(nil)
		if len(b) != HeaderLen {
			t.Fatalf("len %d", len(b))
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		if got != p {
			t.Fatalf("round trip: got %+v want %+v", got, p)
		}
	}
}

// TestKnownBytes pins the layout against a packet written by hand from
// RFC 5880 §4.1 (what FRR's bfdd sends for an Up session at 300 ms).
func TestKnownBytes(t *testing.T) {
	b := []byte{0x20, 0xc0, 0x03, 0x18, 0, 0, 0, 1, 0, 0, 0, 2,
		0, 0x04, 0x93, 0xe0, 0, 0x04, 0x93, 0xe0, 0, 0, 0xc3, 0x50}
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Packet{State: Up, DetectMult: 3, MyDiscr: 1, YourDiscr: 2, DesiredMinTx: 300000, RequiredMinRx: 300000, RequiredEcho: 50000}
	if p != want {
		t.Fatalf("got %+v", p)
	}
	if got := p.Append(nil); string(got) != string(b) {
		t.Fatalf("encode %x", got)
	}
}

func TestDecodeRejects(t *testing.T) {
	mod := func(f func(b []byte) []byte) []byte {
		p := valid()
		return f(p.Append(nil))
	}
	for _, c := range []struct {
		name string
		b    []byte
		err  error
	}{
		{"empty", nil, ErrShort},
		{"short", make([]byte, 23), ErrShort},
		{"version0", mod(func(b []byte) []byte { b[0] &= 0x1f; return b }), ErrVersion},
		{"version2", mod(func(b []byte) []byte { b[0] = 2<<5 | b[0]&0x1f; return b }), ErrVersion},
		{"length small", mod(func(b []byte) []byte { b[3] = 23; return b }), ErrLength},
		{"length beyond", mod(func(b []byte) []byte { b[3] = 30; return b }), ErrLength},
		{"auth no room", mod(func(b []byte) []byte { b[1] |= flagAuth; return b }), ErrAuthTooLong},
		{"mult zero", mod(func(b []byte) []byte { b[2] = 0; return b }), ErrDetectMult},
		{"multipoint", mod(func(b []byte) []byte { b[1] |= flagMulti; return b }), ErrMultipoint},
		{"my discr zero", mod(func(b []byte) []byte { copy(b[4:8], []byte{0, 0, 0, 0}); return b }), ErrMyDiscr},
		{"your discr zero up", mod(func(b []byte) []byte { copy(b[8:12], []byte{0, 0, 0, 0}); return b }), ErrYourDiscr},
		{"poll and final", mod(func(b []byte) []byte { b[1] |= flagPoll | flagFinal; return b }), ErrPollFinal},
		{"diag 9", mod(func(b []byte) []byte { b[0] = b[0]&0xe0 | 9; return b }), ErrDiag},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Decode(c.b); !errors.Is(err, c.err) {
				t.Fatalf("got %v want %v", err, c.err)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	// Your discriminator may be zero in Down; trailing bytes past Length
	// are ignored; an auth section within Length decodes (caller drops).
	p := Packet{State: Down, DetectMult: 3, MyDiscr: 5}
	b := append(p.Append(nil), 0xff, 0xff)
	if _, err := Decode(b); err != nil {
		t.Fatal(err)
	}
	b = valid().appendAuth()
	got, err := Decode(b)
	if err != nil || !got.Auth {
		t.Fatalf("auth packet: %+v %v", got, err)
	}
}

func (p Packet) appendAuth() []byte {
	p.Auth = true
	b := p.Append(nil)
	b = append(b, 1, 4, 1, 0)
	b[3] = byte(len(b))
	return b
}

func FuzzDecode(f *testing.F) {
	p := valid()
	f.Add(p.Append(nil))
	f.Add(valid().appendAuth())
	f.Add([]byte{0x20, 0x40, 3, 24})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to the same header (modulo auth,
		// whose section Append does not write).
		if p.Auth {
			return
		}
		q, err := Decode(p.Append(nil))
		if err != nil || q != p {
			t.Fatalf("re-decode %+v: %+v %v", p, q, err)
		}
	})
}
