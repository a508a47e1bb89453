package snmpmib

import (
	"github.com/dsas/keepalived-go/agentx"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
)

// Trap is one notification: its OID and its objects (without sysUpTime.0
// and snmpTrapOID.0, which the agent adds).
type Trap struct {
	OID      agentx.OID
	VarBinds []agentx.VarBind
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
			}})
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
		}})
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
		}})
	}
	if in.RFCv3 {
		idx := r.index()
		out = append(out, Trap{RFCv3OID.Append(0, 1), []agentx.VarBind{
			agentx.Bytes(RFCv3OID.Append(1, 1, 1, 1, 3).Append(idx...), addrOr(src, r.v6)),
			// The engine does not say why it became master; see masterReason.
			agentx.Int(RFCv3OID.Append(1, 2, 5, 1, 2).Append(idx...), 3),
		}})
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
