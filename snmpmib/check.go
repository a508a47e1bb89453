package snmpmib

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/dsas/keepalived-go/agentx"
	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
)

// checkTables are KEEPALIVED-MIB's checker part (9586.100.5.3): virtual
// server groups and their members, virtual servers, real servers (the
// sorry server first, as keepalived lists it), the LVS sync daemon and the
// LVS timeouts. Rows are numbered from 1 in configuration order.
func (v *view) checkTables() {
	l := &v.in.Config.LVS
	for gi, g := range l.Groups {
		v.vsGroup(uint32(gi+1), g)
	}
	for i, vs := range l.VirtualServers {
		var st status.VirtualServer
		if i < len(v.in.LVS) {
			st = v.in.LVS[i]
		}
		v.virtualServer(uint32(i+1), vs, st)
		v.realServers(uint32(i+1), vs, st)
	}
	v.lvsGlobals(v.in.Config.Global.LVS)
}

func (v *view) vsGroup(i uint32, g *config.VirtualServerGroup) {
	v.add(agentx.Str(CheckOID.Append(1, 1, 2, i), g.Name))
	// keepalived keeps the fwmark entries in one list and the addresses in
	// another, and numbers them in that order.
	n := uint32(0)
	for _, fw := range g.Fwmarks {
		n++
		o := func(col uint32) agentx.OID { return CheckOID.Append(2, 1, col, i, n) }
		v.add(agentx.Int(o(2), 1), agentx.Gauge(o(3), fw.Mark))
	}
	for _, r := range g.Ranges {
		n++
		o := func(col uint32) agentx.OID { return CheckOID.Append(2, 1, col, i, n) }
		if r.First == r.Last {
			v.add(agentx.Int(o(2), 2), agentx.Int(o(4), inetType(r.First)), agentx.Bytes(o(5), r.First.AsSlice()))
		} else {
			v.add(agentx.Int(o(2), 3), agentx.Int(o(4), inetType(r.First)),
				agentx.Bytes(o(6), r.First.AsSlice()), agentx.Bytes(o(7), r.Last.AsSlice()))
		}
		v.add(agentx.Gauge(o(8), uint32(r.Port)))
	}
}

// vsType is virtualServerType: fwmark 1, ip 2, group 3.
func vsType(vs *config.VirtualServer) int {
	switch vs.Kind {
	case config.VSGroup:
		return 3
	case config.VSFwmark:
		return 1
	}
	return 2
}

// famType is InetAddressType of a configuration family.
func famType(f config.Family) int {
	if f == config.IPv4 {
		return 1
	}
	return 2
}

// schedNumber is virtualServerLoadBalancingAlgo.
func schedNumber(s string) int {
	for i, n := range []string{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"} {
		if n == s {
			return i + 1
		}
	}
	return 99
}

func protoNumber(p config.Protocol) int {
	switch p {
	case config.ProtoTCP:
		return 1
	case config.ProtoUDP:
		return 2
	case config.ProtoSCTP:
		return 3
	}
	return 4
}

func usec(d time.Duration) uint32 { return uint32(d / time.Microsecond) }
func secs(d time.Duration) uint32 { return uint32(d / time.Second) }

// optU, optD: keepalived's "unset" (UINT_MAX, ULONG_MAX) reads 0.
func optU(p *uint32) uint32 {
	if p == nil {
		return 0
	}
	return *p
}

func optD(p *time.Duration) time.Duration {
	if p == nil {
		return 0
	}
	return *p
}

