package vrrp

import (
	"errors"
	"net/netip"

	"github.com/dsas/keepalived-go/vrrp/wire"
)

// ChecksumCompat is old_unicast_checksum: keepalived 1.3.6 and earlier
// computed a unicast VRRPv3 IPv4 advert's checksum over a pseudo-header
// naming the multicast group, not the peer.
type ChecksumCompat int

const (
	// ChecksumAuto (no keyword) sends the RFC checksum and switches to
	// the old one for good once a peer's advert verifies only with it.
	ChecksumAuto ChecksumCompat = iota
	// ChecksumNever (old_unicast_checksum never) never switches.
	ChecksumNever
	// ChecksumOld (old_unicast_checksum) sends and expects the old one.
	ChecksumOld
)

// oldCsumGroup is the group the old checksum names: keepalived uses the
// global IPv4 VRRP group (vrrp_mcast_group4), which the wiring gives
// every instance as McastGroup.
func (in *instance) oldCsumGroup() netip.Addr {
	if g := in.cfg.McastGroup; g.Is4() {
		return g
	}
	return netip.AddrFrom4([4]byte{224, 0, 0, 18})
}

// csumCompatApplies: only unicast VRRPv3 over IPv4 has the question (v2
// has no pseudo-header, the kernel checksums IPv6).
func (in *instance) csumCompatApplies() bool {
	return in.unicast && in.cfg.Version == 3 && !in.cfg.IPv6 && !in.cfg.V3ChecksumAsV2
}

// csumDst is the destination the checksum of a message to or from dst
// is computed with.
func (in *instance) csumDst(dst netip.Addr) netip.Addr {
	if in.oldCsum && in.csumCompatApplies() {
		return in.oldCsumGroup()
	}
	return dst
}

// decodeAdvert decodes b as keepalived's vrrp_check_packet does,
// including its fallback: a unicast v3 advert that fails the checksum
// but passes it with the group's pseudo-header turns the old checksum on.
func (in *instance) decodeAdvert(p *wire.Packet, b []byte, src, dst netip.Addr) error {
	err := wire.DecodeInto(p, b, src, in.csumDst(dst), in.wireOpt)
	var we *wire.Error
	if err == nil || !errors.As(err, &we) || we.Kind != wire.KindChecksum {
		return err
	}
	if in.oldCsum || in.cfg.OldUnicastChecksum != ChecksumAuto || !in.csumCompatApplies() || dst == in.oldCsumGroup() {
		return err
	}
	if wire.DecodeInto(p, b, src, in.oldCsumGroup(), in.wireOpt) != nil {
		return err
	}
	in.oldCsum = true
	in.logf("Setting unicast VRRPv3 checksum to old version")
	return nil
}
