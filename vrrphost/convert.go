package vrrphost

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/dsas/keepalived-go/ifaddr"
	"github.com/dsas/keepalived-go/vrrp"
)

func toAddr(a vrrp.Address) ifaddr.Address {
	out := ifaddr.Address{
		Prefix:    a.Prefix,
		Link:      a.Dev,
		Broadcast: a.Broadcast,
		Peer:      a.Peer,
		Scope:     ifaddr.Scope(scope(a.Scope)),
		Label:     a.Label,
		NoDAD:     a.NoDAD,
	}
	if a.PreferredLft >= 0 && a.Prefix.Addr().Is6() {
		v := uint32(a.PreferredLft)
		out.PreferredLft = &v
	}
	return out
}

func scope(s string) uint8 {
	switch s {
	case "", "global", "universe":
		return uint8(ifaddr.ScopeUniverse)
	case "site":
		return uint8(ifaddr.ScopeSite)
	case "link":
		return uint8(ifaddr.ScopeLink)
	case "host":
		return uint8(ifaddr.ScopeHost)
	case "nowhere":
		return uint8(ifaddr.ScopeNowhere)
	}
	n, _ := strconv.ParseUint(s, 10, 8)
	return uint8(n)
}

var routeTypes = map[string]ifaddr.RouteType{
	"": ifaddr.RouteUnicast, "unicast": ifaddr.RouteUnicast, "local": ifaddr.RouteLocal,
	"broadcast": ifaddr.RouteBroadcast, "anycast": ifaddr.RouteAnycast, "multicast": ifaddr.RouteMulticast,
	"blackhole": ifaddr.RouteBlackhole, "unreachable": ifaddr.RouteUnreachable,
	"prohibit": ifaddr.RouteProhibit, "throw": ifaddr.RouteThrow, "nat": ifaddr.RouteNAT,
}

func toRoute(r vrrp.Route) (ifaddr.Route, error) {
	t, ok := routeTypes[r.Type]
	if !ok {
		return ifaddr.Route{}, fmt.Errorf("vrrphost: route type %q not supported", r.Type)
	}
	out := ifaddr.Route{
		Dst:     r.Dst,
		Src:     r.Src,
		Gateway: r.Via,
		Link:    r.Dev,
		Table:   r.Table,
		Metric:  r.Metric,
		Type:    t,
		OnLink:  r.Onlink,
	}
	if !out.Dst.IsValid() {
		out.Dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		if r.Via.Is6() {
			out.Dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		}
	}
	if r.Scope != "" {
		out.Scope = ifaddr.Scope(scope(r.Scope))
	}
	if r.Protocol != "" {
		n, err := strconv.ParseUint(r.Protocol, 10, 8)
		if err != nil {
			return ifaddr.Route{}, fmt.Errorf("vrrphost: route protocol %q not supported", r.Protocol)
		}
		out.Protocol = uint8(n)
	}
	return out, nil
}

var ruleActions = map[string]ifaddr.RuleAction{
	"": ifaddr.RuleToTable, "table": ifaddr.RuleToTable, "goto": ifaddr.RuleGoto, "nop": ifaddr.RuleNop,
	"blackhole": ifaddr.RuleBlackhole, "unreachable": ifaddr.RuleUnreachable, "prohibit": ifaddr.RuleProhibit,
}

func toRule(r vrrp.Rule) (ifaddr.Rule, error) {
	a, ok := ruleActions[r.Action]
	if !ok {
		return ifaddr.Rule{}, fmt.Errorf("vrrphost: rule action %q not supported", r.Action)
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
	}, nil
}
