package parser

import (
	"math"
	"net/netip"
	"strings"

	"github.com/dsas/keepalived-go/config"
)

// routeMetrics are route attributes taking one value, optionally after
// "lock"; lockable says whether "lock" is accepted.
var routeMetrics = map[string]bool{
	"mtu": true, "advmss": true, "rtt": true, "rttvar": true, "reordering": true,
	"window": true, "cwnd": true, "ssthresh": true, "rto_min": true, "initcwnd": true,
	"initrwnd": true, "hoplimit": true, "congctl": true, "quickack": false,
	"fastopen_no_cookie": false, "expires": false, "features": false,
	"pref": false, "ttl-propagate": false,
}

// routeItem is one route item being read (keepalived's alloc_route).
type routeItem struct {
	*itemArgs
	r       config.Route
	static  bool
	hasDst  bool
	dstText string
}

// routeOptions are the route keywords; any other word is a metric
// (routeMetrics) or the destination.
var routeOptions = map[string]func(p *routeItem) bool{
	"inet": (*routeItem).family, "inet6": (*routeItem).family,
	"src": (*routeItem).src,
	"as":  (*routeItem).as,
	"via": (*routeItem).via, "gw": (*routeItem).via,
	"from": (*routeItem).from,
	"tos":  (*routeItem).tos, "dsfield": (*routeItem).tos,
	"table":    (*routeItem).table,
	"protocol": (*routeItem).protocol,
	"scope":    (*routeItem).scope,
	"metric":   (*routeItem).metric, "priority": (*routeItem).metric, "preference": (*routeItem).metric,
	"dev": (*routeItem).dev, "oif": (*routeItem).dev,
	"onlink": func(p *routeItem) bool { p.r.OnLink = true; return true },
	"encap":  (*routeItem).encap,
	"add":    (*routeItem).position, "prepend": (*routeItem).position, "append": (*routeItem).position,
	"or":          (*routeItem).or,
	"nexthop":     (*routeItem).nexthop,
	"no_track":    func(p *routeItem) bool { p.r.NoTrack = true; return true },
	"track_group": (*routeItem).trackGroup,
	"vrf":         (*routeItem).vrf,
	"realms":      (*routeItem).realms,
}

const mixedRoute = "Cannot mix IPv4 and IPv6 addresses for route"

// parseRoute reads one route item (keepalived's alloc_route). Any error
// drops the whole route, as keepalived does.
func (c *ctx) parseRoute(item []token, static bool) (config.Route, bool) {
	p := &routeItem{
		itemArgs: c.itemArgs(item, "Route option %s is missing a value"),
		r:        config.Route{Table: 254, Type: "unicast"},
		static:   static,
	}
	for p.next() {
		h := routeOptions[p.opt.Text]
		if h == nil {
			h = (*routeItem).metricOrDst
		}
		if !h(p) {
			return p.r, false
		}
	}
	return p.finish()
}

// finish checks the route as a whole and fills in its defaults.
func (p *routeItem) finish() (config.Route, bool) {
	r, pos := &p.r, p.words[0].Pos
	if !p.hasDst {
		p.c.Report(pos, generalError, "Route must have a destination")
		return *r, false
	}
	if !r.NoTrack {
		if r.Protocol != 0 && r.Protocol != 18 {
			p.c.Report(pos, generalError, "Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(%d), resetting protocol", 18)
		}
		r.Protocol = 18
		// Tracking watches the route's oif; nexthop devices do not count.
		if r.Dev == "" {
			p.c.Report(pos, generalError, "Warning - cannot track route %s with no interface specified, not tracking", p.dstText)
			r.NoTrack = true
		}
	}
	if r.TrackGroup != "" && r.Dev == "" {
		p.c.Report(pos, generalError, "Static route cannot have track group if no oif specified")
		r.TrackGroup = ""
	}
	if r.Family == config.FamilyUnspec {
		r.Family = config.IPv4
	}
	if !r.Dst.IsValid() { // default/any/all
		if r.Family == config.IPv6 {
			r.Dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		} else {
			r.Dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		}
	}
	return *r, true
}

// setFam settles the route's family; msg reports a conflict at t.
func (p *routeItem) setFam(t token, f config.Family, msg string) bool {
	if p.r.Family == config.FamilyUnspec {
		p.r.Family = f
		return true
	}
	if p.r.Family != f {
		p.c.Report(t.Pos, generalError, "%s", msg)
		return false
	}
	return true
}

func (p *routeItem) family() bool {
	t := p.opt
	f := config.IPv4
	if t.Text == "inet6" {
		f = config.IPv6
	}
	return p.setFam(t, f, t.Text+" specified for "+map[bool]string{true: "IPv4", false: "IPv6"}[f == config.IPv6]+" route")
}

func (p *routeItem) src() bool {
	a, v, ok := p.addr("invalid route src address %s")
	if !ok || !p.setFam(v, config.FamilyOf(a), mixedRoute) {
		return false
	}
	p.r.PrefSrc = a
	return true
}

