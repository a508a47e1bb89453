package vrrplab

import (
	"encoding/binary"
	"fmt"
)

// WireDiff compares two frames of the same kind sent by different routers
// (and possibly different daemons) and lists the differences an observer
// of the wire could use to tell the daemons apart. What legitimately
// differs between two routers is masked: MAC and IP source addresses, the
// destination MAC of unicast adverts, the priority, checksums, the IPv4
// identification and the IPv6 flow label.
func WireDiff(a, b Frame) []string {
	if a.Kind != b.Kind {
		return []string{fmt.Sprintf("kinds %s and %s", a.Kind, b.Kind)}
	}
	x, y := masked(a), masked(b)
	if len(x) != len(y) {
		return []string{fmt.Sprintf("frame length %d vs %d", len(a.Raw), len(b.Raw))}
	}
	var d []string
	for i := range x {
		if x[i] != y[i] {
			d = append(d, fmt.Sprintf("byte %d (%s): %#02x vs %#02x", i, fieldName(a, i), x[i], y[i]))
		}
	}
	return d
}

func masked(f Frame) []byte {
	b := append([]byte(nil), f.Raw...)
	zero := func(from, to int) {
		for i := from; i < to && i < len(b); i++ {
			b[i] = 0
		}
	}
	if len(b) < 14 {
		return b
	}
	zero(6, 12) // source MAC
	if b[0]&1 == 0 {
		zero(0, 6) // unicast destination: the peer's MAC
	}
	const p = 14
	switch binary.BigEndian.Uint16(b[12:14]) {
	case 0x0806:
		zero(p+8, p+14) // sender hardware address
	case 0x0800:
		if len(b) < p+20 {
			return b
		}
		zero(p+4, p+6)   // identification
		zero(p+10, p+16) // header checksum, source address
		if !f.Dst.IsMulticast() {
			zero(p+16, p+20) // unicast destination: the peer
		}
		vrrp := p + int(b[p]&0x0f)*4
		if f.AH {
			zero(vrrp+4, vrrp+24) // SPI (the source), sequence number, ICV
			vrrp += 24
		}
		zero(vrrp+2, vrrp+3) // priority
		zero(vrrp+6, vrrp+8) // checksum
	case 0x86dd:
		if len(b) < p+40 {
			return b
		}
		b[p+1] &= 0xf0 // flow label
		zero(p+2, p+4)
		const l4 = p + 40
		if f.Kind == Advert {
			zero(p+8, p+24) // source: the router's link-local or unicast address
			if !f.Dst.IsMulticast() {
				zero(p+24, p+40)
			}
			zero(l4+2, l4+3) // priority
			zero(l4+6, l4+8) // checksum
			return b
		}
		zero(l4+2, l4+4)   // ICMPv6 checksum
		zero(l4+26, l4+32) // target link-layer address option
	}
	return b
}

func fieldName(f Frame, i int) string {
	switch {
	case i < 6:
		return "ethernet destination"
	case i < 14:
		return "ethernet"
	}
	switch f.Raw[12] {
	case 0x08:
		if f.Raw[13] == 0x06 {
			return "arp"
		}
		hl := int(f.Raw[14]&0x0f) * 4
		if i < 14+hl {
			return "ipv4 header"
		}
		if f.AH && i < 14+hl+24 {
			return "ah header"
		}
		return "vrrp"
	default:
		if i < 54 {
			return "ipv6 header"
		}
		if f.Kind == Advert {
			return "vrrp"
		}
		return "icmpv6"
	}
}
