// Package wire encodes and decodes VRRP advertisements: VRRPv2 (RFC 3768)
// over IPv4 and VRRPv3 (RFC 5798) over IPv4 and IPv6.
//
// The codec works on the VRRP message only; the IP header is the socket's
// business. Source and destination addresses are still needed because the
// VRRPv3 checksum covers a pseudo-header.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// Protocol is the IP protocol number of VRRP.
const Protocol = 112

// TypeAdvertisement is the only VRRP packet type defined by either RFC.
const TypeAdvertisement = 1

// Authentication types of VRRPv2. RFC 3768 deprecates them, keepalived keeps
// PASS for compatibility and AH behind a build option. An AH advert's
// message carries type 2 and zero authentication data; its IP and AH
// headers are package ah's.
const (
	AuthNone = 0
	AuthPass = 1
	AuthAH   = 2
)

// AuthLen is the fixed authentication trailer of a VRRPv2 message;
// keepalived always sends it, zero-filled when there is no authentication.
const AuthLen = 8

const (
	headerLen = 8
	maxAddrs  = 255
)

// Packet is a decoded advertisement.
type Packet struct {
	Version  int // 2 or 3
	Type     int
	VRID     uint8
	Priority uint8
	// AuthType and Auth are meaningful for version 2 only.
	AuthType uint8
	Auth     [AuthLen]byte
	// AdvertInt is in seconds for version 2 and centiseconds (12 bits,
	// Max_Adver_Int) for version 3.
	AdvertInt uint16
	Checksum  uint16
	// Addrs reuses its backing array across DecodeInto calls so a steady
	// stream of adverts decodes without allocating.
	Addrs []netip.Addr
}

// Kind classifies a decode failure so the engine can bump the same counter
// keepalived would.
type Kind int

// Kinds of decode failure. The names follow keepalived's statistics.
const (
	KindPacketLen       Kind = iota + 1 // packet_len_err
	KindVersion                         // wrong version (keepalived logs it, no stat)
	KindType                            // invalid_type_rcvd
	KindChecksum                        // checksum error (keepalived logs it, no stat)
	KindAddrList                        // addr_list_err (count/len mismatch)
	KindAuthType                        // invalid_authtype
	KindAuthUnsupported                 // no longer returned: AH is decoded (package ah)
)

var kindNames = map[Kind]string{
	KindPacketLen:       "packet length",
	KindVersion:         "version",
	KindType:            "type",
	KindChecksum:        "checksum",
	KindAddrList:        "address list",
	KindAuthType:        "auth type",
	KindAuthUnsupported: "auth unsupported",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is a typed decode or encode failure.
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return "vrrp wire: " + e.Kind.String() + ": " + e.Msg }

// Is lets errors.Is(err, ErrAHUnsupported) and friends match on Kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Msg == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is; they match any *Error of the same Kind.
var (
	ErrPacketLen       = &Error{Kind: KindPacketLen}
	ErrVersion         = &Error{Kind: KindVersion}
	ErrType            = &Error{Kind: KindType}
	ErrChecksum        = &Error{Kind: KindChecksum}
	ErrAddrList        = &Error{Kind: KindAddrList}
	ErrAuthType        = &Error{Kind: KindAuthType}
	ErrAHUnsupported   = &Error{Kind: KindAuthUnsupported}
	errFamilyMismatch  = errors.New("vrrp wire: address family differs from packet family")
	errV2OverIPv6      = errors.New("vrrp wire: VRRPv2 is IPv4 only")
	errTooManyAddrs    = errors.New("vrrp wire: more than 255 addresses")
	errBadAdvertInterv = errors.New("vrrp wire: VRRPv3 interval exceeds 12 bits")
)

func errf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// Options tune checksum handling.
type Options struct {
	// V3ChecksumAsV2 computes VRRPv3-over-IPv4 checksums without the
	// pseudo-header, like keepalived's v3_checksum_as_v2 (interop with
	// implementations that got RFC 5798 wrong). IPv6 always uses it.
	V3ChecksumAsV2 bool
	// SkipChecksum is for IPv6 sockets where the kernel verified the
	// checksum already (IPV6_CHECKSUM), mirroring keepalived.
	SkipChecksum bool
}

// Len reports the encoded size of p for the given family.
func (p *Packet) Len(is6 bool) int {
	al := 4
	if is6 {
		al = 16
	}
	n := headerLen + al*len(p.Addrs)
	if p.Version == 2 {
		n += AuthLen
	}
	return n
}

// Decode parses b, a VRRP message received from src to dst.
func Decode(b []byte, src, dst netip.Addr, opt Options) (*Packet, error) {
	p := new(Packet)
	if err := DecodeInto(p, b, src, dst, opt); err != nil {
		return nil, err
	}
	return p, nil
}

