package agentx

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// OID is an object identifier.
type OID []uint32

// ParseOID reads a dotted OID ("1.3.6.1" or ".1.3.6.1").
func ParseOID(s string) (OID, error) {
	s = strings.TrimPrefix(s, ".")
	if s == "" {
		return OID{}, nil
	}
	parts := strings.Split(s, ".")
	o := make(OID, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("agentx: oid %q: %v", s, err)
		}
		o[i] = uint32(v)
	}
	return o, nil
}

// MustOID is ParseOID for constants.
func MustOID(s string) OID {
	o, err := ParseOID(s)
	if err != nil {
		panic(err)
	}
	return o
}

// String prints o with a leading dot, as snmpwalk -On does.
func (o OID) String() string {
	var b strings.Builder
	for _, v := range o {
		b.WriteByte('.')
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	}
	return b.String()
}

// Append returns o followed by sub, never sharing o's array.
func (o OID) Append(sub ...uint32) OID {
	r := make(OID, 0, len(o)+len(sub))
	return append(append(r, o...), sub...)
}

// Compare orders OIDs lexicographically, a prefix first.
func (o OID) Compare(p OID) int {
	for i := 0; i < len(o) && i < len(p); i++ {
		switch {
		case o[i] < p[i]:
			return -1
		case o[i] > p[i]:
			return 1
		}
	}
	switch {
	case len(o) < len(p):
		return -1
	case len(o) > len(p):
		return 1
	}
	return 0
}

// HasPrefix reports whether p is a prefix of o.
func (o OID) HasPrefix(p OID) bool {
	return len(o) >= len(p) && o[:len(p)].Compare(p) == 0
}

// VarType is a varbind's value type (RFC 2741 §5.4).
type VarType uint16

// The value types.
const (
	Integer        VarType = 2
	OctetString    VarType = 4
	Null           VarType = 5
	ObjectID       VarType = 6
	IPAddress      VarType = 64
	Counter32      VarType = 65
	Gauge32        VarType = 66
	TimeTicks      VarType = 67
	Opaque         VarType = 68
	Counter64      VarType = 70
	NoSuchObject   VarType = 128
	NoSuchInstance VarType = 129
	EndOfMibView   VarType = 130
)

// VarBind is a name and its typed value. Value holds int32 (Integer),
// uint32 (Counter32, Gauge32, TimeTicks), uint64 (Counter64), []byte
// (OctetString, IPAddress, Opaque) or OID (ObjectID); nothing for the
// others.
type VarBind struct {
	Type  VarType
	Name  OID
	Value any
}

// Int, Str, Gauge... build varbinds tersely.
func Int(name OID, v int) VarBind { return VarBind{Integer, name, int32(v)} }

// Str is an OctetString varbind.
func Str(name OID, s string) VarBind { return VarBind{OctetString, name, []byte(s)} }

// Bytes is an OctetString varbind of raw bytes.
func Bytes(name OID, b []byte) VarBind { return VarBind{OctetString, name, b} }

// Gauge is a Gauge32 varbind.
func Gauge(name OID, v uint32) VarBind { return VarBind{Gauge32, name, v} }

// Counter is a Counter32 varbind.
func Counter(name OID, v uint32) VarBind { return VarBind{Counter32, name, v} }

// Counter64V is a Counter64 varbind.
func Counter64V(name OID, v uint64) VarBind { return VarBind{Counter64, name, v} }

// Ticks is a TimeTicks varbind (hundredths of a second).
func Ticks(name OID, v uint32) VarBind { return VarBind{TimeTicks, name, v} }

// IP is an IpAddress varbind (4 bytes).
func IP(name OID, b [4]byte) VarBind { return VarBind{IPAddress, name, b[:]} }

// ObjID is an OBJECT IDENTIFIER varbind.
func ObjID(name, v OID) VarBind { return VarBind{ObjectID, name, v} }

type reader struct {
	b   []byte
	bo  binary.ByteOrder
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.err = ErrShort
		r.b = nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) skip(n int) { r.take(n) }

func (r *reader) u8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if b := r.take(2); b != nil {
		return r.bo.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return r.bo.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return r.bo.Uint64(b)
	}
	return 0
}

