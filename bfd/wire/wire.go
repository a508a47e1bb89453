// Package wire encodes and decodes BFD Control packets (RFC 5880 §4.1).
// It is a pure codec: no sockets, no state. Decode applies the reception
// checks of RFC 5880 §6.8.6 that need nothing but the packet itself, so a
// caller can count and drop everything Decode refuses.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Version is the only BFD protocol version (RFC 5880).
const Version = 1

// HeaderLen is the mandatory section of a Control packet; an
// authentication section may follow.
const HeaderLen = 24

// State is the session state carried in the Sta field.
type State uint8

// The four session states (RFC 5880 §4.1).
const (
	AdminDown State = 0
	Down      State = 1
	Init      State = 2
	Up        State = 3
)

// String names a state as keepalived logs it.
func (s State) String() string {
	switch s {
	case AdminDown:
		return "AdminDown"
	case Down:
		return "Down"
	case Init:
		return "Init"
	case Up:
		return "Up"
	}
	return "Unknown"
}

// Diag is the diagnostic code (RFC 5880 §4.1).
type Diag uint8

// Diagnostic codes 0..8; 9..31 are reserved.
const (
	DiagNone              Diag = 0
	DiagExpired           Diag = 1
	DiagEchoFailed        Diag = 2
	DiagNeighborDown      Diag = 3
	DiagForwardingReset   Diag = 4
	DiagPathDown          Diag = 5
	DiagConcatPathDown    Diag = 6
	DiagAdminDown         Diag = 7
	DiagRevConcatPathDown Diag = 8
)

var diagNames = [...]string{
	"No Diagnostic", "Control Detection Time Expired", "Echo Function Failed",
	"Neighbor Signaled Session Down", "Forwarding Plane Reset", "Path Down",
	"Concatenated Path Down", "Administratively Down", "Reverse Concatenated Path Down",
}

// String is keepalived's text for the code.
func (d Diag) String() string {
	if int(d) < len(diagNames) {
		return diagNames[d]
	}
	return "Unknown"
}

// Packet is a decoded Control packet. Intervals are microseconds as on the
// wire, so a round trip is exact.
type Packet struct {
	Diag          Diag
	State         State
	Poll          bool
	Final         bool
	ControlPlane  bool // C: control plane independent
	Auth          bool // A: an authentication section follows
	Demand        bool
	Multipoint    bool
	DetectMult    uint8
	MyDiscr       uint32
	YourDiscr     uint32
	DesiredMinTx  uint32 // µs
	RequiredMinRx uint32 // µs
	RequiredEcho  uint32 // µs
}

// Flag bits of the second octet.
const (
	flagPoll   = 0x20
	flagFinal  = 0x10
	flagCPI    = 0x08
	flagAuth   = 0x04
	flagDemand = 0x02
	flagMulti  = 0x01
)

// Errors Decode returns; each is a reason to count and drop.
var (
	ErrShort       = errors.New("bfd: packet shorter than 24 bytes")
	ErrLength      = errors.New("bfd: length field disagrees with packet")
	ErrVersion     = errors.New("bfd: unsupported version")
	ErrDetectMult  = errors.New("bfd: detect multiplier is zero")
	ErrMultipoint  = errors.New("bfd: multipoint bit set")
	ErrMyDiscr     = errors.New("bfd: my discriminator is zero")
	ErrYourDiscr   = errors.New("bfd: your discriminator zero in state other than Down/AdminDown")
	ErrPollFinal   = errors.New("bfd: both poll and final set")
	ErrDiag        = errors.New("bfd: invalid diagnostic")
	ErrAuthTooLong = errors.New("bfd: auth bit set but no room for the section")
)

// Decode parses b and applies the packet-only checks of RFC 5880 §6.8.6.
// The authentication section, if any, is not interpreted: the caller
// drops authenticated packets since no auth is configured.
func Decode(b []byte) (Packet, error) {
	var p Packet
	if len(b) < HeaderLen {
		return p, ErrShort
	}
	if v := b[0] >> 5; v != Version {
		return p, fmt.Errorf("%w %d", ErrVersion, v)
	}
	p.Diag = Diag(b[0] & 0x1f)
	p.State = State(b[1] >> 6)
	f := b[1]
	p.Poll, p.Final = f&flagPoll != 0, f&flagFinal != 0
	p.ControlPlane, p.Auth = f&flagCPI != 0, f&flagAuth != 0
	p.Demand, p.Multipoint = f&flagDemand != 0, f&flagMulti != 0
	p.DetectMult = b[2]
	length := int(b[3])
	// The length must cover the header (26 with auth: its type and length
	// octets) and not exceed what arrived.
	minLen := HeaderLen
	if p.Auth {
		minLen = HeaderLen + 2
	}
	if length < minLen || length > len(b) {
		if p.Auth && length >= HeaderLen && length < minLen {
			return p, ErrAuthTooLong
		}
		return p, fmt.Errorf("%w: field %d, %d bytes", ErrLength, length, len(b))
	}
	p.MyDiscr = binary.BigEndian.Uint32(b[4:])
	p.YourDiscr = binary.BigEndian.Uint32(b[8:])
	p.DesiredMinTx = binary.BigEndian.Uint32(b[12:])
	p.RequiredMinRx = binary.BigEndian.Uint32(b[16:])
	p.RequiredEcho = binary.BigEndian.Uint32(b[20:])
	switch {
	case p.DetectMult == 0:
		return p, ErrDetectMult
	case p.Multipoint:
		return p, ErrMultipoint
	case p.MyDiscr == 0:
		return p, ErrMyDiscr
	case p.YourDiscr == 0 && p.State != Down && p.State != AdminDown:
		return p, ErrYourDiscr
	case p.Poll && p.Final:
		return p, ErrPollFinal
	case p.Diag > DiagRevConcatPathDown:
		return p, fmt.Errorf("%w %d", ErrDiag, p.Diag)
	}
	return p, nil
}

// Append encodes p (without authentication) after b.
func (p *Packet) Append(b []byte) []byte {
	var h [HeaderLen]byte
	h[0] = Version<<5 | byte(p.Diag)&0x1f
	f := byte(p.State&3) << 6
	for _, x := range []struct {
		on  bool
		bit byte
	}{{p.Poll, flagPoll}, {p.Final, flagFinal}, {p.ControlPlane, flagCPI},
		{p.Auth, flagAuth}, {p.Demand, flagDemand}, {p.Multipoint, flagMulti}} {
		if x.on {
			f |= x.bit
		}
	}
	h[1] = f
	h[2] = p.DetectMult
	h[3] = HeaderLen
	binary.BigEndian.PutUint32(h[4:], p.MyDiscr)
	binary.BigEndian.PutUint32(h[8:], p.YourDiscr)
	binary.BigEndian.PutUint32(h[12:], p.DesiredMinTx)
	binary.BigEndian.PutUint32(h[16:], p.RequiredMinRx)
	binary.BigEndian.PutUint32(h[20:], p.RequiredEcho)
	return append(b, h[:]...)
}
