// Package ipvs programs the Linux IP Virtual Server table the way keepalived's
// checker does: a desired Table of services and their destinations is
// reconciled against what the kernel holds, and only the difference is sent.
//
// Services and destinations go through github.com/cloudflare/ipvs; what that
// package lacks (flush, zero, the sync daemon, persistence engines, partial
// timeouts) is spoken directly over generic netlink.
package ipvs

import (
	"fmt"
	"net/netip"
	"strings"
)

// Family is an address family as IPVS numbers it (AF_INET, AF_INET6).
type Family uint16

// Address families.
const (
	IPv4 Family = 2
	IPv6 Family = 10
)

func (f Family) String() string {
	switch f {
	case IPv4:
		return "IPv4"
	case IPv6:
		return "IPv6"
	}
	return fmt.Sprintf("family(%d)", uint16(f))
}

func familyOf(a netip.Addr) Family {
	if a.Is4() {
		return IPv4
	}
	return IPv6
}

// Protocol is the IP protocol of an address service.
type Protocol uint16

// Protocols IPVS balances.
const (
	TCP  Protocol = 6
	UDP  Protocol = 17
	SCTP Protocol = 132
)

func (p Protocol) String() string {
	switch p {
	case TCP:
		return "TCP"
	case UDP:
		return "UDP"
	case SCTP:
		return "SCTP"
	}
	return fmt.Sprintf("proto(%d)", uint16(p))
}

// Flags are the service flags a user chooses. The kernel's persistent flag
// follows from Service.Timeout and its hashed flag is internal, so neither
// appears here.
type Flags uint32

// Service flags ("linux/ip_vs.h" IP_VS_SVC_F_*). The scheduler flags mean
// what the scheduler makes of them; keepalived's sh-fallback, sh-port,
// mh-fallback and mh-port are the first two, and its flag-1..3 all three.
const (
	OnePacket  Flags = 0x0004 // IP_VS_SVC_F_ONEPACKET: keepalived's "ops"
	SchedFlag1 Flags = 0x0008
	SchedFlag2 Flags = 0x0010
	SchedFlag3 Flags = 0x0020

	SHFallback = SchedFlag1
	SHPort     = SchedFlag2
	MHFallback = SchedFlag1
	MHPort     = SchedFlag2
)

const (
	flagPersistent = 0x0001 // IP_VS_SVC_F_PERSISTENT
	userFlags      = OnePacket | SchedFlag1 | SchedFlag2 | SchedFlag3
)

func (f Flags) String() string {
	var s []string
	for _, n := range []struct {
		f    Flags
		name string
	}{{OnePacket, "ops"}, {SchedFlag1, "flag-1"}, {SchedFlag2, "flag-2"}, {SchedFlag3, "flag-3"}} {
		if f&n.f != 0 {
			s = append(s, n.name)
		}
	}
	if rest := f &^ userFlags; rest != 0 {
		s = append(s, fmt.Sprintf("%#x", uint32(rest)))
	}
	return strings.Join(s, "|")
}

// ServiceKey identifies a virtual service: either Protocol, Addr and Port, or
// a firewall mark with its Family. Use it as a map key only after Normalize.
type ServiceKey struct {
	FWMark   uint32
	Family   Family // of a fwmark service; derived from Addr otherwise
	Protocol Protocol
	Addr     netip.Addr
	Port     uint16
}

// Normalize returns k with the fields that do not identify it cleared and
// Family filled in, so that equal services have equal keys.
func (k ServiceKey) Normalize() ServiceKey {
	if k.FWMark != 0 {
		if k.Family == 0 {
			k.Family = IPv4
		}
		return ServiceKey{FWMark: k.FWMark, Family: k.Family}
	}
	k.Addr = k.Addr.Unmap()
	k.Family = familyOf(k.Addr)
	return k
}

func (k ServiceKey) String() string {
	if k.FWMark != 0 {
		return fmt.Sprintf("FWM %d %s", k.FWMark, k.Normalize().Family)
	}
	return fmt.Sprintf("%s %s", k.Protocol, netip.AddrPortFrom(k.Addr, k.Port))
}

// Service is a virtual service and the destinations it balances over.
type Service struct {
	ServiceKey
	Scheduler string // rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh
	Flags     Flags
	// Timeout is the persistence timeout in seconds; 0 is not persistent.
	Timeout uint32
	// Granularity is the prefix length of the persistence netmask (keepalived's
	// persistence_granularity); 0 means a single client address.
	Granularity int
	PEName      string // persistence engine, e.g. "sip"

	Destinations []Destination
}

