package vrrphost

import (
	"github.com/dsas/keepalived-go/ifaddr"
	"github.com/dsas/keepalived-go/vrrp"
)

func toAddr(a vrrp.Address) ifaddr.Address {
	out := ifaddr.Address{
		Prefix:    a.Prefix,
		Link:      a.Dev,
		Broadcast: a.Broadcast,
		Peer:      a.Peer,
		Scope:     ifaddr.Scope(a.Scope),
		Label:     a.Label,
		NoDAD:     a.NoDAD,

		Home:          a.Home,
		MngTmpAddr:    a.MngTmpAddr,
		NoPrefixRoute: a.NoPrefixRoute,
		AutoJoin:      a.AutoJoin,
	}
	if a.PreferredLft >= 0 && a.Prefix.Addr().Is6() {
		v := uint32(a.PreferredLft)
		out.PreferredLft = &v
	}
	return out
}

// toRoute copies r: its values are the kernel's numbers already, checked
// by vrrpconf, and its destination is set.
func toRoute(r vrrp.Route) ifaddr.Route {
	// keepalived adds a route with the scope given, else global
	// (vrrp_iproute.c), not ip route's link for a route without gateway.
	out := ifaddr.Route{
		ExactScope: true,
		Dst:        r.Dst,
		Src:        r.Src,
		Gateway:    r.Via,
		Link:       r.Dev,
		Table:      r.Table,
		Metric:     r.Metric,
		Protocol:   r.Protocol,
		Type:       ifaddr.RouteType(r.Type),
		OnLink:     r.Onlink,
		Metrics:    ifaddr.RouteMetrics(r.Metrics),
		Tos:        r.Tos,
		Realms:     r.Realms,

		TTLPropagate:    r.TTLPropagate,
		HasTTLPropagate: r.HasTTLPropagate,
		Pref:            r.Pref,
		HasPref:         r.HasPref,
		Expires:         r.Expires,
		HasExpires:      r.HasExpires,
	}
	if r.HasScope {
		out.Scope = ifaddr.Scope(r.Scope)
	}
	for _, nh := range r.Nexthops {
		out.NextHops = append(out.NextHops, ifaddr.NextHop{Gateway: nh.Via, Link: nh.Dev, Weight: nh.Weight, OnLink: nh.Onlink})
	}
	return out
}

// toRule copies r; a zero action is "lookup table".
func toRule(r vrrp.Rule) ifaddr.Rule {
	a := ifaddr.RuleAction(r.Action)
	if a == 0 {
		a = ifaddr.RuleToTable
	}
	return ifaddr.Rule{
		IPv6:     r.IPv6,
		From:     r.From,
		To:       r.To,
		Priority: r.Priority,
		FwMark:   r.FwMark,
		FwMask:   r.FwMask,
		IIF:      r.IIf,
		OIF:      r.OIf,
		Table:    r.Table,
		Action:   a,
		Goto:     r.Goto,
		Not:      r.Not,
		TOS:      r.TOS,
		Protocol: r.Protocol,
		Realms:   r.Realms,

		UIDStart:    r.UIDStart,
		UIDEnd:      r.UIDEnd,
		HasUIDRange: r.HasUIDRange,
		L3MDev:      r.L3MDev,
		NoProtocol:  r.NoProtocol,

		SuppressPrefixLen:    r.SuppressPrefixLen,
		HasSuppressPrefixLen: r.HasSuppressPrefixLen,
		SuppressIfGroup:      r.SuppressIfGroup,
		HasSuppressIfGroup:   r.HasSuppressIfGroup,
		TunnelID:             r.TunnelID,
		IPProto:              r.IPProto,
		HasIPProto:           r.HasIPProto,
		SPort:                r.SPort,
		DPort:                r.DPort,
		HasSPort:             r.HasSPort,
		HasDPort:             r.HasDPort,
	}
}
