package snmpmib

import (
	"net/netip"
	"time"

	"github.com/dsas/keepalived-go/agentx"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
)

// rfcState is keepalived's vrrp_snmp_rfc_state: initialize 1, backup 2,
// master 3, and initialize for FAULT.
func rfcState(s vrrp.State) int {
	if s <= vrrp.StateMaster {
		return int(s) + 1
	}
	return 1
}

// rfcRow is one instance as the RFC tables index it.
type rfcRow struct {
	in    *config.Instance
	st    vrrp.InstanceStatus
	iface Iface
	v6    bool
}

// index is ifIndex.vrid.addrType (RFC 6527's operations index).
func (r rfcRow) index() []uint32 {
	t := uint32(1)
	if r.v6 {
		t = 2
	}
	return []uint32{uint32(r.iface.Index), uint32(r.in.VRID), t}
}

// rows are the instances the RFC MIBs show: keepalived (built to answer
// VRRPv3-MIB for VRRPv2 instances too, as Debian's is) skips only
// instances without VIPs.
func (v *view) rows() []rfcRow {
	var rows []rfcRow
	for i := range v.in.Config.VRRP.Instances {
		in := &v.in.Config.VRRP.Instances[i]
		if len(in.VIPs) == 0 {
			continue
		}
		rows = append(rows, rfcRow{in: in, st: v.status[in.Name], iface: v.in.Iface(in.Interface), v6: in.Family == config.IPv6})
	}
	return rows
}

// primary is the interface's primary address of the instance's family.
func (r rfcRow) primary() netip.Addr {
	if r.v6 {
		return r.iface.IPv6
	}
	return r.iface.IPv4
}

func (v *view) rfcv3() {
	ops := RFCv3OID.Append(1, 1, 1, 1)
	stats := RFCv3OID.Append(1, 2, 5, 1)
	var chk, ver uint64
	for _, r := range v.rows() {
		idx := r.index()
		o := func(col uint32) agentx.OID { return ops.Append(col).Append(idx...) }
		master := r.primary()
		if r.st.State != vrrp.StateMaster {
			if a, err := netip.ParseAddr(r.st.MasterAddr); err == nil {
				master = a
			} else {
				master = zeroAddr(r.v6)
			}
		}
		v.add(
			agentx.Bytes(o(3), addrOr(master, r.v6)),
			agentx.Bytes(o(4), addrOr(r.primary(), r.v6)),
			agentx.Bytes(o(5), r.iface.MAC),
			agentx.Int(o(6), rfcState(r.st.State)),
			agentx.Gauge(o(7), uint32(r.st.BasePriority)),
			agentx.Int(o(8), len(r.in.VIPs)),
			agentx.Int(o(9), int(r.in.AdvertInt/(10*time.Millisecond))),
			agentx.Int(o(10), truth(!r.in.NoPreempt)),
			agentx.Int(o(11), truth(r.in.Accept)),
			agentx.Ticks(o(12), v.uptime(r.st.State)),
			agentx.Int(o(13), 1),
		)
		for _, a := range r.in.VIPs {
			v.add(agentx.Int(RFCv3OID.Append(1, 1, 2, 1, 2).Append(idx...).Append(oidOfAddr(a.Prefix.Addr())...), 1))
		}
		s := r.st.Stats
		chk += s.ChecksumErr
		ver += s.VersionErr
		so := func(col uint32) agentx.OID { return stats.Append(col).Append(idx...) }
		v.add(
			agentx.Counter(so(1), uint32(s.BecomeMaster)),
			agentx.Int(so(2), masterReason(r.st)),
			agentx.Counter64V(so(3), s.AdvertRcvd),
			agentx.Counter64V(so(4), s.AdvertIntervalErr),
			agentx.Counter64V(so(5), s.IPTTLErr),
			agentx.Int(so(6), int(r.st.ProtoErr)),
			agentx.Counter64V(so(7), s.PriZeroRcvd),
			agentx.Counter64V(so(8), s.PriZeroSent),
			agentx.Counter64V(so(9), s.InvalidTypeRcvd),
			agentx.Counter64V(so(10), s.AddrListErr),
			agentx.Counter64V(so(11), s.PacketLenErr),
			agentx.Ticks(so(12), 0), // keepalived does not do discontinuities
			agentx.Gauge(so(13), uint32(r.in.AdvertInt/time.Millisecond)),
		)
	}
	g := RFCv3OID.Append(1, 2)
	v.add(
		agentx.Counter64V(g.Append(1, 0), chk),
		agentx.Counter64V(g.Append(2, 0), ver),
		agentx.Counter64V(g.Append(3, 0), 0), // adverts for another VRID are not counted
		agentx.Ticks(g.Append(4, 0), 0),
	)
}

