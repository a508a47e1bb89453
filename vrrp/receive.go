package vrrp

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/dsas/keepalived-go/vrrp/wire"
)

// receive validates one advert for this instance and runs the RFC 5798
// receive rules with keepalived's extensions. Every rejection is counted
// and the packet dropped.
func (in *instance) receive(b []byte, src, dst netip.Addr, ttl int) {
	// One shared socket per interface and family carries both kinds;
	// keepalived has separate sockets, so the mismatched kind never
	// reaches an instance and is dropped silently here too.
	mcast := dst.IsMulticast()
	if mcast == in.unicast || (mcast && dst != in.cfg.McastGroup) {
		return
	}
	if in.state == StateFault || in.state == StateInit {
		// keepalived ignores what arrives in FAULT or before the
		// instance is initialised: not counted, not logged.
		return
	}
	if in.state == StateMaster && in.armed {
		// After a pause the adverts queued meanwhile may be read before
		// the late advert timer fires: timer_expired_backup looks first,
		// as keepalived's scheduler runs its timeout handler first.
		in.stalled()
	}
	st := &in.stats
	in.flushDrops(in.now())
	if !in.unicast && ttl != 255 {
		st.IPTTLErr++
		in.rejected(src, 0, ProtoTTLError)
		in.dropf("invalid TTL/HL. Received %d and expect %d", ttl, 255)
		return
	}
	p := &in.rx
	if err := in.decodeAdvert(p, b, src, dst); err != nil {
		in.countDecodeError(err, src)
		in.logDecodeError(err, b, src)
		return
	}
	if p.Version != in.cfg.Version {
		st.VersionErr++
		in.rejected(src, 0, ProtoVersionError)
		in.dropf("wrong version. Received %d and expect %d", p.Version, in.cfg.Version)
		return
	}
	if in.cfg.Version == 2 {
		if int(p.AuthType) != in.cfg.AuthType {
			st.AuthTypeMismatch++
			in.rejected(src, AuthTypeMismatch, 0)
			in.dropf("received a %d auth, expecting %d!", p.AuthType, in.cfg.AuthType)
			return
		}
		if p.AuthType == wire.AuthPass && p.Auth != in.tx.Auth {
			st.AuthFailure++
			in.rejected(src, AuthFailure, 0)
			in.dropf("received an invalid passwd!")
			return
		}
		if p.AdvertInt != in.tx.AdvertInt {
			st.AdvertIntervalErr++
			in.dropf("advertisement interval mismatch mine=%d sec rcv'd=%d sec", in.tx.AdvertInt, p.AdvertInt)
			return
		}
	}
	if in.cfg.OwnerIgnoreAdverts && in.effPrio == 255 {
		// owner_ignore_adverts (keepalived 2.3): an owner has nothing
		// to learn from adverts; not counted.
		in.dropf("Dropping packet(s) from %s since we are address owner", src)
		return
	}
	// skip_check_adv_addr only skips the check for the master already known.
	checkAddrs := !in.cfg.SkipCheckAdvAddr || in.cfg.Strict || src != in.masterAddr
	if checkAddrs && !in.owner && len(p.Addrs) != len(in.tx.Addrs) {
		// keepalived checks the count before counting the advert.
		st.AddrListErr++
		in.logAddrMismatch(p.Addrs)
		return
	}
	// keepalived counts an advert once type, version, length, checksum
	// and address count are right, before looking at addresses and peers.
	st.AdvertRcvd++
	if checkAddrs && !in.owner && !sameAddrs(p.Addrs, in.tx.Addrs) {
		st.AddrListErr++
		in.logAddrMismatch(p.Addrs)
		return
	}
	if in.unicast {
		var peer *Peer
		for i := range in.cfg.UnicastPeers {
			if in.cfg.UnicastPeers[i].Addr == src {
				peer = &in.cfg.UnicastPeers[i]
				break
			}
		}
		if peer == nil {
			if in.cfg.CheckUnicastSrc {
				st.OtherErr++
				in.dropf("unicast source address %s not a unicast peer", src)
				return
			}
		} else if (peer.MinTTL > 0 && ttl < peer.MinTTL) || (peer.MaxTTL > 0 && ttl > peer.MaxTTL) {
			st.IPTTLErr++
			in.rejected(src, 0, ProtoTTLError)
			maxTTL := peer.MaxTTL
			if maxTTL == 0 {
				maxTTL = 255
			}
			in.dropf("TTL/HL %d not in range %d - %d", ttl, peer.MinTTL, maxTTL)
			return
		}
	}
	if in.cfg.Strict && p.Priority == 255 && in.cfg.Priority == 255 {
		// Two owners of the same addresses is a misconfiguration.
		st.OtherErr++
		return
	}
	if p.Priority == 0 {
		st.PriZeroRcvd++
	}
	switch in.state {
	case StateBackup:
		in.backupRx(p, src)
	case StateMaster:
		in.masterRx(p, src)
	}
}

