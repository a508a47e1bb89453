package ifaddr

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// RouteType is rtm_type.
type RouteType uint8

// Route types keepalived's virtual_routes accept.
const (
	RouteUnicast     RouteType = unix.RTN_UNICAST // zero value is taken as unicast
	RouteLocal       RouteType = unix.RTN_LOCAL
	RouteBroadcast   RouteType = unix.RTN_BROADCAST
	RouteAnycast     RouteType = unix.RTN_ANYCAST
	RouteMulticast   RouteType = unix.RTN_MULTICAST
	RouteBlackhole   RouteType = unix.RTN_BLACKHOLE
	RouteUnreachable RouteType = unix.RTN_UNREACHABLE
	RouteProhibit    RouteType = unix.RTN_PROHIBIT
	RouteThrow       RouteType = unix.RTN_THROW
	RouteNAT         RouteType = unix.RTN_NAT
)

// Route is keepalived's virtual_routes / static_routes line, the common
// subset of `ip route`.
type Route struct {
	// Dst is the destination (to); 0.0.0.0/0 or ::/0 for default.
	Dst netip.Prefix
	// Src is the preferred source address (src).
	Src netip.Addr
	// Gateway is the next hop (via).
	Gateway netip.Addr
	// Link is the output interface (dev).
	Link string
	// Table is the routing table; zero means main.
	Table uint32
	// Metric is the route priority (metric / preference).
	Metric uint32
	// Scope is the route scope. Zero means what `ip route` picks: link
	// for a unicast route with no gateway, host for local routes, global
	// otherwise — unless ExactScope.
	Scope Scope
	// ExactScope adds the route with Scope as given, zero being global,
	// as keepalived's virtual and static routes are (`scope` unset).
	ExactScope bool
	// Protocol is rtm_protocol; zero means boot, as `ip route` does.
	Protocol uint8
	// Type is the route type; zero means unicast.
	Type RouteType
	// OnLink pretends the gateway is directly attached (onlink).
	OnLink bool
	// NextHops make a multipath route (nexthop via … dev … weight …);
	// Gateway and Link must then be unset.
	NextHops []NextHop
	// Metrics are RTA_METRICS values (mtu, rtt, locks, congctl...).
	Metrics RouteMetrics
	// Tos is rtm_tos (tos / dsfield); IPv6 routes refuse one.
	Tos uint8
	// Realms is RTA_FLOW, FROM<<16 | TO; zero is none.
	Realms uint32
	// TTLPropagate, Pref and Expires are RTA_TTL_PROPAGATE, RTA_PREF and
	// RTA_EXPIRES, sent when their Has flag is set.
	TTLPropagate    uint8
	HasTTLPropagate bool
	Pref            uint8
	HasPref         bool
	Expires         uint32
	HasExpires      bool
}

// RouteMetrics are RTA_METRICS values indexed by their RTAX_* number:
// Set has bit n when Values[n] is sent, Lock is RTAX_LOCK and CongCtl,
// when not empty, RTAX_CC_ALGO. Values are the kernel's units.
type RouteMetrics struct {
	Values  [unix.RTAX_FASTOPEN_NO_COOKIE + 1]uint32
	Set     uint32
	Lock    uint32
	CongCtl string
}

// routeRequest is a route message with the attributes the rtnetlink
// package cannot encode (most RTAX_* metrics, RTAX_LOCK, RTA_FLOW,
// RTA_TTL_PROPAGATE) appended after its own.
type routeRequest struct {
	*rtnetlink.RouteMessage
	extra []byte
}

// MarshalBinary is the embedded message followed by the extra attributes;
// both are 4-byte aligned attribute lists, so they concatenate.
func (r *routeRequest) MarshalBinary() ([]byte, error) {
	b, err := r.RouteMessage.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return append(b, r.extra...), nil
}

// extraAttributes encodes what routeRequest appends: RTA_METRICS (with
// RTAX_LOCK when a metric is locked), RTA_FLOW and RTA_TTL_PROPAGATE.
func extraAttributes(r Route, del bool) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	mx := r.Metrics
	// A delete matches whatever metrics the route has.
	if !del && (mx.Set != 0 || mx.CongCtl != "") {
		ae.Nested(unix.RTA_METRICS, func(nae *netlink.AttributeEncoder) error {
			if mx.CongCtl != "" {
				// keepalived sends the name without its NUL, as ip(8) does.
				nae.Bytes(unix.RTAX_CC_ALGO, []byte(mx.CongCtl))
			}
			for n := range mx.Values {
				if mx.Set&(1<<n) != 0 {
					nae.Uint32(uint16(n), mx.Values[n])
				}
			}
			if mx.Lock != 0 {
				nae.Uint32(unix.RTAX_LOCK, mx.Lock)
			}
			return nil
		})
	}
	if r.Realms != 0 {
		ae.Uint32(unix.RTA_FLOW, r.Realms)
	}
	if r.HasTTLPropagate && !del {
		ae.Uint8(unix.RTA_TTL_PROPAGATE, r.TTLPropagate)
	}
	return ae.Encode()
}

// NextHop is one path of a multipath route.
type NextHop struct {
	Gateway netip.Addr
	Link    string
	Weight  int // 1..256; zero means 1
	OnLink  bool
}

