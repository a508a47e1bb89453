package config

import (
	"net/netip"
	"time"
)

// BGP is the bgp_speaker block, a keepalived-go extension: the addresses of
// VRRP instances and virtual servers it names are announced to BGP
// neighbours while their service is healthy. keepalived 2.2.7 warns about
// the block and skips it (its lines are unknown top-level keywords there),
// so a file using it stays loadable by keepalived.
type BGP struct {
	LocalAS  uint32
	RouterID netip.Addr // invalid: the first IPv4 neighbour's local side is not known, so it is required
	// NextHop is the next hop announced; invalid means the session's own
	// address (gobgp's next-hop-self for locally originated paths).
	NextHop      netip.Addr
	MED          uint32
	MEDSet       bool
	LocalPref    uint32
	LocalPrefSet bool
	Communities  []uint32 // ASN:VALUE packed as ASN<<16|VALUE
	ListenPort   int      // 0: do not listen (the speaker connects out only)
	DrainTime    time.Duration
	Neighbors    []BGPNeighbor
	Announce     []BGPAnnounce
}

// BGPNeighbor is one neighbor line.
type BGPNeighbor struct {
	Addr     netip.Addr
	RemoteAS uint32
	HoldTime time.Duration // 0: 90 s, BGP's usual default
	Port     int           // 0: 179
	Passive  bool
	// BFD names a bfd_instance the session is tied to: it is shut down
	// (NOTIFICATION Cease) while that BFD session is not Up.
	BFD string
}

// BGPAnnounceKind says what an announce line follows.
type BGPAnnounceKind int

const (
	// AnnounceVRRP follows a vrrp_instance: its VIPs while it is not in
	// FAULT (or only while MASTER, with MasterOnly).
	AnnounceVRRP BGPAnnounceKind = iota
	// AnnounceVirtualServer follows a virtual server's quorum.
	AnnounceVirtualServer
)

// BGPAnnounce is one announce_vrrp_instance or announce_virtual_server line.
type BGPAnnounce struct {
	Kind BGPAnnounceKind
	// Name is the vrrp_instance's name (AnnounceVRRP).
	Name       string
	MasterOnly bool
	// Service is the virtual server's address and port and Protocol its
	// lower-case protocol (AnnounceVirtualServer).
	Service  netip.AddrPort
	Protocol string
}