// virtualServer is one virtualServerTable row (5.3.3.1).
func (v *view) virtualServer(i uint32, vs *config.VirtualServer, st status.VirtualServer) {
	o := func(col uint32) agentx.OID { return CheckOID.Append(3, 1, col, i) }
	v.add(agentx.Int(o(2), vsType(vs)))
	switch vs.Kind {
	case config.VSGroup:
		v.add(agentx.Str(o(3), vs.GroupName))
	case config.VSFwmark:
		v.add(agentx.Gauge(o(4), vs.Fwmark))
	}
	v.add(agentx.Int(o(5), famType(vs.Family)))
	if vs.Kind == config.VSAddress {
		v.add(agentx.Bytes(o(6), vs.Addr.Addr().AsSlice()), agentx.Gauge(o(7), uint32(vs.Addr.Port())))
	}
	if vs.Kind != config.VSFwmark {
		v.add(agentx.Int(o(8), protoNumber(vs.Protocol)))
	}
	v.add(
		agentx.Int(o(9), schedNumber(vs.Scheduler)),
		agentx.Int(o(10), int(vs.Forwarding.Method)+1),
		// keepalived marks every service alive once it has set it up.
		agentx.Int(o(11), 1),
	)
	if vs.VirtualHost != "" {
		v.add(agentx.Str(o(12), vs.VirtualHost))
	}
	v.add(agentx.Int(o(13), truth(vs.PersistenceTimeout != 0)))
	if vs.PersistenceTimeout != 0 {
		v.add(agentx.Gauge(o(14), vs.PersistenceTimeout))
	}
	// keepalived checks the family of the service address, which fwmark
	// and group services leave unset: they get both granularity columns.
	// Column 15 is the field's raw memory, in network order.
	fam := config.FamilyUnspec
	if vs.Kind == config.VSAddress {
		fam = vs.Family
	}
	if fam != config.IPv6 {
		v.add(agentx.Bytes(o(15), binary.BigEndian.AppendUint32(nil, vs.PersistenceGranularity)))
	}
	reals, up := uint32(len(vs.RealServers)), uint32(0)
	for _, r := range st.Health.Reals {
		if r.Alive {
			up++
		}
	}
	v.add(
		agentx.Gauge(o(16), secs(vs.DelayLoop)),
		agentx.Int(o(17), truth(vs.HASuspend)),
		agentx.Int(o(18), truth(vs.Alpha)),
		agentx.Int(o(19), truth(vs.Omega)),
		agentx.Gauge(o(20), reals),
		agentx.Gauge(o(21), up),
		agentx.Gauge(o(22), vs.Quorum),
		agentx.Int(o(23), truth(st.Health.QuorumUp)),
	)
	if vs.QuorumUp != nil {
		v.add(agentx.Str(o(24), status.CommandString(vs.QuorumUp.Argv)))
	}
	if vs.QuorumDown != nil {
		v.add(agentx.Str(o(25), status.CommandString(vs.QuorumDown.Argv)))
	}
	v.add(agentx.Gauge(o(26), vs.Hysteresis))
	var stats status.IPVSStats
	if st.IPVS != nil {
		stats = st.IPVS.Stats
	}
	v.stats(o, 27, stats)
	v.add(agentx.Int(o(37), truth(vs.Flags&config.SvcOnePacket != 0)))
	v.stats64(o, 38, stats)
	if fam != config.IPv4 {
		v.add(agentx.Gauge(o(51), vs.PersistenceGranularity))
	}
	v.add(
		agentx.Int(o(52), truth(vs.Flags&0x0002 != 0)), // IP_VS_SVC_F_HASHED
		agentx.Int(o(53), truth(vs.Flags&config.SvcSched1 != 0)),
		agentx.Int(o(54), truth(vs.Flags&config.SvcSched2 != 0)),
		agentx.Int(o(55), truth(vs.Flags&config.SvcSched3 != 0)),
		agentx.Int(o(56), truth(!vs.InhibitOnFailure)),
		agentx.Gauge(o(57), optU(vs.Retry)),
		agentx.Gauge(o(58), secs(optD(vs.DelayBeforeRetry))),
		agentx.Gauge(o(59), secs(optD(vs.Warmup))),
		agentx.Int(o(60), int(vs.Weight)),
		agentx.Int(o(61), truth(vs.SMTPAlert)),
		agentx.Int(o(62), truth(vs.Flags&config.SvcSched1 != 0)),
		agentx.Int(o(63), truth(vs.Flags&config.SvcSched2 != 0)),
		agentx.Gauge(o(64), usec(vs.DelayLoop)),
		agentx.Gauge(o(65), usec(optD(vs.DelayBeforeRetry))),
		agentx.Gauge(o(66), usec(optD(vs.Warmup))),
		agentx.Gauge(o(67), usec(vs.ConnectTimeout)),
	)
	v.tunnel(o, 68, vs.Forwarding)
	if vs.SNMPName != "" {
		v.add(agentx.Str(o(71), vs.SNMPName))
	}
}

// stats are the 32-bit statistics columns from first: conns, in/out
// packets, in/out bytes (64-bit), then the five rates.
func (v *view) stats(o func(uint32) agentx.OID, first uint32, s status.IPVSStats) {
	v.add(
		agentx.Gauge(o(first), uint32(s.Connections)),
		agentx.Counter(o(first+1), uint32(s.InPackets)),
		agentx.Counter(o(first+2), uint32(s.OutPackets)),
		agentx.Counter64V(o(first+3), s.InBytes),
		agentx.Counter64V(o(first+4), s.OutBytes),
	)
	for i, r := range rates(s) {
		v.add(agentx.Gauge(o(first+5+uint32(i)), uint32(r)))
	}
}

