// Package ah encodes and verifies VRRPv2 adverts protected by an IPsec
// Authentication Header (RFC 2402) with HMAC-MD5-96, as keepalived's
// `auth_type AH` does (IPv4 only).
//
// keepalived does not use the kernel's IPsec: it builds the whole IPv4
// datagram itself (IP_HDRINCL on a protocol-51 socket) and signs it with
// the instance's auth_pass. The frame is
//
//	IPv4 header (20 bytes, TOS 0xc0, protocol 51, ID chosen by the sender)
//	AH: next header 112, payload length 4, reserved 0,
//	    SPI = the IPv4 source address, sequence number, 12-byte ICV
//	VRRPv2 message (auth type 2, authentication data zero)
//
// and the ICV is HMAC-MD5 truncated to 96 bits over the IP header with its
// mutable fields zeroed, the AH header with a zero ICV and the VRRP
// message. The fields zeroed are keepalived's, not RFC 2402's full list:
// TOS, fragment offset/flags and header checksum always, the TTL only for
// unicast adverts (a multicast advert's TTL must be 255 anyway).
package ah

import (
	"crypto/hmac"
	"crypto/md5" //nolint:gosec // HMAC-MD5-96 is what the protocol specifies
	"encoding/binary"
	"fmt"
	"hash"
	"net/netip"
)

// Protocol is the IP protocol number of the Authentication Header.
const Protocol = 51

// vrrpProtocol is the AH next-header value of a VRRP payload.
const vrrpProtocol = 112

const (
	// ICVLen is the HMAC-MD5 digest truncated to 96 bits (RFC 2403).
	ICVLen = 12
	// HeaderLen is the AH header with its 96-bit ICV.
	HeaderLen = 12 + ICVLen
	// payloadLen is the AH length field: 32-bit words minus 2.
	payloadLen = HeaderLen/4 - 2
	// IPv4HeaderLen is the option-less header keepalived sends.
	IPv4HeaderLen = 20
	// Overhead is what AH adds in front of a VRRP message.
	Overhead = IPv4HeaderLen + HeaderLen
	// KeyLen is keepalived's auth_data: the auth_pass, zero-padded or
	// cut to 8 bytes, used whole as the HMAC key.
	KeyLen = 8
	// SeqLimit is the last sequence number keepalived increments past;
	// beyond it the counter "cycles" (see Seq).
	SeqLimit = 0xFFFFFFFD
)

// tosInternetControl is the TOS keepalived puts on adverts.
const tosInternetControl = 0xc0

// Kind classifies a rejected frame so the engine can count and log it as
// keepalived does.
type Kind int

// Kinds of rejection.
const (
	KindShort      Kind = iota + 1 // too short for IP + AH + VRRP header (keepalived logs, no counter)
	KindHeader                     // not IPv4, or not protocol 51
	KindNextHeader                 // AH for something other than VRRP: ignored
	KindICV                        // ICV mismatch: auth_failure
	KindSPI                        // SPI is not the source address: auth_failure
)

var kindNames = map[Kind]string{
	KindShort:      "short",
	KindHeader:     "header",
	KindNextHeader: "next header",
	KindICV:        "ICV",
	KindSPI:        "SPI",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is a typed rejection.
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return "vrrp ah: " + e.Kind.String() + ": " + e.Msg }

// Is lets errors.Is(err, ErrICV) and friends match on Kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Msg == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is.
var (
	ErrShort      = &Error{Kind: KindShort}
	ErrHeader     = &Error{Kind: KindHeader}
	ErrNextHeader = &Error{Kind: KindNextHeader}
	ErrICV        = &Error{Kind: KindICV}
	ErrSPI        = &Error{Kind: KindSPI}
)

func errf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// Key is keepalived's auth_data for a password. HMAC pads a short key
// with zeros anyway, so the padding does not change the digest; cutting
// at 8 bytes does.
func Key(pass string) [KeyLen]byte {
	var k [KeyLen]byte
	copy(k[:], pass)
	return k
}

// Signer computes ICVs with one key. It reuses its HMAC state, so it is
// not safe for concurrent use; the engine calls it under its lock.
type Signer struct {
	mac hash.Hash
	sum [md5.Size]byte
}

// NewSigner returns a Signer for keepalived's auth_pass.
func NewSigner(pass string) *Signer {
	k := Key(pass)
	return &Signer{mac: hmac.New(md5.New, k[:])}
}

// Frame is what the sender chooses for one advert's IP and AH headers.
type Frame struct {
	Src, Dst netip.Addr // IPv4; Src is also the SPI
	ID       uint16     // IP identification: keepalived counts from 1, skipping 0
	TTL      uint8      // 255 for multicast, the configured TTL for unicast
	Seq      uint32
	// Unicast zeroes the TTL in the ICV, as keepalived does for unicast
	// peers (whose TTL routers may decrement).
	Unicast bool
}