func (in *instance) countDecodeError(err error, src netip.Addr) {
	st := &in.stats
	var we *wire.Error
	if !errors.As(err, &we) {
		st.OtherErr++
		return
	}
	switch we.Kind {
	case wire.KindPacketLen:
		st.PacketLenErr++
	case wire.KindVersion:
		st.VersionErr++
		in.rejected(src, 0, ProtoVersionError)
	case wire.KindType:
		st.InvalidTypeRcvd++
	case wire.KindChecksum:
		st.ChecksumErr++
		in.rejected(src, 0, ProtoChecksumError)
	case wire.KindAddrList:
		st.AddrListErr++
	case wire.KindAuthType, wire.KindAuthUnsupported:
		st.InvalidAuthType++
		in.rejected(src, AuthInvalidType, 0)
	default:
		st.OtherErr++
	}
}

func sameAddrs(got, want []netip.Addr) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if g == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (in *instance) learnInterval(p *wire.Packet) {
	if in.cfg.Version != 3 || p.AdvertInt == 0 {
		return
	}
	// RFC 5798 6.4.2: a backup adopts the master's interval, so its
	// master-down timer follows the master's real cadence.
	iv := time.Duration(p.AdvertInt) * 10 * time.Millisecond
	if iv == in.masterAdverInt {
		return
	}
	in.detailf("advertisement interval updated from %dms to %dms by master", in.masterAdverInt.Milliseconds(), iv.Milliseconds())
	// keepalived's update_master_adver_int: a shorter master-down timer
	// cuts the interface's interface_up_down_delays below it.
	if hook := in.r.opt.IntervalLowered; iv < in.masterAdverInt && hook != nil && hook(in.cfg, iv) {
		in.r.log.Debug(fmt.Sprintf("%s: lower advert_int reducing interface %s debounce timer(s)", in.cfg.Name, cmp.Or(in.cfg.BaseInterface, in.cfg.Interface)), "instance", in.cfg.Name)
	}
	in.masterAdverInt = iv
}

func (in *instance) backupRx(p *wire.Packet, src netip.Addr) {
	now := in.now()
	if p.Priority == 0 {
		// The master is leaving: take over after Skew_Time only.
		in.logf("Backup received priority 0 advertisement")
		in.armFrom(now, in.skew())
		return
	}
	prio := int(p.Priority)
	if in.cfg.Nopreempt || prio >= in.effPrio || in.preemptHeld(now) {
		if prio >= in.effPrio {
			// A higher master stops the delay; the next lower one
			// starts it afresh.
			in.preemptAt = time.Time{}
		}
		in.learnInterval(p)
		in.masterAddr = src
		in.masterPrio = prio
		in.saddrMaster, in.saddrPrio = src, prio
		in.armFrom(now, in.masterDown())
		// A master heard: a member held back by its group wants BACKUP
		// again (keepalived's vrrp_state_backup).
		in.wantMaster = false
		return
	}
	// Lower priority and we preempt: ignore it and let the down timer
	// expire, as keepalived does ("discarding"), which still records the
	// sender's address.
	in.logf("received lower priority (%d) advert from %s - discarding", prio, src)
	in.saddrMaster = src
}