func (p *routeItem) as() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	if v.Text == "to" && p.more() {
		p.advance()
	}
	p.c.Report(p.opt.Pos, generalError, "\"as to\" for MPLS only - ignoring")
	return true
}

func (p *routeItem) via() bool {
	if p.opt.Text == "gw" {
		p.c.Report(p.opt.Pos, generalError, "\"gw\" for routes is deprecated. Please use \"via\"")
	}
	a, v, ok := p.itemArgs.via("invalid route via address %s")
	if !ok || !p.setFam(v, config.FamilyOf(a), mixedRoute) {
		return false
	}
	p.r.Via = a
	return true
}

func (p *routeItem) from() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	src, ok := p.c.parseRouteDst(v)
	if !ok {
		p.c.Report(v.Pos, generalError, "invalid route from address %s", v.Text)
		return false
	}
	if !src.Addr().Is6() {
		p.c.Report(v.Pos, generalError, "route from address only supported with IPv6 (%s)", v.Text)
		return false
	}
	if !p.setFam(v, config.IPv6, mixedRoute) {
		return false
	}
	p.r.Src = src
	return true
}

func (p *routeItem) tos() bool {
	n, _, ok := p.lookup("rt_dsfield", 255, "TOS value %s is invalid")
	p.r.Tos = uint8(n)
	return ok
}

func (p *routeItem) table() bool {
	n, _, ok := p.lookup("rt_tables", math.MaxUint32, "Routing table %s not found for route")
	p.r.Table = n
	return ok
}

func (p *routeItem) protocol() bool {
	n, v, ok := p.lookup("rt_protos", 255, "Protocol %s not found or invalid for route")
	p.r.Protocol = uint8(n)
	p.r.Options = append(p.r.Options, config.RouteOption{Name: "protocol", Value: v.Text})
	return ok
}

func (p *routeItem) scope() bool {
	n, _, ok := p.lookup("rt_scopes", 255, "Scope %s not found or invalid for route")
	p.r.Scope, p.r.HasScope = uint8(n), true
	return ok
}

func (p *routeItem) metric() bool {
	n, _, ok := p.number(0, 32, 0, math.MaxUint32, "Invalid metric %s specified for route")
	p.r.Metric, p.r.HasMetric = uint32(n), true
	return ok
}

func (p *routeItem) dev() bool {
	v, ok := p.itemArgs.dev("WARNING - interface %s for VROUTE nexthop doesn't exist")
	p.r.Dev = v.Text
	return ok
}

// encap: MPLS/IP/ILA/IP6/SEG6 encapsulations are kept verbatim up to the
// next route keyword we know.
func (p *routeItem) encap() bool {
	var vals []string
	for _, x := range p.until(routeKeyword) {
		vals = append(vals, x.Text)
	}
	p.r.Options = append(p.r.Options, config.RouteOption{Name: "encap", Value: strings.Join(vals, " ")})
	return true
}

// position is add/prepend/append.
func (p *routeItem) position() bool {
	p.r.Options = append(p.r.Options, config.RouteOption{Name: p.opt.Text})
	return true
}

func (p *routeItem) or() bool {
	p.c.Report(p.opt.Pos, generalError, "\"or\" for routes is deprecated. Please use \"nexthop\"")
	if len(p.r.Nexthops) > 0 {
		p.c.Report(p.opt.Pos, generalError, "\"or\" route already specified - ignoring subsequent")
		if p.more() {
			p.advance()
		}
		return true
	}
	a, _, ok := p.addr("Invalid \"or\" address %s")
	if !ok {
		return false
	}
	// keepalived moves the via address to the first nexthop; the route
	// keeps its dev (RTA_OIF beside RTA_MULTIPATH).
	p.r.Nexthops = append(p.r.Nexthops, config.Nexthop{Via: p.r.Via}, config.Nexthop{Via: a})
	p.r.Via = netip.Addr{}
	return true
}

// nexthop takes the rest of the item.
func (p *routeItem) nexthop() bool {
	if len(p.r.Nexthops) > 0 {
		// keepalived stops reading the route there.
		p.c.Report(p.opt.Pos, generalError, "Cannot specify nexthops with \"or\" route")
		p.stop()
		return true
	}
	nh, ok := p.c.parseNexthops(p.rest())
	if !ok {
		return false
	}
	p.r.Nexthops = append(p.r.Nexthops, nh...)
	p.stop()
	return true
}

func (p *routeItem) trackGroup() bool {
	if !p.static {
		p.c.Report(p.opt.Pos, generalError, "unknown route keyword %s", p.opt.Text)
		return false
	}
	return p.c.trackGroupArg(p.value, &p.r.TrackGroup)
}

// realms is RTA_FLOW, IPv4 only; either error drops the route.
func (p *routeItem) realms() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	n, ok := realms(v.Text)
	if !ok {
		p.c.Report(v.Pos, generalError, "Invalid realms %s for route", v.Text)
		return false
	}
	if p.r.Family == config.IPv6 {
		p.c.Report(v.Pos, generalError, "realms are only valid for IPv4")
		return false
	}
	p.r.Family, p.r.Realms = config.IPv4, n
	return true
}