// normalize returns s with defaults made explicit and its key normalized, as
// the kernel would report it back.
func (s Service) normalize() Service {
	s.ServiceKey = s.ServiceKey.Normalize()
	s.Flags &= userFlags
	if s.Granularity == 0 {
		s.Granularity = s.maxBits()
	}
	return s
}

func (s Service) maxBits() int {
	if s.ServiceKey.Normalize().Family == IPv6 {
		return 128
	}
	return 32
}

// sameSettings reports whether a and b, normalized, need no update.
func sameSettings(a, b Service) bool {
	return a.Scheduler == b.Scheduler && a.Flags == b.Flags && a.Timeout == b.Timeout &&
		(a.Timeout == 0 || a.Granularity == b.Granularity) && a.PEName == b.PEName
}

func (s Service) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", s.ServiceKey, s.Scheduler)
	if s.Flags != 0 {
		fmt.Fprintf(&b, " %s", s.Flags)
	}
	if s.Timeout != 0 {
		fmt.Fprintf(&b, " persistent %d", s.Timeout)
		if g := s.Granularity; g != 0 && g != s.maxBits() {
			fmt.Fprintf(&b, "/%d", g)
		}
	}
	if s.PEName != "" {
		fmt.Fprintf(&b, " pe %s", s.PEName)
	}
	return b.String()
}

// Forward is how a destination is reached ("linux/ip_vs.h" IP_VS_CONN_F_*).
type Forward uint32

// Forwarding methods.
const (
	NAT    Forward = 0 // IP_VS_CONN_F_MASQ
	Local  Forward = 1 // IP_VS_CONN_F_LOCALNODE
	Tunnel Forward = 2 // IP_VS_CONN_F_TUNNEL
	DR     Forward = 3 // IP_VS_CONN_F_DROUTE
)

func (f Forward) String() string {
	switch f {
	case NAT:
		return "NAT"
	case Local:
		return "local"
	case Tunnel:
		return "TUN"
	case DR:
		return "DR"
	}
	return fmt.Sprintf("forward(%d)", uint32(f))
}

// TunnelType is the encapsulation of a Tunnel destination
// ("linux/ip_vs.h" IP_VS_CONN_F_TUNNEL_TYPE_*).
type TunnelType uint8

// Tunnel types.
const (
	IPIP TunnelType = 0
	GUE  TunnelType = 1
	GRE  TunnelType = 2
)

// TunnelFlags select GUE/GRE checksums
// ("linux/ip_vs.h" IP_VS_TUNNEL_ENCAP_FLAG_*).
type TunnelFlags uint16

// Tunnel checksum flags; no flag is keepalived's "nocsum".
const (
	TunnelCsum    TunnelFlags = 0x1
	TunnelRemCsum TunnelFlags = 0x2
)

// DestKey identifies a destination within its service.
type DestKey struct {
	Addr netip.Addr
	Port uint16
}

func (k DestKey) String() string { return netip.AddrPortFrom(k.Addr, k.Port).String() }

// Destination is a real server of a service. A weight of 0 keeps it in the
// table without new connections (keepalived's inhibit_on_failure).
type Destination struct {
	Addr    netip.Addr
	Port    uint16
	Forward Forward
	Weight  uint32
	// Connection thresholds (keepalived's uthreshold, lthreshold); 0 is none.
	UpperThreshold uint32
	LowerThreshold uint32
	// For Forward == Tunnel only.
	TunnelType  TunnelType
	TunnelPort  uint16
	TunnelFlags TunnelFlags
}

// Key returns the identity of d.
func (d Destination) Key() DestKey { return DestKey{Addr: d.Addr.Unmap(), Port: d.Port} }

func (d Destination) normalize() Destination {
	d.Addr = d.Addr.Unmap()
	if d.Forward != Tunnel {
		d.TunnelType, d.TunnelPort, d.TunnelFlags = 0, 0, 0
	}
	if d.Forward == Tunnel && d.TunnelType == IPIP {
		d.TunnelPort, d.TunnelFlags = 0, 0
	}
	return d
}

func (d Destination) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s weight %d", d.Key(), d.Forward, d.Weight)
	if d.UpperThreshold != 0 || d.LowerThreshold != 0 {
		fmt.Fprintf(&b, " thresholds %d-%d", d.LowerThreshold, d.UpperThreshold)
	}
	if d.Forward == Tunnel && d.TunnelType != IPIP {
		name := map[TunnelType]string{GUE: "gue", GRE: "gre"}[d.TunnelType]
		fmt.Fprintf(&b, " %s port %d flags %#x", name, d.TunnelPort, uint16(d.TunnelFlags))
	}
	return b.String()
}
