package vrrpconf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/vrrp"
)

// routeTypes are the types the parser accepts before a destination
// (keepalived's rtn types), as the kernel numbers them.
var routeTypes = map[string]vrrp.RouteType{
	"": 0, "unicast": vrrp.RouteUnicast, "local": vrrp.RouteLocal,
	"broadcast": vrrp.RouteBroadcast, "anycast": vrrp.RouteAnycast, "multicast": vrrp.RouteMulticast,
	"blackhole": vrrp.RouteBlackhole, "unreachable": vrrp.RouteUnreachable,
	"prohibit": vrrp.RouteProhibit, "throw": vrrp.RouteThrow, "nat": vrrp.RouteNAT,
}

// ruleActions are the rule actions the engine installs; zero is "lookup
// table", as is l3mdev (with no table: Rule.L3MDev).
var ruleActions = map[string]vrrp.RuleAction{
	"": 0, "table": 0, "l3mdev": 0, "goto": vrrp.RuleGoto, "nop": vrrp.RuleNop,
	"blackhole": vrrp.RuleBlackhole, "unreachable": vrrp.RuleUnreachable, "prohibit": vrrp.RuleProhibit,
}

// rtprotKeepalived is RTPROT_KEEPALIVED, keepalived's rule protocol.
const rtprotKeepalived = 18

// routes appends the engine's form of rs to out. What cannot be installed
// is said in a warning, never dropped silently.
func routes(rs []config.Route, out []vrrp.Route, warn []string) ([]vrrp.Route, []string) {
	for _, r := range rs {
		v, w, ok := route(r)
		warn = append(warn, w...)
		if ok {
			out = append(out, v)
		}
	}
	return out, warn
}

// route is r as the kernel takes it: numbers, the family's default
// destination filled in (the one place it is), nexthops and metrics.
func route(r config.Route) (vrrp.Route, []string, bool) {
	v := vrrp.Route{
		Dst:      r.Dst,
		Src:      r.PrefSrc,
		Via:      r.Via,
		Dev:      r.Dev,
		Table:    r.Table,
		Scope:    r.Scope,
		HasScope: r.HasScope,
		Protocol: r.Protocol,
		Onlink:   r.OnLink,
		NoTrack:  r.NoTrack,
	}
	if !v.Dst.IsValid() {
		if r.Family == config.IPv6 {
			v.Dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		} else {
			v.Dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		}
	}
	t, ok := routeTypes[r.Type]
	if !ok {
		return v, []string{fmt.Sprintf("route %s: type %s is not supported, route not installed", v.Dst, r.Type)}, false
	}
	v.Type = t
	if r.HasMetric {
		v.Metric = r.Metric
	}
	for _, nh := range r.Nexthops {
		v.Nexthops = append(v.Nexthops, vrrp.Nexthop{Via: nh.Via, Dev: nh.Dev, Weight: nh.Weight, Onlink: nh.OnLink})
	}
	v.Tos, v.Realms = r.Tos, r.Realms
	if v.Protocol == 0 && !hasOption(r, "protocol") {
		// keepalived's netlink_route: RTPROT_KEEPALIVED unless a protocol
		// is given, tracked or not (the parser sets it for tracked ones).
		v.Protocol = rtprotKeepalived
	}
	var warn []string
	for _, o := range r.Options {
		w, ok := setOption(&v, o)
		if w != "" {
			warn = append(warn, w)
		}
		if !ok {
			// keepalived's alloc_route drops a route with a bad value.
			return v, append(warn, fmt.Sprintf("route %s: not installed", v.Dst)), false
		}
	}
	return v, warn, true
}

func hasOption(r config.Route, name string) bool {
	for _, o := range r.Options {
		if o.Name == name {
			return true
		}
	}
	return false
}

// rules appends the engine's form of rs to out.
func rules(rs []config.Rule, out []vrrp.Rule, warn []string) ([]vrrp.Rule, []string) {
	for _, r := range rs {
		v, ok := rule(r)
		if !ok {
			warn = append(warn, fmt.Sprintf("rule %s: action %s is not supported, rule not installed", ruleText(r), r.Action))
			continue
		}
		for _, o := range unsupportedRuleOptions(r) {
			warn = append(warn, fmt.Sprintf("rule %s: %s is not supported by keepalived-go, rule installed without it", ruleText(r), o))
		}
		out = append(out, v)
	}
	return out, warn
}

// unsupportedRuleOptions names what r selects on that the engine does not
// install.
func unsupportedRuleOptions(r config.Rule) []string {
	var out []string
	for _, o := range []struct {
		name string
		set  bool
	}{
		{"suppress_prefixlength", r.SuppressPrefixLen >= 0},
		{"suppress_ifgroup", r.SuppressIfGroup != ""},
		{"tunnel-id", r.TunnelID != 0},
		// keepalived's own protocol is what every tracked rule gets anyway
		// (the parser sets it); another one is not installed.
		{"protocol", r.Protocol != "" && r.Protocol != "keepalived" && r.Protocol != "18"},
		{"ipproto", r.IPProto != ""},
		{"sport", r.SPort != ""},
		{"dport", r.DPort != ""},
	} {
		if o.set {
			out = append(out, o.name)
		}
	}
	return out
}

func ruleText(r config.Rule) string {
	switch {
	case r.From.IsValid():
		return "from " + r.From.String()
	case r.To.IsValid():
		return "to " + r.To.String()
	}
	return "table " + strconv.FormatUint(uint64(r.Table), 10)
}

func rule(r config.Rule) (vrrp.Rule, bool) {
	a, ok := ruleActions[r.Action]
	v := vrrp.Rule{
		IPv6:   r.Family == config.IPv6,
		From:   r.From,
		To:     r.To,
		Table:  r.Table,
		IIf:    r.IIf,
		OIf:    r.OIf,
		TOS:    r.Tos,
		Action: a,
		Not:    r.Not,
		Goto:   r.Goto,
		// keepalived marks its rules as it marks its routes.
		Protocol: rtprotKeepalived,
		NoTrack:  r.NoTrack,
	}
	if r.HasPriority {
		v.Priority = r.Priority
	}
	if r.HasFwMark {
		v.FwMark, v.FwMask = r.FwMark, r.FwMask
	}
	v.Realms, v.L3MDev = r.RealmsValue, r.Action == "l3mdev"
	// The parser has checked the range's form.
	if lo, hi, found := strings.Cut(r.UIDRange, "-"); found {
		a, _ := strconv.ParseUint(lo, 10, 32)
		b, _ := strconv.ParseUint(hi, 10, 32)
		v.UIDStart, v.UIDEnd, v.HasUIDRange = uint32(a), uint32(b), true
	}
	return v, ok
}

// KernelRoute is r as vrrpconf installs it (metrics in the kernel's units),
// for the dumps; ok is false when the route is not installed at all.
func KernelRoute(r config.Route) (vrrp.Route, bool) {
	v, _, ok := route(r)
	return v, ok
}