func (p *routeItem) vrf() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	if !p.c.ifExists(v.Text) {
		p.c.Report(v.Pos, generalError, "VRF %s not found for route", v.Text)
		return false
	}
	p.r.Options = append(p.r.Options, config.RouteOption{Name: "vrf", Value: v.Text})
	return true
}

// metricOrDst is any other word: a route metric (optionally "lock"ed), or
// the destination, optionally after "to" and a route type.
func (p *routeItem) metricOrDst() bool {
	if lockable, ok := routeMetrics[p.opt.Text]; ok {
		return p.routeMetric(lockable)
	}
	t := p.opt
	if t.Text == "to" {
		if !p.more() {
			p.c.Report(t.Pos, generalError, "Route must have a destination")
			return false
		}
		t = p.advance()
	}
	if rtnTypes[t.Text] && p.more() {
		p.r.Type = t.Text
		t = p.advance()
	}
	dst, ok := p.c.parseRouteDst(t)
	if !ok {
		p.c.Report(t.Pos, generalError, "unknown route keyword %s", t.Text)
		return false
	}
	if dst.IsValid() && !p.setFam(t, config.FamilyOf(dst.Addr()), mixedRoute+" ("+t.Text+")") {
		return false
	}
	p.r.Dst, p.hasDst, p.dstText = dst, true, t.Text
	return true
}

func (p *routeItem) routeMetric(lockable bool) bool {
	t := p.opt
	v, ok := p.value()
	if !ok {
		return false
	}
	o := config.RouteOption{Name: t.Text}
	if v.Text == "lock" && lockable {
		o.Lock = true
		if v, ok = p.value(); !ok {
			return false
		}
	}
	o.Value = v.Text
	if (t.Text == "pref" || t.Text == "expires") && p.r.Family == config.IPv4 {
		p.c.Report(t.Pos, generalError, "%s is only valid for IPv6", t.Text)
	}
	p.r.Options = append(p.r.Options, o)
	return true
}

// parseRouteDst is keepalived's parse_route: default/any/all, the
// deprecated default6, or ADDR[/LEN]. A zero Prefix means "default" of
// the route's family.
func (c *ctx) parseRouteDst(t token) (netip.Prefix, bool) {
	switch t.Text {
	case "default", "any", "all":
		return netip.Prefix{}, true
	case "default6":
		c.Report(t.Pos, info, "'default6' is deprecated - please replace with 'inet6 default'")
		return netip.PrefixFrom(netip.IPv6Unspecified(), 0), true
	}
	a, bits, ok := c.splitPrefix(t, true)
	if !ok {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, bits.n), true
}

func routeKeyword(s string) bool {
	switch s {
	case "inet", "inet6", "src", "as", "via", "gw", "from", "tos", "dsfield", "table",
		"protocol", "scope", "metric", "priority", "preference", "dev", "oif", "onlink",
		"encap", "add", "prepend", "append", "or", "nexthop", "no_track", "track_group", "vrf", "to", "realms":
		return true
	}
	_, ok := routeMetrics[s]
	return ok
}

// parseNexthops reads "nexthop via A [dev IF] [weight N] [onlink] ...".
func (c *ctx) parseNexthops(item []token) ([]config.Nexthop, bool) {
	var out []config.Nexthop
	a := c.itemArgs(item, "nexthop %s is missing a value")
	for a.next() {
		t := a.opt
		if t.Text == "nexthop" {
			out = append(out, config.Nexthop{Weight: 1})
			continue
		}
		if len(out) == 0 {
			c.Report(t.Pos, generalError, "Route has trailing nonsense - %s", t.Text)
			return nil, false
		}
		if !isNexthopOption[t.Text] {
			// keepalived stops reading nexthops there and keeps the
			// route (parse_nexthops): `... nexthop via A mtu 1400`
			// installs the multipath route without the mtu.
			c.Report(t.Pos, generalError, "Route has trailing nonsense after nexthops - %s", t.Text)
			return out, true
		}
		if !a.nexthopOption(&out[len(out)-1]) {
			return nil, false
		}
	}
	return out, true
}

// isNexthopOption: the words parse_nexthops reads after "nexthop".
var isNexthopOption = map[string]bool{"via": true, "dev": true, "weight": true, "onlink": true, "encap": true, "realms": true}

// nexthopOption reads one option of a nexthop into nh.
func (a *itemArgs) nexthopOption(nh *config.Nexthop) bool {
	var ok bool
	switch a.opt.Text {
	case "via":
		nh.Via, _, ok = a.via("Invalid nexthop address %s")
	case "dev":
		var v token
		v, ok = a.dev("WARNING - interface %s for VROUTE nexthop doesn't exist")
		nh.Dev = v.Text
	case "weight":
		var n uint64
		n, _, ok = a.number(10, 16, 1, 256, "Invalid nexthop weight %s")
		nh.Weight = int(n)
	case "onlink":
		nh.OnLink, ok = true, true
	case "encap", "realms":
		_, ok = a.value()
	default:
		a.c.Report(a.opt.Pos, generalError, "Unknown nexthop option %s", a.opt.Text)
	}
	return ok
}
