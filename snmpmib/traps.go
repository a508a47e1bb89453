package snmpmib

import (
	"fmt"
	"github.com/dsas/keepalived-go/agentx"
	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

// Trap is one notification: its OID and its objects (without sysUpTime.0
// and snmpTrapOID.0, which the agent adds).
type Trap struct {
	OID      agentx.OID
	VarBinds []agentx.VarBind
	// Log is the line keepalived's VRRP child logs with -D as it sends
	// the trap ("(VI_1) Sending SNMP notification"); empty for the
	// checker's, which log none.
	Log string
}

// StateTraps are the notifications keepalived sends for a state event, in
// its order: vrrpSyncGroupStateChange for a group; for an instance
// vrrpInstanceStateChange, then on becoming master VRRP-MIB's
// vrrpTrapNewMaster and VRRPv3-MIB's vrrpv3NotifyNewMaster. Each needs
// enable_traps and its MIB enabled (in's Keepalived, RFCv2, RFCv3). Like
// keepalived's, the KEEPALIVED-MIB objects carry no row index.
func StateTraps(ev vrrp.Event, in Input) []Trap {
	if ev.Kind != vrrp.EventState || in.Config == nil || !in.Traps {
		return nil
	}
	if in.Iface == nil {
		in.Iface = func(string) Iface { return Iface{} }
	}
	var out []Trap
	routerID := agentx.Str(GlobalOID.Append(2, 0), in.Config.Global.RouterID)
	if ev.Group {
		if in.Keepalived {
			out = append(out, Trap{VRRPOID.Append(10, 0, 1), []agentx.VarBind{
				agentx.Str(VRRPOID.Append(1, 1, 2), ev.Name),
				agentx.Int(VRRPOID.Append(1, 1, 3), trapState(ev.State, true)),
				routerID,
			}, fmt.Sprintf("VRRP_Group(%s): Sending SNMP notification", ev.Name)})
		}
		return out
	}
	inst := in.Config.VRRP.Instance(ev.Name)
	if inst == nil {
		return nil
	}
	if in.Keepalived {
		initial := 1
		if inst.State == config.StateMaster {
			initial = 2
		}
		out = append(out, Trap{VRRPOID.Append(10, 0, 2), []agentx.VarBind{
			agentx.Str(VRRPOID.Append(3, 1, 2), ev.Name),
			agentx.Int(VRRPOID.Append(3, 1, 4), trapState(ev.State, false)),
			agentx.Int(VRRPOID.Append(3, 1, 5), initial),
			routerID,
		}, fmt.Sprintf("(%s) Sending SNMP notification", ev.Name)})
	}
	if ev.State != vrrp.StateMaster || len(inst.VIPs) == 0 {
		return out
	}
	r := rfcRow{in: inst, iface: in.Iface(inst.Interface), v6: inst.Family == config.IPv6}
	src := inst.SrcIP
	if !src.IsValid() {
		src = r.primary()
	}
	if in.RFCv2 && inst.Version != 3 && !r.v6 {
		var ip [4]byte
		copy(ip[:], addrOr(src, false))
		out = append(out, Trap{RFCv2OID.Append(0, 1), []agentx.VarBind{
			agentx.IP(RFCv2OID.Append(1, 3, 1, 7, uint32(r.iface.Index), uint32(inst.VRID)), ip),
		}, fmt.Sprintf("(%s) Sending SNMP notification vrrpTrapNewMaster", ev.Name)})
	}
	if in.RFCv3 {
		idx := r.index()
		out = append(out, Trap{RFCv3OID.Append(0, 1), []agentx.VarBind{
			agentx.Bytes(RFCv3OID.Append(1, 1, 1, 1, 3).Append(idx...), addrOr(src, r.v6)),
			// The engine does not say why it became master; see masterReason.
			agentx.Int(RFCv3OID.Append(1, 2, 5, 1, 2).Append(idx...), 3),
		}, fmt.Sprintf("(%s) Sending SNMP notification vrrpv3NotifyNewMaster, reason 3", ev.Name)})
	}
	return out
}

// trapState is the state number keepalived's traps carry: its own up to
// FAULT, STOP 5, an instance's DELETED 6, anything else 4.
func trapState(s vrrp.State, group bool) int {
	switch {
	case s <= vrrp.StateFault:
		return int(s)
	case s == vrrp.StateStop:
		return 5
	case s == vrrp.StateDeleted && !group:
		return 6
	}
	return 4
}

// CheckTraps are the notifications keepalived sends for a checker event
// with enable_traps and enable_snmp_checker: realServerStateChange for a
// real server, virtualServerQuorumStateChange for a quorum change. Like
// keepalived's they carry the objects without a row index, the protocol
// as "is it TCP" and the counts of the virtual server as in.LVS has them.
func CheckTraps(ev check.Event, in Input) []Trap {
	if in.Config == nil || !in.Traps || !in.Checker {
		return nil
	}
	var (
		vs *config.VirtualServer
		st status.VirtualServer
	)
	for i, s := range in.LVS {
		if s.Health.ID == ev.VS && i < len(in.Config.LVS.VirtualServers) {
			vs, st = in.Config.LVS.VirtualServers[i], s
			break
		}
	}
	if vs == nil {
		return nil
	}
	o := func(sub ...uint32) agentx.OID { return CheckOID.Append(sub...) }
	var vbs []agentx.VarBind
	trap := o(5, 0, 2)
	if ev.RS != "" {
		trap = o(5, 0, 1)
		ri := -1
		for i, r := range st.Health.Reals {
			if r.ID == ev.RS {
				ri = i
			}
		}
		if ri < 0 || ri >= len(vs.RealServers) {
			return nil
		}
		a := vs.RealServers[ri].Addr
		vbs = append(vbs, agentx.Int(o(4, 1, 3), inetType(a.Addr())), agentx.Bytes(o(4, 1, 4), a.Addr().AsSlice()),
			agentx.Gauge(o(4, 1, 5), uint32(a.Port())), agentx.Int(o(4, 1, 6), truth(ev.Kind == check.RealServerUp)))
	}
	vbs = append(vbs, agentx.Int(o(3, 1, 2), vsType(vs)))
	switch vs.Kind {
	case config.VSGroup:
		vbs = append(vbs, agentx.Str(o(3, 1, 3), vs.GroupName))
	case config.VSFwmark:
		vbs = append(vbs, agentx.Gauge(o(3, 1, 4), vs.Fwmark))
	default:
		vbs = append(vbs, agentx.Int(o(3, 1, 5), famType(vs.Family)), agentx.Bytes(o(3, 1, 6), vs.Addr.Addr().AsSlice()),
			agentx.Gauge(o(3, 1, 7), uint32(vs.Addr.Port())))
	}
	vbs = append(vbs, agentx.Int(o(3, 1, 8), truth(vs.Protocol == config.ProtoTCP)))
	if ev.RS == "" {
		q := truth(ev.Kind == check.QuorumUp)
		if ev.Shutdown {
			q = 3
		}
		vbs = append(vbs, agentx.Int(o(3, 1, 23), q), agentx.Gauge(o(3, 1, 22), vs.Quorum))
	}
	vbs = append(vbs, agentx.Gauge(o(3, 1, 21), realUp(ev, st)), agentx.Gauge(o(3, 1, 20), uint32(len(vs.RealServers))),
		agentx.Str(GlobalOID.Append(2, 0), in.Config.Global.RouterID))
	return []Trap{{OID: trap, VarBinds: vbs}}
}

// RejectTraps are the notifications keepalived sends when an instance
// refuses an advert: VRRP-MIB's vrrpTrapAuthFailure (enable_snmp_rfcv2)
// for an authentication error, VRRPv3-MIB's vrrpv3NotifyProtoError
// (enable_snmp_rfcv3) for a TTL, version or checksum error; both need
// enable_traps and an instance the MIB lists.
func RejectTraps(rej vrrp.Rejection, in Input) []Trap {
	if in.Config == nil || !in.Traps {
		return nil
	}
	inst := in.Config.VRRP.Instance(rej.Instance)
	if inst == nil || len(inst.VIPs) == 0 {
		return nil
	}
	if in.Iface == nil {
		in.Iface = func(string) Iface { return Iface{} }
	}
	r := rfcRow{in: inst, iface: in.Iface(inst.Interface), v6: inst.Family == config.IPv6}
	var out []Trap
	if rej.Auth != 0 && in.RFCv2 && inst.Version != 3 && !r.v6 {
		var src [4]byte
		if rej.Src.Is4() {
			src = rej.Src.As4()
		}
		idx := []uint32{uint32(r.iface.Index), uint32(inst.VRID)}
		out = append(out, Trap{RFCv2OID.Append(0, 2), []agentx.VarBind{
			agentx.IP(RFCv2OID.Append(1, 5).Append(idx...), src),
			agentx.Int(RFCv2OID.Append(1, 6).Append(idx...), int(rej.Auth)),
		}, fmt.Sprintf("(%s) Sending SNMP notification vrrpTrapAuthFailure", rej.Instance)})
	}
	if rej.Proto != 0 && in.RFCv3 {
		out = append(out, Trap{RFCv3OID.Append(0, 2), []agentx.VarBind{
			agentx.Int(RFCv3OID.Append(1, 2, 5, 1, 6).Append(r.index()...), int(rej.Proto)),
		}, fmt.Sprintf("(%s) Sending SNMP notification vrrpTrapProtoError", rej.Instance)})
	}
	return out
}

// realUp is virtualServerRealUp as keepalived counts it for the trap: the
// live real servers; at stop, those it has not taken down yet (it goes
// through the ones in the pool in order, and the quorum's trap comes
// last; while the sorry server stands in, it takes none down).
func realUp(ev check.Event, st status.VirtualServer) uint32 {
	up, past := uint32(0), !ev.Shutdown || st.Health.SorryActive
	for _, r := range st.Health.Reals {
		if r.Alive && past {
			up++
		}
		if r.ID == ev.RS {
			past = true
		}
	}
	return up
}
