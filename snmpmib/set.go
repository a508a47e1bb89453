package snmpmib

import (
	"github.com/dsas/keepalived-go/agentx"
	"github.com/dsas/keepalived-go/config"
)

// Actions are the changes a manager's SET can make, as keepalived 2.2.7
// lets it: an instance's base priority and preemption, a real server's
// weight. Each is told the object's row as configured.
type Actions struct {
	SetPriority func(instance string, prio int)
	SetPreempt  func(instance string, on bool)
	SetWeight   func(vs *config.VirtualServer, rs *config.RealServer, weight int)
}

// Writer is the subagent's Setter for keepalived's writable objects:
// vrrpInstanceBasePriority, vrrpInstancePreempt (enable_snmp_vrrp) and
// realServerWeight (enable_snmp_checker); everything else, the
// vrrpInstanceAccept the MIB declares writable included, is notWritable,
// as from keepalived (built without ALLOW_SNMP_SET_ACCEPT).
//
// keepalived's handlers read only the first byte of the value (its
// `*var_val`): 256 + n sets n, and a priority whose low byte is 0 is
// refused. The writer does the same, so that a manager gets the same
// result from both daemons.
type Writer struct {
	Input   func() (Input, bool)
	Actions Actions
}

type target struct {
	inst *config.Instance
	col  uint32
	vs   *config.VirtualServer
	rs   *config.RealServer
}

// find resolves a writable object's row; ok is false when name is not one.
func (w *Writer) find(name agentx.OID) (target, uint16) {
	in, ok := w.Input()
	if !ok || in.Config == nil {
		return target{}, agentx.ErrNotWritable
	}
	rel := func(base agentx.OID) []uint32 {
		if !name.HasPrefix(base) {
			return nil
		}
		return name[len(base):]
	}
	if r := rel(VRRPOID.Append(3, 1)); in.Keepalived && len(r) == 2 {
		insts := in.Config.VRRP.Instances
		if r[1] < 1 || int(r[1]) > len(insts) {
			return target{}, agentx.ErrNotWritable
		}
		if r[0] == 7 || r[0] == 13 {
			return target{inst: &insts[r[1]-1], col: r[0]}, 0
		}
		return target{}, agentx.ErrNotWritable
	}
	if r := rel(CheckOID.Append(4, 1, 7)); in.Checker && len(r) == 2 {
		vss := in.Config.LVS.VirtualServers
		if r[0] < 1 || int(r[0]) > len(vss) {
			return target{}, agentx.ErrNotWritable
		}
		vs := vss[r[0]-1]
		i := int(r[1]) - 1
		if vs.Sorry != nil {
			i-- // the sorry server's row: keepalived refuses it
		}
		if i < 0 || i >= len(vs.RealServers) {
			return target{}, agentx.ErrNotWritable
		}
		return target{vs: vs, rs: vs.RealServers[i]}, 0
	}
	return target{}, agentx.ErrNotWritable
}

// Test implements snmpagent.Setter.
func (w *Writer) Test(vb agentx.VarBind) uint16 {
	t, e := w.find(vb.Name)
	if e != 0 {
		return e
	}
	if vb.Type != agentx.Integer {
		return agentx.ErrWrongType
	}
	b := lowByte(vb)
	switch {
	case t.inst != nil && t.col == 7 && b == 0:
		return agentx.ErrWrongValue
	case t.inst != nil && t.col == 13 && b != 1 && b != 2:
		return agentx.ErrWrongValue
	}
	return 0
}

// Commit implements snmpagent.Setter.
func (w *Writer) Commit(vb agentx.VarBind) uint16 {
	t, e := w.find(vb.Name)
	if e != 0 {
		return e
	}
	b := lowByte(vb)
	a := w.Actions
	switch {
	case t.inst != nil && t.col == 7 && a.SetPriority != nil:
		a.SetPriority(t.inst.Name, b)
	case t.inst != nil && t.col == 13 && a.SetPreempt != nil:
		a.SetPreempt(t.inst.Name, b == 1)
	case t.rs != nil && a.SetWeight != nil:
		a.SetWeight(t.vs, t.rs, b)
	default:
		return agentx.ErrCommitFailed
	}
	return 0
}

// lowByte is the value as keepalived's handlers read it: the first byte
// of a host-order (little-endian) long.
func lowByte(vb agentx.VarBind) int {
	v, _ := vb.Value.(int32)
	return int(uint32(v) & 0xff)
}
