// Package agentx is a codec for the AgentX protocol (RFC 2741): the PDUs a
// subagent exchanges with an SNMP master agent such as net-snmp's snmpd.
// It knows bytes only, no sockets and none of keepalived-go's types, so
// that it can be table-tested from captured PDUs and fuzzed alone.
package agentx

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Type is an AgentX PDU type (RFC 2741 §6.1).
type Type uint8

// The PDU types a subagent sends or receives.
const (
	TypeOpen            Type = 1
	TypeClose           Type = 2
	TypeRegister        Type = 3
	TypeUnregister      Type = 4
	TypeGet             Type = 5
	TypeGetNext         Type = 6
	TypeGetBulk         Type = 7
	TypeTestSet         Type = 8
	TypeCommitSet       Type = 9
	TypeUndoSet         Type = 10
	TypeCleanupSet      Type = 11
	TypeNotify          Type = 12
	TypePing            Type = 13
	TypeIndexAllocate   Type = 14
	TypeIndexDeallocate Type = 15
	TypeAddAgentCaps    Type = 16
	TypeRemoveAgentCaps Type = 17
	TypeResponse        Type = 18
)

// Header flags (RFC 2741 §6.1).
const (
	FlagInstanceRegistration = 0x01
	FlagNewIndex             = 0x02
	FlagAnyIndex             = 0x04
	FlagNonDefaultContext    = 0x08
	FlagNetworkByteOrder     = 0x10
)

// Close reasons (RFC 2741 §6.2.2).
const (
	CloseOther         = 1
	CloseParseError    = 2
	CloseProtocolError = 3
	CloseTimeouts      = 4
	CloseShutdown      = 5
	CloseByManager     = 6
)

// Response errors (RFC 2741 §6.2.16) used here.
const (
	ErrNoError       = 0
	ErrGenErr        = 5
	ErrWrongType     = 7
	ErrWrongLength   = 8
	ErrWrongValue    = 10
	ErrCommitFailed  = 14
	ErrNotWritable   = 17
	ErrParseError    = 266
	ErrRequestDenied = 267
	ErrProcessing    = 268
)

// HeaderLen is the fixed AgentX header length.
const HeaderLen = 20

// MaxPayload bounds what Decode accepts, so a corrupt length cannot make a
// reader allocate gigabytes; snmpd's own PDUs are far smaller.
const MaxPayload = 1 << 20

// Header is the fixed part of every PDU.
type Header struct {
	Type          Type
	Flags         uint8
	SessionID     uint32
	TransactionID uint32
	PacketID      uint32
	PayloadLen    uint32
}

// ErrShort reports a buffer that ends inside a field.
var ErrShort = errors.New("agentx: truncated PDU")

func order(flags uint8) binary.ByteOrder {
	if flags&FlagNetworkByteOrder != 0 {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// ParseHeader reads the 20-byte header at the start of b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, ErrShort
	}
	if b[0] != 1 {
		return Header{}, fmt.Errorf("agentx: version %d", b[0])
	}
	bo := order(b[2])
	h := Header{
		Type:          Type(b[1]),
		Flags:         b[2],
		SessionID:     bo.Uint32(b[4:]),
		TransactionID: bo.Uint32(b[8:]),
		PacketID:      bo.Uint32(b[12:]),
		PayloadLen:    bo.Uint32(b[16:]),
	}
	if h.PayloadLen%4 != 0 || h.PayloadLen > MaxPayload {
		return Header{}, fmt.Errorf("agentx: payload length %d", h.PayloadLen)
	}
	return h, nil
}

// PDU is one decoded PDU: the header and the fields its type carries.
// Fields a type does not use stay zero.
type PDU struct {
	Header
	Context string // with FlagNonDefaultContext

	// Open
	Timeout uint8
	ID      OID
	Descr   string
	// Close
	Reason uint8
	// Register/Unregister
	Priority   uint8
	RangeSubID uint8
	Subtree    OID
	UpperBound uint32
	// Get, GetNext, GetBulk
	Ranges        []SearchRange
	NonRepeaters  uint16
	MaxRepetition uint16
	// Response, Notify, TestSet
	SysUpTime uint32
	Error     uint16
	Index     uint16
	VarBinds  []VarBind
}

// SearchRange is a request's [Start, End) range; Include makes Start
// itself eligible (RFC 2741 §5.2).
type SearchRange struct {
	Start   OID
	Include bool
	End     OID
}

