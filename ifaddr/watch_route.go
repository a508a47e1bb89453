package ifaddr

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// ProtoKeepalived is RTPROT_KEEPALIVED, the protocol keepalived (and
// keepalived-go) put on the routes and rules they track: only deletions
// of those are reported.
const ProtoKeepalived = 18

// routeGroups are the multicast groups of route and rule changes (the
// legacy RTMGRP bit masks have none for rules).
const routeGroups = unix.RTMGRP_IPV4_ROUTE | unix.RTMGRP_IPV6_ROUTE |
	1<<(unix.RTNLGRP_IPV4_RULE-1) | 1<<(unix.RTNLGRP_IPV6_RULE-1)

// RouteKey identifies a route the way keepalived matches a deleted one
// against its own: destination, table and metric.
type RouteKey struct {
	Dst    netip.Prefix // the family's default route when it is the zero prefix
	Table  uint32       // 254 (main) when the route gave none
	Metric uint32
}

// RouteAdd is a keepalived route the kernel reports added: what
// keepalived's netlink_route_filter reads of it.
type RouteAdd struct {
	RouteKey
	Tos uint8
	// OIF is the RTA_OIF interface index, 0 when the report has none (a
	// multipath route, an IPv4 blackhole).
	OIF int
}

// RuleKey identifies a policy rule: family, preference, table, selectors.
type RuleKey struct {
	IPv6     bool
	Priority uint32
	Table    uint32
	From, To netip.Prefix
	FwMark   uint32
}

func routeKeyOf(m *rtnetlink.RouteMessage) (RouteKey, bool) {
	bits := int(m.DstLength)
	var a netip.Addr
	switch {
	case m.Attributes.Dst != nil:
		var ok bool
		if a, ok = netip.AddrFromSlice(m.Attributes.Dst); !ok {
			return RouteKey{}, false
		}
		a = a.Unmap()
	case m.Family == unix.AF_INET6:
		a = netip.IPv6Unspecified()
	default:
		a = netip.IPv4Unspecified()
	}
	table := m.Attributes.Table
	if table == 0 {
		table = uint32(m.Table)
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return RouteKey{}, false
	}
	return RouteKey{Dst: p, Table: table, Metric: m.Attributes.Priority}, true
}

func ruleKeyOf(m *rtnetlink.RuleMessage) RuleKey {
	k := RuleKey{IPv6: m.Family == unix.AF_INET6, Table: uint32(m.Table)}
	a := m.Attributes
	if a == nil {
		return k
	}
	if a.Table != nil {
		k.Table = *a.Table
	}
	if a.Priority != nil {
		k.Priority = *a.Priority
	}
	if a.FwMark != nil {
		k.FwMark = *a.FwMark
	}
	k.From = prefixOf(a.Src, m.SrcLength)
	k.To = prefixOf(a.Dst, m.DstLength)
	return k
}

func prefixOf(ip *net.IP, bits uint8) netip.Prefix {
	if ip == nil {
		return netip.Prefix{}
	}
	a, ok := netip.AddrFromSlice(*ip)
	if !ok {
		return netip.Prefix{}
	}
	p, _ := a.Unmap().Prefix(int(bits))
	return p
}

// routeEvent decodes a keepalived route added or deleted, or a rule
// deleted.
func routeEvent(m netlink.Message) (Event, bool) {
	switch m.Header.Type {
	case unix.RTM_NEWROUTE:
		var rm rtnetlink.RouteMessage
		if rm.UnmarshalBinary(m.Data) != nil || rm.Protocol != ProtoKeepalived {
			return Event{}, false
		}
		k, ok := routeKeyOf(&rm)
		return Event{RouteAdded: &RouteAdd{RouteKey: k, Tos: rm.Tos, OIF: int(rm.Attributes.OutIface)}}, ok
	case unix.RTM_DELROUTE:
		var rm rtnetlink.RouteMessage
		if rm.UnmarshalBinary(m.Data) != nil || rm.Protocol != ProtoKeepalived {
			return Event{}, false
		}
		k, ok := routeKeyOf(&rm)
		return Event{RouteDeleted: &k}, ok
	case unix.RTM_DELRULE:
		var rm rtnetlink.RuleMessage
		if rm.UnmarshalBinary(m.Data) != nil || rm.Attributes == nil ||
			rm.Attributes.Protocol == nil || *rm.Attributes.Protocol != ProtoKeepalived {
			return Event{}, false
		}
		k := ruleKeyOf(&rm)
		return Event{RuleDeleted: &k}, true
	}
	return Event{}, false
}

// HasRoute reports whether a route with key k is in the kernel now.
func (c *Conn) HasRoute(k RouteKey) (bool, error) {
	family := uint8(unix.AF_INET)
	if k.Dst.Addr().Is6() {
		family = unix.AF_INET6
	}
	msgs, err := c.rt.Execute(&rtnetlink.RouteMessage{Family: family}, unix.RTM_GETROUTE, netlink.Request|netlink.Dump)
	if err != nil {
		return false, fmt.Errorf("ifaddr: list routes: %w", err)
	}
	for _, m := range msgs {
		if rm, ok := m.(*rtnetlink.RouteMessage); ok {
			if got, ok := routeKeyOf(rm); ok && got == k {
				return true, nil
			}
		}
	}
	return false, nil
}

// HasRule reports whether a rule with key k is in the kernel now.
func (c *Conn) HasRule(k RuleKey) (bool, error) {
	family := uint8(unix.AF_INET)
	if k.IPv6 {
		family = unix.AF_INET6
	}
	msgs, err := c.rt.Execute(&rtnetlink.RuleMessage{Family: family}, unix.RTM_GETRULE, netlink.Request|netlink.Dump)
	if err != nil {
		return false, fmt.Errorf("ifaddr: list rules: %w", err)
	}
	for _, m := range msgs {
		if rm, ok := m.(*rtnetlink.RuleMessage); ok && ruleKeyOf(rm) == k {
			return true, nil
		}
	}
	return false, nil
}