// oid reads an OID with its prefix compression (RFC 2741 §5.1).
func (r *reader) oid() (OID, bool) {
	n, prefix, include := r.u8(), r.u8(), r.u8()
	r.skip(1)
	if r.err != nil {
		return nil, false
	}
	if int(n)*4 > len(r.b) {
		r.err = ErrShort
		return nil, false
	}
	var o OID
	if prefix != 0 {
		o = OID{1, 3, 6, 1, uint32(prefix)}
	}
	for range int(n) {
		o = append(o, r.u32())
	}
	if o == nil {
		o = OID{}
	}
	return o, include != 0
}

func (r *reader) octets() string {
	n := r.u32()
	if r.err != nil {
		return ""
	}
	if uint64(n) > uint64(len(r.b)) {
		r.err = ErrShort
		return ""
	}
	s := string(r.take(int(n)))
	r.skip((4 - int(n)%4) % 4)
	return s
}

func (r *reader) ranges() []SearchRange {
	var out []SearchRange
	for len(r.b) > 0 && r.err == nil {
		start, inc := r.oid()
		end, _ := r.oid()
		out = append(out, SearchRange{Start: start, Include: inc, End: end})
	}
	return out
}

func (r *reader) varbinds() []VarBind {
	var out []VarBind
	for len(r.b) > 0 && r.err == nil {
		t := VarType(r.u16())
		r.skip(2)
		name, _ := r.oid()
		vb := VarBind{Type: t, Name: name}
		switch t {
		case Integer:
			vb.Value = int32(r.u32())
		case Counter32, Gauge32, TimeTicks:
			vb.Value = r.u32()
		case Counter64:
			vb.Value = r.u64()
		case OctetString, IPAddress, Opaque:
			vb.Value = []byte(r.octets())
		case ObjectID:
			vb.Value, _ = r.oid()
		case Null, NoSuchObject, NoSuchInstance, EndOfMibView:
		default:
			if r.err == nil {
				r.err = fmt.Errorf("agentx: varbind type %d", t)
			}
		}
		out = append(out, vb)
	}
	return out
}

type writer struct{ b []byte }

func (w *writer) u8(v uint8)   { w.b = append(w.b, v) }
func (w *writer) pad(n int)    { w.b = append(w.b, make([]byte, n)...) }
func (w *writer) u16(v uint16) { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *writer) u32(v uint32) { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *writer) u64(v uint64) { w.b = binary.BigEndian.AppendUint64(w.b, v) }

// oid writes o, compressing an internet prefix 1.3.6.1.X (X ≤ 255) as
// net-snmp does.
func (w *writer) oid(o OID, include bool) {
	prefix := uint8(0)
	if len(o) > 5 && o[0] == 1 && o[1] == 3 && o[2] == 6 && o[3] == 1 && o[4] > 0 && o[4] <= 255 {
		prefix = uint8(o[4])
		o = o[5:]
	}
	inc := uint8(0)
	if include {
		inc = 1
	}
	w.u8(uint8(len(o)))
	w.u8(prefix)
	w.u8(inc)
	w.pad(1)
	for _, v := range o {
		w.u32(v)
	}
}

func (w *writer) octets(s string) {
	w.u32(uint32(len(s)))
	w.b = append(w.b, s...)
	w.pad((4 - len(s)%4) % 4)
}

func (w *writer) ranges(rs []SearchRange) {
	for _, r := range rs {
		w.oid(r.Start, r.Include)
		w.oid(r.End, false)
	}
}

func (w *writer) varbinds(vbs []VarBind) {
	for _, vb := range vbs {
		w.u16(uint16(vb.Type))
		w.pad(2)
		w.oid(vb.Name, false)
		w.value(vb)
	}
}

func (w *writer) value(vb VarBind) {
	switch v := vb.Value.(type) {
	case int32:
		w.u32(uint32(v))
	case uint32:
		w.u32(v)
	case uint64:
		w.u64(v)
	case []byte:
		w.octets(string(v))
	case OID:
		w.oid(v, false)
	}
}