// preemptHeld implements preempt_delay as keepalived does: the first
// lower-priority advert starts the delay and is still accepted, as are the
// ones that follow until the delay has run out.
func (in *instance) preemptHeld(now time.Time) bool {
	if in.cfg.PreemptDelay <= 0 {
		return false
	}
	if in.preemptAt.IsZero() {
		in.preemptAt = now.Add(in.cfg.PreemptDelay)
		return true
	}
	return now.Before(in.preemptAt)
}

func (in *instance) masterRx(p *wire.Packet, src netip.Addr) {
	r := in.r
	if p.Priority == 0 {
		// Another master is leaving: make sure the backups hear us.
		in.logf("Master received priority 0 message")
		in.sendAdvert(in.effPrio)
		return
	}
	prio := int(p.Priority)
	if prio > in.effPrio || (prio == in.effPrio && addrGreater(src, in.cfg.SrcIP)) {
		if prio > in.effPrio {
			in.logf("Master received advert from %s with higher priority %d, ours %d", src, prio, in.effPrio)
		} else {
			in.logf("Master received advert from %s with same priority %d but higher IP address than ours", src, prio)
		}
		in.ahHigherMaster()
		in.yieldAdvert()
		r.transition(in, StateBackup, "higher priority advert")
		in.learnInterval(p)
		in.masterAddr = src
		in.masterPrio = prio
		in.saddrPrio = prio // keepalived keeps master_saddr here
		if in.state == StateBackup {
			in.arm(in.masterDown())
		}
		return
	}
	// A lower-priority router thinks it is master: a split brain healing,
	// or a peer that has just started.
	now := in.now()
	if now.Sub(in.masterSince) < in.cfg.AdvertInt {
		// Within an interval of our own takeover this is the master we
		// preempted, stepping down (see yieldAdvert): the advert and
		// GARPs of our takeover have already moved the clients, so a
		// second burst and MASTER_RX_LOWER_PRI would only make every
		// preemption noisier than keepalived's.
		in.detailf("Received advert from %s with lower priority %d just after becoming master - ignoring", src, prio)
		return
	}
	election := ", forcing new election"
	if in.cfg.LowerPrioNoAdvert {
		election = ""
	}
	in.logf("Received advert from %s with lower priority %d, ours %d%s", src, prio, in.effPrio, election)
	in.ahSyncLower()
	r.emit(Event{Kind: EventMasterRxLowerPri, Name: in.cfg.Name, State: StateMaster, Priority: in.effPrio})
	if !in.cfg.LowerPrioNoAdvert {
		in.sendAdvert(in.effPrio)
		in.armAdvert()
	}
	in.lowerPrioAnnounce(now)
	if g := in.group; g != nil {
		// The other members' VIPs moved with the split brain too.
		for _, m := range g.members {
			if m != in && m.state == StateMaster {
				m.lowerPrioAnnounce(now)
			}
		}
	}
}

// yieldAdvert sends one advert at our own priority just before a master
// steps down to a higher one. keepalived does so only with
// higher_prio_send_advert; keepalived-go always does, on purpose. When a
// partition heals and the winner's advert reaches us first, we would
// otherwise leave silently: the winner never hears a lower master, so
// nobody re-announces and clients keep our MAC, now without the VIP, until
// their neighbour entry fails (3-6 s). This advert is what the winner,
// keepalived-go or keepalived, answers with an advert and GARPs/NAs
// ("forcing new election"). Peers cannot tell it from the advert our timer
// would have sent a moment earlier, and it is sent once per step-down, so
// it cannot start a storm or a flap: the winner does not yield to a lower
// priority and we are a backup once it arrives.
func (in *instance) yieldAdvert() {
	in.sendAdvert(in.effPrio)
}

// addrGreater compares primary addresses for the equal-priority tie break
// (RFC 5798 6.4.3); an unknown local address loses.
func addrGreater(a, local netip.Addr) bool {
	if !local.IsValid() {
		return true
	}
	return a.Compare(local) > 0
}