// masterReason is vrrpv3StatisticsNewMasterReason: notMaster (0) until the
// instance has been master; the engine does not say why it became master,
// so masterNoResponse (3), keepalived's commonest, stands for all.
func masterReason(st vrrp.InstanceStatus) int {
	if st.Stats.BecomeMaster == 0 {
		return 0
	}
	return 3
}

// uptime is vrrpv3OperationsUpTime: time since the VRRP side started
// while the instance is BACKUP or MASTER, 0 otherwise.
func (v *view) uptime(s vrrp.State) uint32 {
	if (s != vrrp.StateBackup && s != vrrp.StateMaster) || v.in.Start.IsZero() {
		return 0
	}
	return uint32(v.in.Now.Sub(v.in.Start) / (10 * time.Millisecond))
}

func zeroAddr(v6 bool) netip.Addr {
	if v6 {
		return netip.IPv6Unspecified()
	}
	return netip.IPv4Unspecified()
}

func addrOr(a netip.Addr, v6 bool) []byte {
	if !a.IsValid() {
		a = zeroAddr(v6)
	}
	return a.AsSlice()
}

// rfcv2 is VRRP-MIB (RFC 2787), which covers IPv4 VRRPv2 instances with
// VIPs. keepalived 2.2.7's row lookup for vrrpOperTable and
// vrrpRouterStatsTable skips every row once an index is given (an
// operator precedence slip), so a walk sees only the lowest-indexed row of
// those two tables; the view shows the same.
func (v *view) rfcv2() {
	v.add(
		agentx.Int(RFCv2OID.Append(1, 1, 0), 2), // vrrpNodeVersion
		agentx.Int(RFCv2OID.Append(1, 2, 0), 1), // vrrpNotificationCntl: enabled
	)
	var chk, ver, vrid uint32
	var first *rfcRow
	var firstIdx []uint32
	for _, r := range v.rows() {
		if r.in.Version == 3 || r.v6 {
			continue
		}
		idx := []uint32{uint32(r.iface.Index), uint32(r.in.VRID)}
		s := r.st.Stats
		chk += uint32(s.ChecksumErr)
		ver += uint32(s.VersionErr)
		for _, a := range r.in.VIPs {
			v.add(agentx.Int(RFCv2OID.Append(1, 4, 1, 2).Append(idx...).Append(oidOfAddr(a.Prefix.Addr())...), 1))
		}
		if first == nil || agentx.OID(idx).Compare(firstIdx) < 0 {
			first, firstIdx = &r, idx
		}
	}
	if first != nil {
		v.rfcv2Oper(*first, firstIdx)
	}
	v.add(
		agentx.Counter(RFCv2OID.Append(2, 1, 0), chk),
		agentx.Counter(RFCv2OID.Append(2, 2, 0), ver),
		agentx.Counter(RFCv2OID.Append(2, 3, 0), vrid),
	)
}

// rfcv2Oper is one row of vrrpOperTable and vrrpRouterStatsTable.
func (v *view) rfcv2Oper(r rfcRow, idx []uint32) {
	o := func(col uint32) agentx.OID { return RFCv2OID.Append(1, 3, 1, col).Append(idx...) }
	// keepalived reports the last master heard, whatever the state: a
	// router that has been master from the start shows 0.0.0.0.
	master, _ := netip.ParseAddr(r.st.MasterAddr)
	auth := 1
	switch r.in.Auth {
	case config.AuthPass:
		auth = 2
	case config.AuthAH:
		auth = 3
	}
	var ip4, src [4]byte
	copy(ip4[:], addrOr(master, false))
	copy(src[:], addrOr(r.primary(), false))
	v.add(
		agentx.Bytes(o(2), r.iface.MAC),
		agentx.Int(o(3), rfcState(r.st.State)),
		agentx.Int(o(4), 1), // vrrpOperAdminState: up
		agentx.Int(o(5), r.st.BasePriority),
		agentx.Int(o(6), len(r.in.VIPs)),
		agentx.IP(o(7), ip4),
		agentx.IP(o(8), src),
		agentx.Int(o(9), auth),
		agentx.Int(o(11), int(r.in.AdvertInt/time.Second)),
		agentx.Int(o(12), truth(!r.in.NoPreempt)),
		agentx.Ticks(o(13), v.uptime(r.st.State)),
		agentx.Int(o(14), 1), // vrrpOperProtocol: ip
		agentx.Int(o(15), 1), // vrrpOperRowStatus: active
	)
	s := r.st.Stats
	so := func(col uint32) agentx.OID { return RFCv2OID.Append(2, 4, 1, col).Append(idx...) }
	for col, n := range []uint64{s.BecomeMaster, s.AdvertRcvd, s.AdvertIntervalErr, s.AuthFailure, s.IPTTLErr,
		s.PriZeroRcvd, s.PriZeroSent, s.InvalidTypeRcvd, s.AddrListErr, s.InvalidAuthType, s.AuthTypeMismatch, s.PacketLenErr} {
		v.add(agentx.Counter(so(uint32(col+1)), uint32(n)))
	}
}