func rates(s status.IPVSStats) []uint64 { return []uint64{s.CPS, s.InPPS, s.OutPPS, s.InBPS, s.OutBPS} }

// stats64 are the 64-bit counters and the rates split in low and high
// halves. (keepalived's *Low columns answer from the wrong buffer, the
// last 64-bit counter read; here they are the rate's low half. Both read 0
// for an idle service.)
func (v *view) stats64(o func(uint32) agentx.OID, first uint32, s status.IPVSStats) {
	v.add(
		agentx.Counter64V(o(first), s.Connections),
		agentx.Counter64V(o(first+1), s.InPackets),
		agentx.Counter64V(o(first+2), s.OutPackets),
	)
	for i, r := range rates(s) {
		c := first + 3 + 2*uint32(i)
		v.add(agentx.Gauge(o(c), uint32(r)), agentx.Gauge(o(c+1), uint32(r>>32)))
	}
}

// tunnel is the tunnel type, port and checksum columns from first, for
// TUN forwarding only.
func (v *view) tunnel(o func(uint32) agentx.OID, first uint32, f config.Forwarding) {
	if f.Method != config.FwdTUN {
		return
	}
	v.add(agentx.Int(o(first), int(f.TunnelType)+1))
	if f.TunnelType == config.TunnelGUE {
		v.add(agentx.Gauge(o(first+1), uint32(f.TunnelPort)))
	}
	if f.TunnelType != config.TunnelIPIP {
		v.add(agentx.Int(o(first+2), int(f.TunnelCsum)+1))
	}
}

// realServers are the virtual server's realServerTable rows (5.3.4.1):
// the sorry server first, then the real servers.
func (v *view) realServers(i uint32, vs *config.VirtualServer, st status.VirtualServer) {
	n := uint32(0)
	if s := vs.Sorry; s != nil {
		n++
		o := func(col uint32) agentx.OID { return CheckOID.Append(4, 1, col, i, n) }
		v.add(agentx.Int(o(2), 2), agentx.Int(o(3), inetType(s.Addr.Addr())),
			agentx.Bytes(o(4), s.Addr.Addr().AsSlice()), agentx.Gauge(o(5), uint32(s.Addr.Port())))
		d, _ := st.IPVS.Dest(destName(s.Addr, vs))
		v.rsStats(o, d)
		v.add(agentx.Int(o(40), int(s.Forwarding.Method)+1))
		// A sorry server has none of the real server's settings: its
		// timing reads 0 and its alpha and smtp_alert false.
		v.add(agentx.Int(o(42), 2))
		for _, c := range []uint32{43, 44, 45, 46} {
			v.add(agentx.Gauge(o(c), 0))
		}
		v.add(agentx.Int(o(47), 2))
		for _, c := range []uint32{48, 49, 50, 51} {
			v.add(agentx.Gauge(o(c), 0))
		}
		v.tunnel(o, 52, s.Forwarding)
	}
	for ri, r := range vs.RealServers {
		n++
		var rs struct {
			alive  bool
			weight int64
			failed uint32
		}
		rs.weight = int64(r.Weight)
		if ri < len(st.Health.Reals) {
			hr := st.Health.Reals[ri]
			rs.alive, rs.weight = hr.Alive, hr.Weight
			for _, c := range hr.Checkers {
				if !c.Up {
					rs.failed++
				}
			}
		}
		o := func(col uint32) agentx.OID { return CheckOID.Append(4, 1, col, i, n) }
		v.add(agentx.Int(o(2), 1), agentx.Int(o(3), inetType(r.Addr.Addr())),
			agentx.Bytes(o(4), r.Addr.Addr().AsSlice()), agentx.Gauge(o(5), uint32(r.Addr.Port())),
			agentx.Int(o(6), truth(rs.alive)), agentx.Int(o(7), int(rs.weight)))
		if r.UThreshold != 0 {
			v.add(agentx.Gauge(o(8), r.UThreshold))
		}
		if r.LThreshold != 0 {
			v.add(agentx.Gauge(o(9), r.LThreshold))
		}
		v.add(agentx.Int(o(10), truth(!r.InhibitOnFailure)))
		if r.NotifyUp != nil {
			v.add(agentx.Str(o(11), status.CommandString(r.NotifyUp.Argv)))
		}
		if r.NotifyDown != nil {
			v.add(agentx.Str(o(12), status.CommandString(r.NotifyDown.Argv)))
		}
		v.add(agentx.Gauge(o(13), rs.failed))
		d, _ := st.IPVS.Dest(destName(r.Addr, vs))
		v.rsStats(o, d)
		v.add(agentx.Int(o(40), int(r.Forwarding.Method)+1))
		if r.VirtualHost != "" {
			v.add(agentx.Str(o(41), r.VirtualHost))
		}
		v.add(
			agentx.Int(o(42), truth(r.Alpha)),
			agentx.Gauge(o(43), optU(r.Retry)),
			agentx.Gauge(o(44), secs(optD(r.DelayBeforeRetry))),
			agentx.Gauge(o(45), secs(optD(r.Warmup))),
			agentx.Gauge(o(46), secs(r.DelayLoop)),
			agentx.Int(o(47), truth(r.SMTPAlert)),
			agentx.Gauge(o(48), usec(optD(r.DelayBeforeRetry))),
			agentx.Gauge(o(49), usec(optD(r.Warmup))),
			agentx.Gauge(o(50), usec(r.DelayLoop)),
			agentx.Gauge(o(51), usec(r.ConnectTimeout)),
		)
		v.tunnel(o, 52, r.Forwarding)
		if r.SNMPName != "" {
			v.add(agentx.Str(o(55), r.SNMPName))
		}
	}
}