// hasContext: the PDU types that carry a context field when
// FlagNonDefaultContext is set (RFC 2741 §6.1.1).
func hasContext(t Type) bool {
	switch t {
	case TypeRegister, TypeUnregister, TypeGet, TypeGetNext, TypeGetBulk,
		TypeTestSet, TypeNotify, TypePing, TypeIndexAllocate,
		TypeIndexDeallocate, TypeAddAgentCaps, TypeRemoveAgentCaps:
		return true
	}
	return false
}

// Decode decodes one whole PDU (header and payload).
func Decode(b []byte) (PDU, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return PDU{}, err
	}
	if len(b) < HeaderLen+int(h.PayloadLen) {
		return PDU{}, ErrShort
	}
	r := &reader{b: b[HeaderLen : HeaderLen+int(h.PayloadLen)], bo: order(h.Flags)}
	p := PDU{Header: h}
	if h.Flags&FlagNonDefaultContext != 0 && hasContext(h.Type) {
		p.Context = r.octets()
	}
	decodeBody(&p, r)
	if r.err != nil {
		return PDU{}, r.err
	}
	return p, nil
}

func decodeBody(p *PDU, r *reader) {
	switch p.Type {
	case TypeOpen:
		p.Timeout = r.u8()
		r.skip(3)
		p.ID, _ = r.oid()
		p.Descr = r.octets()
	case TypeClose:
		p.Reason = r.u8()
		r.skip(3)
	case TypeRegister, TypeUnregister:
		p.Timeout = r.u8()
		p.Priority = r.u8()
		p.RangeSubID = r.u8()
		r.skip(1)
		p.Subtree, _ = r.oid()
		if p.RangeSubID != 0 {
			p.UpperBound = r.u32()
		}
	case TypeGet, TypeGetNext:
		p.Ranges = r.ranges()
	case TypeGetBulk:
		p.NonRepeaters = r.u16()
		p.MaxRepetition = r.u16()
		p.Ranges = r.ranges()
	case TypeResponse:
		p.SysUpTime = r.u32()
		p.Error = r.u16()
		p.Index = r.u16()
		p.VarBinds = r.varbinds()
	case TypeNotify, TypeTestSet:
		p.VarBinds = r.varbinds()
	case TypeAddAgentCaps:
		p.ID, _ = r.oid()
		p.Descr = r.octets()
	}
}

// Encode encodes p in network byte order (the flag is set whatever
// p.Flags says) and fills in the payload length.
func Encode(p PDU) []byte {
	w := &writer{}
	flags := p.Flags | FlagNetworkByteOrder
	if p.Context != "" && hasContext(p.Type) {
		flags |= FlagNonDefaultContext
		w.octets(p.Context)
	} else {
		flags &^= FlagNonDefaultContext
	}
	encodeBody(p, w)
	h := make([]byte, HeaderLen, HeaderLen+len(w.b))
	h[0], h[1], h[2] = 1, byte(p.Type), flags
	binary.BigEndian.PutUint32(h[4:], p.SessionID)
	binary.BigEndian.PutUint32(h[8:], p.TransactionID)
	binary.BigEndian.PutUint32(h[12:], p.PacketID)
	binary.BigEndian.PutUint32(h[16:], uint32(len(w.b)))
	return append(h, w.b...)
}

func encodeBody(p PDU, w *writer) {
	switch p.Type {
	case TypeOpen:
		w.u8(p.Timeout)
		w.pad(3)
		w.oid(p.ID, false)
		w.octets(p.Descr)
	case TypeClose:
		w.u8(p.Reason)
		w.pad(3)
	case TypeRegister, TypeUnregister:
		w.u8(p.Timeout)
		w.u8(p.Priority)
		w.u8(p.RangeSubID)
		w.pad(1)
		w.oid(p.Subtree, false)
		if p.RangeSubID != 0 {
			w.u32(p.UpperBound)
		}
	case TypeGet, TypeGetNext:
		w.ranges(p.Ranges)
	case TypeGetBulk:
		w.u16(p.NonRepeaters)
		w.u16(p.MaxRepetition)
		w.ranges(p.Ranges)
	case TypeResponse:
		w.u32(p.SysUpTime)
		w.u16(p.Error)
		w.u16(p.Index)
		w.varbinds(p.VarBinds)
	case TypeNotify, TypeTestSet:
		w.varbinds(p.VarBinds)
	case TypeAddAgentCaps:
		w.oid(p.ID, false)
		w.octets(p.Descr)
	}
}
