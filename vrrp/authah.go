package vrrp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/dsas/keepalived-go/vrrp/ah"
	"github.com/dsas/keepalived-go/vrrp/wire"
)

// auth_type AH (VRRPv2 over IPv4 only), as keepalived implements it: the
// engine builds and checks whole IPv4 datagrams (the ICV covers the IP
// header), carried by a protocol-51 Conn of their own per interface
// (Options.ListenAH), beside the protocol-112 one.

// ahState is an AH instance's signing key and counters.
type ahState struct {
	signer *ah.Signer
	// seq is keepalived's ipsecah_counter: sent and received numbers
	// share it, and a reload keeps it.
	seq ah.Seq
	// ipID numbers the datagrams as keepalived does (from 1, skipping 0,
	// which the kernel would replace after the ICV was computed).
	ipID uint16
	// rxSeq is the number of the advert being handled, for the
	// lower-priority master sync.
	rxSeq uint32
	msg   []byte // the VRRP message of the advert being built
}

// isAH reports whether an instance configuration uses AH.
func isAH(c *InstanceConfig) bool { return c.AuthType == wire.AuthAH && !c.IPv6 }

// keyOf is the link (shared socket) an instance listens on.
func keyOf(c *InstanceConfig) linkKey {
	return linkKey{ifname: c.Interface, ipv6: c.IPv6, ah: isAH(c)}
}

// initAH sets an AH instance up; others are left alone.
func (in *instance) initAH() {
	if !isAH(&in.cfg) {
		return
	}
	in.tx.AuthType = wire.AuthAH
	in.tx.Auth = [wire.AuthLen]byte{} // the password never goes on the wire
	in.ah = &ahState{signer: ah.NewSigner(in.cfg.AuthPass)}
}

// carryAH keeps the counters of a reloaded AH instance (keepalived copies
// ipsecah_counter from the old instance); the key is the new one.
func (in *instance) carryAH(old *ahState) {
	if in.ah != nil && old != nil {
		in.ah.seq, in.ah.ipID = old.seq, old.ipID
	}
}

// ahEnterMaster resets a cycled counter on becoming MASTER.
func (in *instance) ahEnterMaster() {
	if in.ah != nil {
		in.ah.seq.EnterMaster()
	}
}

// ahHigherMaster: a higher-priority master was heard while MASTER.
func (in *instance) ahHigherMaster() {
	if in.ah != nil {
		in.ah.seq.Cycle = false
	}
}

// ahSyncLower: a lower-priority master was heard while MASTER; jump past
// its number so that it accepts the adverts that will make it back off.
func (in *instance) ahSyncLower() {
	if in.ah == nil {
		return
	}
	in.logf("IPSEC-AH : Syncing seq_num - Increment seq")
	in.ah.seq.SyncLower(in.ah.rxSeq)
}

// listen opens the Conn of a link with the Listener for its kind.
func (r *Router) listen(key linkKey) (Conn, error) {
	if !key.ah {
		return r.opt.Listen(key.ifname, key.ipv6)
	}
	if r.opt.ListenAH == nil {
		return nil, errors.New("auth_type AH needs Options.ListenAH")
	}
	return r.opt.ListenAH(key.ifname)
}

// encodeAdvert builds what goes to dst: the VRRP message, or for AH the
// signed datagram. first is the first destination of an advert: an AH
// sequence number and IP ID count adverts, not unicast copies.
func (in *instance) encodeAdvert(out []byte, dst netip.Addr, first bool) ([]byte, error) {
	if in.ah == nil {
		return in.tx.AppendEncode(out, in.txSrc, in.csumDst(dst), in.wireOpt)
	}
	a := in.ah
	src := in.cfg.SrcIP
	if !src.Is4() {
		return out, fmt.Errorf("auth_type AH: no IPv4 source address on %s", in.cfg.Interface)
	}
	if first {
		a.seq.Next()
		if a.ipID++; a.ipID == 0 {
			a.ipID++
		}
	}
	var err error
	if a.msg, err = in.tx.AppendEncode(a.msg[:0], src, dst, in.wireOpt); err != nil {
		return out, err
	}
	f := ah.Frame{Src: src, Dst: dst, ID: a.ipID, TTL: 255, Seq: a.seq.N, Unicast: in.unicast}
	return a.signer.AppendSeal(out, f, a.msg)
}