// AppendSeal appends the signed datagram carrying msg, a VRRPv2 message
// with auth type 2, to out. The IP header checksum is filled in too (the
// kernel recomputes it on send; tests compare whole frames).
func (s *Signer) AppendSeal(out []byte, f Frame, msg []byte) ([]byte, error) {
	if !f.Src.Is4() || !f.Dst.Is4() {
		return out, fmt.Errorf("vrrp ah: addresses %v -> %v: AH is IPv4 only", f.Src, f.Dst)
	}
	total := Overhead + len(msg)
	if total > 0xffff {
		return out, fmt.Errorf("vrrp ah: datagram of %d bytes", total)
	}
	start := len(out)
	src, dst := f.Src.As4(), f.Dst.As4()
	out = append(out, 0x45, tosInternetControl)
	out = binary.BigEndian.AppendUint16(out, uint16(total))
	out = binary.BigEndian.AppendUint16(out, f.ID)
	out = append(out, 0, 0, f.TTL, Protocol, 0, 0)
	out = append(out, src[:]...)
	out = append(out, dst[:]...)
	out = append(out, vrrpProtocol, payloadLen, 0, 0)
	out = append(out, src[:]...) // SPI
	out = binary.BigEndian.AppendUint32(out, f.Seq)
	out = append(out, make([]byte, ICVLen)...)
	out = append(out, msg...)
	b := out[start:]
	icv := s.sum96(b, IPv4HeaderLen, f.Unicast)
	copy(b[IPv4HeaderLen+12:], icv[:])
	binary.BigEndian.PutUint16(b[10:12], ipChecksum(b[:IPv4HeaderLen]))
	return out, nil
}

// sum96 computes the ICV of b, whose IP header is ihl bytes, without
// changing b: the mutable fields and the ICV are zeroed in a copy of the
// headers.
func (s *Signer) sum96(b []byte, ihl int, unicast bool) [ICVLen]byte {
	var hdr [60 + HeaderLen]byte
	n := copy(hdr[:], b[:ihl+HeaderLen])
	h := hdr[:n]
	h[1] = 0                         // TOS
	h[6], h[7] = 0, 0                // flags and fragment offset
	h[10], h[11] = 0, 0              // header checksum
	clear(h[ihl+12 : ihl+HeaderLen]) // ICV
	if unicast {
		h[8] = 0 // TTL
	}
	s.mac.Reset()
	s.mac.Write(h)
	s.mac.Write(b[ihl+HeaderLen:])
	var out [ICVLen]byte
	copy(out[:], s.mac.Sum(s.sum[:0]))
	return out
}

// Packet is a received datagram split into its parts; slices alias the
// buffer given to Parse.
type Packet struct {
	IHL      int // IP header length in bytes
	TotalLen int // the IP header's total length field
	TTL      uint8
	Src, Dst netip.Addr
	Next     uint8 // AH next header
	SPI      [4]byte
	Seq      uint32
	ICV      [ICVLen]byte
	VRRP     []byte // everything after the AH header
}

// Parse splits b, a whole IPv4 datagram as a raw socket delivers it. It
// checks only that the headers are there (keepalived's vrrp_get_header:
// IP header, AH and an 8-byte VRRP header); lengths against the VRRP
// address count are the caller's, as keepalived logs them with the
// instance's name.
func Parse(b []byte) (Packet, error) {
	var p Packet
	if len(b) < IPv4HeaderLen {
		return p, errf(KindShort, "%d bytes", len(b))
	}
	if b[0]>>4 != 4 {
		return p, errf(KindHeader, "IP version %d", b[0]>>4)
	}
	p.IHL = int(b[0]&0x0f) << 2
	if p.IHL < IPv4HeaderLen {
		return p, errf(KindHeader, "IP header length %d", p.IHL)
	}
	if b[9] != Protocol {
		return p, errf(KindHeader, "IP protocol %d", b[9])
	}
	if len(b) < p.IHL+HeaderLen+8 {
		return p, errf(KindShort, "%d bytes", len(b))
	}
	p.TotalLen = int(binary.BigEndian.Uint16(b[2:4]))
	p.TTL = b[8]
	p.Src = netip.AddrFrom4([4]byte(b[12:16]))
	p.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	a := b[p.IHL:]
	p.Next = a[0]
	p.SPI = [4]byte(a[4:8])
	p.Seq = binary.BigEndian.Uint32(a[8:12])
	p.ICV = [ICVLen]byte(a[12:HeaderLen])
	p.VRRP = a[HeaderLen:]
	return p, nil
}

// Verify checks a parsed datagram in keepalived's order: next header
// (not VRRP: ErrNextHeader, to be ignored), ICV, then SPI. The sequence
// number is the caller's (see Seq.Accept). b is the buffer given to
// Parse; it is not modified.
func (s *Signer) Verify(b []byte, p *Packet, unicast bool) error {
	if p.Next != vrrpProtocol {
		return errf(KindNextHeader, "next header %d", p.Next)
	}
	icv := s.sum96(b, p.IHL, unicast)
	if !hmac.Equal(icv[:], p.ICV[:]) {
		return errf(KindICV, "ICV %x, computed %x", p.ICV, icv)
	}
	if p.SPI != p.Src.As4() {
		return errf(KindSPI, "SPI %d.%d.%d.%d from %v", p.SPI[0], p.SPI[1], p.SPI[2], p.SPI[3], p.Src)
	}
	return nil
}

// ipChecksum is the IPv4 header checksum of h (whose checksum field is 0).
func ipChecksum(h []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(h); i += 2 {
		s += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}