func (r Route) String() string {
	var b strings.Builder
	if r.Type != 0 && r.Type != RouteUnicast {
		fmt.Fprintf(&b, "type %d ", r.Type)
	}
	b.WriteString(r.Dst.String())
	if r.Gateway.IsValid() {
		fmt.Fprintf(&b, " via %s", r.Gateway)
	}
	if r.Link != "" {
		fmt.Fprintf(&b, " dev %s", r.Link)
	}
	if r.Table != 0 {
		fmt.Fprintf(&b, " table %d", r.Table)
	}
	for _, nh := range r.NextHops {
		fmt.Fprintf(&b, " nexthop via %s dev %s", nh.Gateway, nh.Link)
	}
	return b.String()
}

// routeMessage builds the request that adds (or with del, deletes) r;
// index resolves interface names (Conn.Index). It touches no socket, so
// tests check it without root.
func routeMessage(r Route, del bool, index func(string) (int, error)) (*routeRequest, error) {
	if !r.Dst.IsValid() {
		return nil, fmt.Errorf("invalid destination")
	}
	dst := r.Dst.Masked()
	v6 := dst.Addr().Unmap().Is6()
	m := &rtnetlink.RouteMessage{
		Family:    unix.AF_INET,
		DstLength: uint8(dst.Bits()),
		Protocol:  r.Protocol,
		Type:      uint8(r.Type),
		Scope:     uint8(r.Scope),
		Table:     unix.RT_TABLE_MAIN,
		// The kernel deletes only the route of the same tos.
		Tos: r.Tos,
	}
	if v6 {
		m.Family = unix.AF_INET6
	}
	if m.Protocol == 0 {
		m.Protocol = unix.RTPROT_BOOT
	}
	if m.Type == 0 {
		m.Type = unix.RTN_UNICAST
	}
	if r.Table != 0 {
		// Tables above 255 only fit the attribute; the header then says
		// RT_TABLE_UNSPEC and the kernel reads RTA_TABLE.
		m.Table = unix.RT_TABLE_UNSPEC
		if r.Table < 256 {
			m.Table = uint8(r.Table)
		}
		m.Attributes.Table = r.Table
	}
	// A delete matches any scope and protocol unless they are given, as
	// with `ip route del`.
	if del && r.Protocol == 0 {
		m.Protocol = 0
	}
	if del && r.Scope == 0 {
		m.Scope = unix.RT_SCOPE_NOWHERE
	} else if r.Scope == 0 && !r.ExactScope {
		switch {
		case m.Type == unix.RTN_LOCAL || m.Type == unix.RTN_NAT:
			m.Scope = unix.RT_SCOPE_HOST
		case m.Type == unix.RTN_BROADCAST || m.Type == unix.RTN_MULTICAST || m.Type == unix.RTN_ANYCAST:
			m.Scope = unix.RT_SCOPE_LINK
		case m.Type == unix.RTN_UNICAST && !r.Gateway.IsValid() && len(r.NextHops) == 0:
			m.Scope = unix.RT_SCOPE_LINK
		}
	}
	if r.OnLink {
		m.Flags |= unix.RTNH_F_ONLINK
	}
	if dst.Bits() > 0 {
		m.Attributes.Dst = ipOf(dst.Addr().Unmap())
	}
	if r.Src.IsValid() {
		m.Attributes.Src = ipOf(r.Src.Unmap())
	}
	if r.Gateway.IsValid() {
		m.Attributes.Gateway = ipOf(r.Gateway.Unmap())
	}
	if r.Link != "" {
		idx, err := index(r.Link)
		if err != nil {
			return nil, err
		}
		m.Attributes.OutIface = uint32(idx)
	}
	m.Attributes.Priority = r.Metric
	if r.HasPref && !del {
		m.Attributes.Pref = ptr(r.Pref)
	}
	if r.HasExpires && !del {
		m.Attributes.Expires = ptr(r.Expires)
	}
	for _, nh := range r.NextHops {
		hop := rtnetlink.NextHop{}
		if nh.Weight > 1 {
			hop.Hop.Hops = uint8(nh.Weight - 1)
		}
		if nh.OnLink {
			hop.Hop.Flags |= unix.RTNH_F_ONLINK
		}
		if nh.Link != "" {
			idx, err := index(nh.Link)
			if err != nil {
				return nil, err
			}
			hop.Hop.IfIndex = uint32(idx)
		}
		if nh.Gateway.IsValid() {
			hop.Gateway = ipOf(nh.Gateway.Unmap())
		}
		m.Attributes.Multipath = append(m.Attributes.Multipath, hop)
	}
	extra, err := extraAttributes(r, del)
	if err != nil {
		return nil, err
	}
	return &routeRequest{RouteMessage: m, extra: extra}, nil
}

// AddRoute installs r. A route that already exists is not an error.
func (c *Conn) AddRoute(r Route) error {
	m, err := routeMessage(r, false, c.Index)
	if err == nil {
		_, err = c.rt.Execute(m, unix.RTM_NEWROUTE, netlink.Request|netlink.Create|netlink.Acknowledge|netlink.Excl)
	}
	if err != nil && !ignore(err, unix.EEXIST) {
		return fmt.Errorf("ifaddr: add route %s: %w", r, err)
	}
	return nil
}

// DelRoute removes r. A route or interface that is already gone is not an
// error.
func (c *Conn) DelRoute(r Route) error {
	m, err := routeMessage(r, true, c.Index)
	if err == nil {
		_, err = c.rt.Execute(m, unix.RTM_DELROUTE, netlink.Request|netlink.Acknowledge)
	}
	if err != nil && !ignore(err, unix.ESRCH, unix.ENOENT, unix.ENODEV) {
		return fmt.Errorf("ifaddr: delete route %s: %w", r, err)
	}
	return nil
}
