// Package snmpmib lays keepalived-go's running state out as the OID trees
// keepalived 2.2.7 serves over AgentX: KEEPALIVED-MIB's global and VRRP
// parts (enterprise 9586.100.5), VRRPv3-MIB (RFC 6527) and VRRP-MIB
// (RFC 2787). It is a read-only view like metrics and statefile: it reads
// a snapshot (Input) and returns sorted varbinds; package snmpagent serves
// them.
//
// Where keepalived's values follow from its own quirks (which instance's
// addresses count as advertised, the interface's own MAC as the VRRPv3
// virtual MAC, RFC 2787 rows only for VRRPv2 instances...) the view
// follows keepalived, so that a manager sees the same table; docs/compat.md
// lists them.
package snmpmib

import (
	"net/netip"
	"time"

	"github.com/dsas/keepalived-go/agentx"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/snmpagent"
	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

// Subtrees keepalived registers, and the descriptions it gives them in
// sysORTable ("The MIB module for " + its registration name).
var (
	GlobalOID = agentx.MustOID("1.3.6.1.4.1.9586.100.5.1")
	VRRPOID   = agentx.MustOID("1.3.6.1.4.1.9586.100.5.2")
	CheckOID  = agentx.MustOID("1.3.6.1.4.1.9586.100.5.3")
	RFCv2OID  = agentx.MustOID("1.3.6.1.2.1.68")
	RFCv3OID  = agentx.MustOID("1.3.6.1.2.1.207")
)

// Iface is what the view needs of a network interface.
type Iface struct {
	Index int
	MAC   []byte
	IPv4  netip.Addr // primary address
	IPv6  netip.Addr // link-local primary
}

// Input is one snapshot of the daemon.
type Input struct {
	Version string // keepalived's version string
	Config  *config.Config
	Status  []vrrp.InstanceStatus
	Scripts []status.Script
	// Iface resolves an interface by name; the zero Iface when unknown.
	Iface func(name string) Iface
	// Start is when the VRRP side started (vrrpv3OperationsUpTime).
	Start, Now time.Time
	// LVS is the checker side's state, virtual servers in configuration
	// order (status.FromLVSKernel), for the checker part.
	LVS []status.VirtualServer
	// The parts to serve: enable_snmp_vrrp, _rfcv2, _rfcv3, _checker.
	Keepalived, RFCv2, RFCv3, Checker bool
	// Traps is enable_traps: StateTraps sends nothing without it.
	Traps bool
}

// Registrations lists the subtrees in keepalived's order for the parts
// enabled in g.
func Registrations(g config.Global) []snmpagent.Registration {
	var r []snmpagent.Registration
	if g.EnableSNMPVRRP || g.EnableSNMPChecker {
		r = append(r, snmpagent.Registration{Subtree: GlobalOID, Descr: "The MIB module for Keepalived"})
	}
	if g.EnableSNMPVRRP {
		r = append(r, snmpagent.Registration{Subtree: VRRPOID, Descr: "The MIB module for KEEPALIVED-VRRP"})
	}
	if g.EnableSNMPChecker {
		r = append(r, snmpagent.Registration{Subtree: CheckOID, Descr: "The MIB module for Healthchecker"})
	}
	if g.EnableSNMPRFCv2 {
		r = append(r, snmpagent.Registration{Subtree: RFCv2OID, Descr: "The MIB module for VRRP"})
	}
	if g.EnableSNMPRFCv3 {
		r = append(r, snmpagent.Registration{Subtree: RFCv3OID, Descr: "The MIB module for VRRPV3"})
	}
	return r
}

// View builds the sorted varbinds of every enabled part.
func View(in Input) []agentx.VarBind {
	if in.Iface == nil {
		in.Iface = func(string) Iface { return Iface{} }
	}
	if in.Config == nil {
		in.Config = &config.Config{}
	}
	v := &view{in: in, status: map[string]vrrp.InstanceStatus{}}
	for _, st := range in.Status {
		v.status[st.Name] = st
	}
	if in.Keepalived || in.Checker {
		v.global()
	}
	if in.Keepalived {
		v.vrrpTables()
	}
	if in.Checker {
		v.checkTables()
	}
	if in.RFCv3 {
		v.rfcv3()
	}
	if in.RFCv2 {
		v.rfcv2()
	}
	snmpagent.Sort(v.out)
	return v.out
}

type view struct {
	in     Input
	status map[string]vrrp.InstanceStatus
	out    []agentx.VarBind
}

func (v *view) add(vbs ...agentx.VarBind) { v.out = append(v.out, vbs...) }

// truth is SNMPv2-TC TruthValue.
func truth(b bool) int {
	if b {
		return 1
	}
	return 2
}

// inetType is INET-ADDRESS-MIB InetAddressType as keepalived's
// SNMP_InetAddressType gives it (ipv4 1, anything else ipv6 2).
func inetType(a netip.Addr) int {
	if a.Is4() {
		return 1
	}
	return 2
}

func addrBytes(a netip.Addr) []byte {
	if !a.IsValid() {
		return make([]byte, 4)
	}
	return a.AsSlice()
}

func oidOfAddr(a netip.Addr) []uint32 {
	b := a.AsSlice()
	o := make([]uint32, len(b))
	for i, x := range b {
		o[i] = uint32(x)
	}
	return o
}