// handleAH hands a datagram read on an AH link to its instance.
func (r *Router) handleAH(l *link, b []byte, src, dst netip.Addr, ttl int) {
	p, err := ah.Parse(b)
	if err != nil {
		// keepalived logs "IPv4 VRRP packet with AH too short" here,
		// for no instance; a flood of them must not flood the log.
		r.rxErrors++
		r.log.Debug("vrrp: AH packet dropped", "interface", l.key.ifname, "err", err)
		return
	}
	in := l.byVRID[p.VRRP[1]]
	if in == nil || in.ah == nil {
		r.dropUnknownVRID(l, p.VRRP[1])
		return
	}
	in.receiveAH(b, &p, src, dst, ttl)
}

// receiveAH runs keepalived's checks of an AH advert in its order
// (vrrp_check_packet): length, TTL, version, auth type, AH (ICV, SPI,
// sequence number); then the VRRP message goes through the common receive
// path. Every failed AH check counts as auth_failure and changes nothing.
func (in *instance) receiveAH(b []byte, p *ah.Packet, src, dst netip.Addr, ttl int) {
	mcast := dst.IsMulticast()
	if mcast == in.unicast || (mcast && dst != in.cfg.McastGroup) {
		return
	}
	if in.state == StateFault || in.state == StateInit {
		return
	}
	st := &in.stats
	in.flushDrops(in.now())
	msg := p.VRRP
	want := p.IHL + ah.HeaderLen + 8 + 4*int(msg[3]) + wire.AuthLen
	if len(b) != want {
		st.PacketLenErr++
		size := "short"
		if len(b) > want {
			size = "long"
		}
		in.dropf("vrrp packet too %s, length %d and expect %d", size, len(b), want)
		return
	}
	if !in.unicast && ttl != 255 {
		st.IPTTLErr++
		in.dropf("invalid TTL/HL. Received %d and expect %d", ttl, 255)
		return
	}
	if v := int(msg[0] >> 4); v != 2 {
		st.VersionErr++
		in.dropf("wrong version. Received %d and expect %d", v, 2)
		return
	}
	switch msg[4] {
	case wire.AuthAH:
	case wire.AuthNone, wire.AuthPass:
		st.AuthTypeMismatch++
		in.dropf("received a %d auth, expecting %d!", msg[4], wire.AuthAH)
		return
	default:
		st.InvalidAuthType++
		in.dropf("Invalid auth type: %d", msg[4])
		return
	}
	if !in.checkAH(b, p) {
		return
	}
	if p.TotalLen != len(b) {
		st.PacketLenErr++
		in.dropf("ip_tot_len mismatch against received length. %d and received %d", p.TotalLen, len(b))
		return
	}
	in.receive(msg, src, dst, ttl)
}

// checkAH verifies the ICV and SPI and applies the anti-replay rule,
// logging as keepalived's vrrp_in_chk_ipsecah does.
func (in *instance) checkAH(b []byte, p *ah.Packet) bool {
	a, st := in.ah, &in.stats
	err := a.signer.Verify(b, p, in.unicast)
	switch {
	case errors.Is(err, ah.ErrNextHeader):
		// AH protecting something else: not ours, ignored silently.
		return false
	case errors.Is(err, ah.ErrICV):
		st.AuthFailure++
		in.rejected(p.Src, AuthFailure, 0)
		in.dropf("IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !")
		return false
	case errors.Is(err, ah.ErrSPI):
		st.AuthFailure++
		in.rejected(p.Src, AuthFailure, 0)
		// keepalived prints both as host-order integers of the
		// network-order addresses, and without the instance name.
		if in.dropAllowed() {
			s4 := p.Src.As4()
			in.r.log.Info(fmt.Sprintf("IPSEC AH : invalid IPSEC SPI value. %d and expect %d",
				binary.LittleEndian.Uint32(s4[:]), binary.LittleEndian.Uint32(p.SPI[:])), "instance", in.cfg.Name)
		}
		return false
	case err != nil:
		st.OtherErr++
		return false
	}
	if !a.seq.Accept(p.Seq) {
		st.AuthFailure++
		in.rejected(p.Src, AuthFailure, 0)
		in.dropf("IPSEC-AH : sequence number %d already processed. Packet dropped. Local(%d)", p.Seq, a.seq.N)
		return false
	}
	if in.state == StateBackup {
		a.seq.Cycle = false
	}
	a.rxSeq = p.Seq
	return true
}

// HandleAHPacket is HandlePacket for an interface's AH socket: b is the
// whole IPv4 datagram.
func (r *Router) HandleAHPacket(ifname string, b []byte, src, dst netip.Addr, ttl int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handleLink(r.links[linkKey{ifname: ifname, ah: true}], b, src, dst, ttl)
}