// DecodeInto is Decode without allocating when p.Addrs has room.
// Checks run in keepalived's order: length, version, type, addresses,
// checksum; authentication is left to the receiver, which knows the
// configured password.
func DecodeInto(p *Packet, b []byte, src, dst netip.Addr, opt Options) error {
	if len(b) < headerLen {
		return errf(KindPacketLen, "%d bytes, need at least %d", len(b), headerLen)
	}
	is6 := src.Is6() && !src.Is4In6()
	ver := int(b[0] >> 4)
	if ver != 2 && ver != 3 {
		return errf(KindVersion, "version %d", ver)
	}
	if ver == 2 && is6 {
		return errf(KindVersion, "VRRPv2 over IPv6")
	}
	p.Version = ver
	p.Type = int(b[0] & 0x0f)
	p.VRID = b[1]
	p.Priority = b[2]
	count := int(b[3])
	p.Checksum = binary.BigEndian.Uint16(b[6:8])
	al := 4
	if is6 {
		al = 16
	}
	want := headerLen + al*count
	if ver == 2 {
		want += AuthLen
		p.AuthType = b[4]
		p.AdvertInt = uint16(b[5])
	} else {
		p.AuthType = 0
		p.AdvertInt = binary.BigEndian.Uint16(b[4:6]) & 0x0fff
	}
	if len(b) < want {
		return errf(KindPacketLen, "length %d, expect %d for %d addresses", len(b), want, count)
	}
	if p.Type != TypeAdvertisement {
		return errf(KindType, "type %d, expect %d", p.Type, TypeAdvertisement)
	}
	if len(b) > want {
		// Trailing bytes mean the count field lies about the list.
		return errf(KindAddrList, "length %d, %d addresses need %d", len(b), count, want)
	}
	p.Addrs = p.Addrs[:0]
	off := headerLen
	for range count {
		if is6 {
			p.Addrs = append(p.Addrs, netip.AddrFrom16([16]byte(b[off:off+16])))
		} else {
			p.Addrs = append(p.Addrs, netip.AddrFrom4([4]byte(b[off:off+4])))
		}
		off += al
	}
	if ver == 2 {
		copy(p.Auth[:], b[off:off+AuthLen])
		switch p.AuthType {
		case AuthNone, AuthPass, AuthAH:
			// The AH header itself is package ah's: here auth type 2
			// is only a valid value, which a non-AH receiver reports
			// as a mismatch, as keepalived does.
		default:
			return errf(KindAuthType, "auth type %d", p.AuthType)
		}
	} else {
		p.Auth = [AuthLen]byte{}
	}
	if opt.SkipChecksum && is6 {
		return nil
	}
	if got := Checksum(b, src, dst, ver, opt.V3ChecksumAsV2); got != 0 {
		return errf(KindChecksum, "VRRPv%d checksum 0x%04x does not verify", ver, p.Checksum)
	}
	return nil
}

// AppendEncode appends the encoded message to dst and fills in the checksum
// for the given addresses, which also set the address family.
func (p *Packet) AppendEncode(out []byte, src, dst netip.Addr, opt Options) ([]byte, error) {
	is6 := src.Is6() && !src.Is4In6()
	if p.Version != 2 && p.Version != 3 {
		return out, errf(KindVersion, "version %d", p.Version)
	}
	if p.Version == 2 && is6 {
		return out, errV2OverIPv6
	}
	if len(p.Addrs) > maxAddrs {
		return out, errTooManyAddrs
	}
	if p.Version == 3 && p.AdvertInt > 0x0fff {
		return out, errBadAdvertInterv
	}
	start := len(out)
	typ := p.Type
	if typ == 0 {
		typ = TypeAdvertisement
	}
	out = append(out, byte(p.Version<<4|typ&0x0f), p.VRID, p.Priority, byte(len(p.Addrs)))
	if p.Version == 2 {
		out = append(out, p.AuthType, byte(p.AdvertInt))
	} else {
		out = binary.BigEndian.AppendUint16(out, p.AdvertInt&0x0fff)
	}
	out = append(out, 0, 0)
	for _, a := range p.Addrs {
		if a.Is4() == is6 || !a.IsValid() {
			return out[:start], errFamilyMismatch
		}
		out = append(out, a.AsSlice()...)
	}
	if p.Version == 2 {
		// Auth is sent as given; the engine leaves it zero without PASS.
		out = append(out, p.Auth[:]...)
	}
	msg := out[start:]
	sum := Checksum(msg, src, dst, p.Version, opt.V3ChecksumAsV2)
	binary.BigEndian.PutUint16(msg[6:8], sum)
	p.Checksum = sum
	return out, nil
}

// Checksum returns the Internet checksum of msg as VRRP defines it for the
// version and family. Over a message carrying a correct checksum it is 0;
// over one with a zero checksum field it is the value to store.
func Checksum(msg []byte, src, dst netip.Addr, version int, v3AsV2 bool) uint16 {
	var s uint32
	is6 := src.Is6() && !src.Is4In6()
	if version == 3 && (is6 || !v3AsV2) {
		s = sumBytes(s, src.AsSlice())
		s = sumBytes(s, dst.AsSlice())
		// The IPv4 pseudo-header has a 16-bit length, IPv6 a 32-bit one;
		// both sum the same for lengths under 64 KiB.
		s += uint32(len(msg))
		s += Protocol
	}
	s = sumBytes(s, msg)
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

func sumBytes(s uint32, b []byte) uint32 {
	n := len(b) &^ 1
	for i := 0; i < n; i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)&1 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	// Fold early so very long inputs cannot overflow.
	return s&0xffff + s>>16
}
