package agentx

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The byte strings are laid out as RFC 2741 §6 draws them, one field a
// group; the GetNext is little-endian, as snmpd sends on x86.
var codecCases = []struct {
	name string
	wire string
	pdu  PDU
}{
	{
		name: "open",
		wire: `01 01 10 00  00000000 00000000 00000001 00000024
		       00 000000
		       03 04 00 00  00000001 00002572 00000064
		       0000000a 4b656570 616c6976 65640000`,
		pdu: PDU{Header: Header{Type: TypeOpen, Flags: FlagNetworkByteOrder, PacketID: 1, PayloadLen: 36},
			ID: MustOID("1.3.6.1.4.1.9586.100"), Descr: "Keepalived"},
	},
	{
		name: "register",
		wire: `01 03 10 00  0000002a 00000000 00000002 0000001c
		       00 7f 00 00
		       05 04 00 00  00000001 00002572 00000064 00000005 00000002`,
		pdu: PDU{Header: Header{Type: TypeRegister, Flags: FlagNetworkByteOrder, SessionID: 42, PacketID: 2, PayloadLen: 28},
			Priority: 127, Subtree: MustOID("1.3.6.1.4.1.9586.100.5.2")},
	},
	{
		name: "getnext little-endian",
		wire: `01 06 00 00  2a000000 07000000 09000000 2c000000
		       04 04 00 00  01000000 72250000 64000000 05000000
		       05 04 00 00  01000000 72250000 64000000 05000000 03000000`,
		pdu: PDU{Header: Header{Type: TypeGetNext, SessionID: 42, TransactionID: 7, PacketID: 9, PayloadLen: 44},
			Ranges: []SearchRange{{
				Start: MustOID("1.3.6.1.4.1.9586.100.5"),
				End:   MustOID("1.3.6.1.4.1.9586.100.5.3"),
			}}},
	},
	{
		name: "response",
		wire: `01 12 10 00  0000002a 00000007 00000009 00000054
		       00000000 0000 0000
		       0002 0000  09 04 00 00 00000001 00002572 00000064 00000005 00000002 00000003 00000001 00000004 00000001
		       00000002
		       0004 0000  03 00 00 00 00000001 00000002 00000003
		       00000002 68310000`,
		pdu: PDU{Header: Header{Type: TypeResponse, Flags: FlagNetworkByteOrder, SessionID: 42, TransactionID: 7, PacketID: 9, PayloadLen: 84},
			VarBinds: []VarBind{
				Int(MustOID("1.3.6.1.4.1.9586.100.5.2.3.1.4.1"), 2),
				Str(MustOID("1.2.3"), "h1"),
			}},
	},
	{
		name: "close",
		wire: `01 02 10 00  0000002a 00000000 00000003 00000004  05 000000`,
		pdu:  PDU{Header: Header{Type: TypeClose, Flags: FlagNetworkByteOrder, SessionID: 42, PacketID: 3, PayloadLen: 4}, Reason: CloseShutdown},
	},
}

func TestDecode(t *testing.T) {
	for _, c := range codecCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Decode(unhex(t, c.wire))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.pdu) {
				t.Errorf("got  %+v\nwant %+v", got, c.pdu)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	for _, c := range codecCases {
		if c.pdu.Flags&FlagNetworkByteOrder == 0 {
			continue // Encode always writes network byte order
		}
		t.Run(c.name, func(t *testing.T) {
			if got, want := Encode(c.pdu), unhex(t, c.wire); !bytes.Equal(got, want) {
				t.Errorf("got  %x\nwant %x", got, want)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	for name, wire := range map[string]string{
		"short header":    `01 01 10 00 00000000`,
		"version 2":       `02 01 10 00 00000000 00000000 00000000 00000000`,
		"odd payload len": `01 01 10 00 00000000 00000000 00000000 00000003 000000`,
		"short payload":   `01 01 10 00 00000000 00000000 00000000 00000008 00000000`,
		"oid past end":    `01 05 10 00 00000000 00000000 00000000 00000008 09000000 00000001`,
		"octets past end": `01 01 10 00 00000000 00000000 00000000 0000000c 00000000 00000000 000000ff`,
		"bad varbind":     `01 12 10 00 00000000 00000000 00000000 00000010 00000000 00000000 00630000 00000000`,
	} {
		if _, err := Decode(unhex(t, wire)); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestOIDCompare(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.3.6", "1.3.6", 0},
		{"1.3", "1.3.6", -1},
		{"1.3.7", "1.3.6.9", 1},
		{"1.3.6.1.2", "1.3.6.1.10", -1},
	} {
		if got := MustOID(c.a).Compare(MustOID(c.b)); got != c.want {
			t.Errorf("%s vs %s: %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// FuzzDecode: whatever the master sends, Decode returns an error or a PDU
// that encodes and decodes to itself.
func FuzzDecode(f *testing.F) {
	for _, c := range codecCases {
		f.Add(unhex(f, c.wire))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		q, err := Decode(Encode(p))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		p.Flags |= FlagNetworkByteOrder
		p.PayloadLen, q.PayloadLen = 0, 0
		if p.Context == "" {
			p.Flags &^= FlagNonDefaultContext
		}
		if !reflect.DeepEqual(normal(p), normal(q)) {
			t.Fatalf("round trip\n%+v\n%+v", p, q)
		}
	})
}

// normal drops what Encode does not carry for p's type.
func normal(p PDU) PDU {
	var q PDU
	q.Header, q.Context = p.Header, p.Context
	q.Flags &^= FlagNonDefaultContext
	w := &writer{}
	encodeBody(p, w)
	r := &reader{b: w.b, bo: order(FlagNetworkByteOrder)}
	decodeBody(&q, r)
	return q
}
