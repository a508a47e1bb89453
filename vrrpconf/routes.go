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
		warn = ruleSelectors(&v, r, warn)
		out = append(out, v)
	}
	return out, warn
}

// ruleSelectors sets the selectors the parser keeps as text. What
// keepalived 2.2.7 reports and leaves out (a single port: its sscanf wants
// LO-HI) is logged in its words and left out.
func ruleSelectors(v *vrrp.Rule, r config.Rule, warn []string) []string {
	if r.SuppressPrefixLen >= 0 {
		v.SuppressPrefixLen, v.HasSuppressPrefixLen = uint32(r.SuppressPrefixLen), true
	}
	if r.SuppressIfGroup != "" {
		v.SuppressIfGroup, v.HasSuppressIfGroup = r.SuppressIfGroupID, true
	}
	v.TunnelID = r.TunnelID
	if r.IPProto != "" {
		n, ok := ipProtos[r.IPProto]
		if x, err := strconv.ParseUint(r.IPProto, 10, 8); err == nil {
			n, ok = uint8(x), true
		}
		if !ok {
			warn = append(warn, "Invalid ipproto "+r.IPProto)
		}
		v.IPProto, v.HasIPProto = n, ok
	}
	for _, p := range []struct {
		name, text string
		rng        *[2]uint16
		has        *bool
	}{{"sport", r.SPort, &v.SPort, &v.HasSPort}, {"dport", r.DPort, &v.DPort, &v.HasDPort}} {
		if p.text == "" {
			continue
		}
		lo, hi, found := strings.Cut(p.text, "-")
		a, e1 := strconv.ParseUint(lo, 10, 16)
		b, e2 := strconv.ParseUint(hi, 10, 16)
		if !found || e1 != nil || e2 != nil {
			warn = append(warn, fmt.Sprintf("invalid %s range %s", p.name, p.text))
			continue
		}
		*p.rng, *p.has = [2]uint16{uint16(a), uint16(b)}, true
	}
	return warn
}

// ipProtos are the ipproto names keepalived resolves through
// /etc/protocols that a rule is likely to name.
var ipProtos = map[string]uint8{
	"icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "ipv6": 41, "gre": 47, "esp": 50, "ah": 51,
	"ipv6-icmp": 58, "icmpv6": 58, "ospf": 89, "vrrp": 112, "sctp": 132, "udplite": 136,
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
		// The parser gives a tracked rule keepalived's protocol; a
		// no_track one has the protocol written, or none.
		Protocol:   r.ProtocolID,
		NoProtocol: r.Protocol == "",
		NoTrack:    r.NoTrack,
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

// KernelRule is r as vrrpconf installs it, for the dumps; ok is false when
// the rule is not installed.
func KernelRule(r config.Rule) (vrrp.Rule, bool) {
	v, ok := rule(r)
	if ok {
		ruleSelectors(&v, r, nil)
	}
	return v, ok
}

// RouteMonitor is keepalived's monitor_ipv4_routes/monitor_ipv6_routes
// (vrrp_complete_instance, process_static_entries).
func RouteMonitor(v *config.VRRP) (ipv4, ipv6 bool) {
	mark := func(f config.Family) {
		if f == config.IPv6 {
			ipv6 = true
		} else {
			ipv4 = true
		}
	}
	for _, in := range v.Instances {
		for _, r := range in.Routes {
			if !r.NoTrack {
				mark(r.Family)
			}
		}
	}
	for _, r := range v.StaticRoutes {
		if r.TrackGroup != "" {
			mark(r.Family)
		}
	}
	return ipv4, ipv6
}