// destName is the ID status gives a destination: check.FormatService's
// form, which FromLVS uses for real and sorry servers.
func destName(a netip.AddrPort, vs *config.VirtualServer) string {
	proto := "none"
	switch vs.Protocol {
	case config.ProtoTCP:
		proto = "tcp"
	case config.ProtoUDP:
		proto = "udp"
	case config.ProtoSCTP:
		proto = "sctp"
	}
	return check.FormatService(a, proto)
}

// rsStats are a real server's statistics columns (14 to 39).
func (v *view) rsStats(o func(uint32) agentx.OID, d status.IPVSDest) {
	v.add(
		agentx.Gauge(o(14), uint32(d.Stats.Connections)),
		agentx.Gauge(o(15), uint32(d.ActiveConnections)),
		agentx.Gauge(o(16), uint32(d.InactiveConnections)),
		agentx.Gauge(o(17), uint32(d.PersistentConnections)),
		agentx.Counter(o(18), uint32(d.Stats.InPackets)),
		agentx.Counter(o(19), uint32(d.Stats.OutPackets)),
		agentx.Counter64V(o(20), d.Stats.InBytes),
		agentx.Counter64V(o(21), d.Stats.OutBytes),
	)
	for i, r := range rates(d.Stats) {
		v.add(agentx.Gauge(o(22+uint32(i)), uint32(r)))
	}
	v.stats64(o, 27, d.Stats)
}

// lvsGlobals are lvsSyncDaemon (5.3.6) and lvsTimeouts (5.3.7).
func (v *view) lvsGlobals(g config.LVSGlobal) {
	o := func(sub ...uint32) agentx.OID { return CheckOID.Append(sub...) }
	sd := g.SyncDaemon
	v.add(agentx.Int(o(6, 1, 0), truth(sd != nil)))
	if sd != nil {
		v.add(agentx.Str(o(6, 2, 0), sd.Interface))
		if sd.Instance != "" {
			v.add(agentx.Str(o(6, 3, 0), sd.Instance))
		}
		id := int(sd.SyncID)
		if !sd.SyncIDSet {
			if in := v.in.Config.VRRP.Instance(sd.Instance); in != nil {
				id = int(in.VRID)
			}
		}
		port, ttl, maxLen := int(sd.Port), int(sd.TTL), int(sd.MaxLen)
		v.add(agentx.Int(o(6, 4, 0), id), agentx.Int(o(6, 5, 0), maxLen),
			agentx.Int(o(6, 6, 0), port), agentx.Int(o(6, 7, 0), ttl))
		if sd.Group.IsValid() {
			v.add(agentx.Int(o(6, 8, 0), inetType(sd.Group)), agentx.Bytes(o(6, 9, 0), sd.Group.AsSlice()))
		}
	}
	t := g.Timeouts
	for i, s := range []uint32{t.TCP, t.TCPFin, t.UDP} {
		if s != 0 {
			v.add(agentx.Int(o(7, uint32(i+1), 0), int(s)))
		}
	}
}
