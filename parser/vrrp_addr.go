package parser

import (
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/config"
)

// Item grammars of static_ipaddress / virtual_ipaddress[_excluded],
// static_routes / virtual_routes and static_rules / virtual_rules
// (keepalived's vrrp_ipaddress.c, vrrp_iproute.c, vrrp_iprule.c).

// parsePrefix is keepalived's parse_ipaddress: the family comes from a ':'
// anywhere, a bad prefix length is an error and the full length is used.
func (c *ctx) parsePrefix(t token, allowLen bool) (netip.Prefix, bool) {
	s := t.Text
	max := 32
	if strings.Contains(s, ":") {
		max = 128
	}
	bits := max
	if i := strings.IndexByte(s, '/'); i >= 0 && allowLen {
		n, err := strconv.ParseUint(s[i+1:], 10, 8)
		if err != nil || int(n) > max {
			c.Report(t.Pos, generalError, "Invalid address prefix len %s for address %s - using %d", s[i+1:], s, max)
		} else {
			bits = int(n)
		}
		s = s[:i]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || (max == 32) != a.Is4() {
		c.Report(t.Pos, generalError, "VRRP parsed invalid IP %s. skipping IP...", t.Text)
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, bits), true
}

var scopeNames = "rt_scopes"

// parseAddress reads one address item; static selects static_ipaddress
// (track_group allowed, use_vmac not).
func (c *ctx) parseAddress(item []token, static bool) (config.Address, bool) {
	var a config.Address
	p, ok := c.parsePrefix(item[0], true)
	if !ok {
		return a, false
	}
	a.Prefix = p
	v6 := p.Addr().Is6()
	addrText := item[0].Text
	brd := 0 // -1 '+', -2 '-'
	haveBrd := false
	lftSet := false
	for i := 1; i < len(item); i++ {
		opt := item[i]
		needs := func() (token, bool) {
			if i+1 >= len(item) {
				c.Report(opt.Pos, generalError, "No %s parameter specified for %s", opt.Text, addrText)
				return token{}, false
			}
			i++
			return item[i], true
		}
		switch opt.Text {
		case "dev":
			v, ok := needs()
			if !ok {
				return a, false
			}
			if a.DevSet {
				c.Report(v.Pos, generalError, "Cannot specify ipaddress device more than once for %s", addrText)
				return a, false
			}
			c.lookupIf(v.Pos, v.Text, "WARNING - interface %s for ip address %s doesn't exist", v.Text, addrText)
			a.Dev, a.DevSet = v.Text, true
		case "scope":
			v, ok := needs()
			if !ok {
				return a, false
			}
			if n, ok := rtLookup(scopeNames, v.Text, 255); ok {
				a.Scope = uint8(n)
			} else {
				c.Report(v.Pos, generalError, "Invalid scope '%s' specified for %s - ignoring", v.Text, addrText)
			}
		case "broadcast", "brd":
			v, ok := needs()
			if !ok {
				return a, false
			}
			if v6 {
				c.Report(opt.Pos, generalError, "VRRP is trying to assign a broadcast %s to the IPv6 address %s !!?? WTF... skipping VIP...", v.Text, addrText)
				return a, false
			}
			haveBrd = true
			switch v.Text {
			case "-":
				brd = -2
			case "+":
				brd = -1
			default:
				b, err := netip.ParseAddr(v.Text)
				if err != nil || !b.Is4() {
					c.Report(v.Pos, generalError, "VRRP is trying to assign invalid broadcast %s. skipping VIP...", v.Text)
					return a, false
				}
				a.Brd, a.HasBrd = b, true
			}
		case "label":
			v, ok := needs()
			if !ok {
				return a, false
			}
			if len(v.Text) >= 16 {
				c.Report(v.Pos, generalError, "Address label %s is longer than maximum length %d - removing address", v.Text, 15)
				return a, false
			}
			a.Label = v.Text
		case "peer":
			v, ok := needs()
			if !ok {
				return a, false
			}
			if a.Peer.IsValid() {
				c.Report(v.Pos, generalError, "Peer %s - another peer has already been specified", v.Text)
				continue
			}
			pp, ok := c.parsePrefixQuiet(v.Text)
			switch {
			case !ok:
				c.Report(v.Pos, generalError, "Invalid peer address %s", v.Text)
			case pp.Addr().Is6() != v6:
				c.Report(v.Pos, generalError, "Peer address %s does not match address family", v.Text)
			default:
				if a.Prefix.Bits() != a.Prefix.Addr().BitLen() {
					c.Report(v.Pos, generalError, "Cannot specify address prefix when specifying peer address - ignoring")
				}
				a.Peer = pp
				a.Prefix = netip.PrefixFrom(a.Prefix.Addr(), pp.Bits())
			}
		case "home":
			a.Home = true
		case "-nodad":
			a.NoDAD = true
		case "mngtmpaddr":
			a.MngTmpAddr = true
		case "noprefixroute":
			a.NoPrefixRoute = true
		case "autojoin":
			a.AutoJoin = true
		case "no_track":
			a.NoTrack = true
		case "preferred_lft":
			v, ok := needs()
			if !ok {
				return a, false
			}
			if v.Text == "forever" {
				a.PreferredLft, lftSet = math.MaxUint32, true
			} else if n, err := strconv.ParseUint(v.Text, 10, 32); err == nil {
				a.PreferredLft, lftSet = uint32(n), true
			} else {
				c.Report(v.Pos, generalError, "preferred_lft %s is invalid", v.Text)
			}
		case "track_group":
			if !static {
				c.Report(opt.Pos, generalError, "Unknown configuration entry '%s' for ip address - ignoring", opt.Text)
				continue
			}
			v, ok := needs()
			if !ok {
				return a, false
			}
			if a.TrackGroup != "" {
				c.Report(v.Pos, generalError, "track_group %s is a duplicate", v.Text)
				i = len(item)
				continue
			}
			if c.findTrackGroup(v.Text) {
				a.TrackGroup = v.Text
			} else {
				c.Report(v.Pos, generalError, "track_group %s not found", v.Text)
			}
		case "use_vmac":
			if static {
				c.Report(opt.Pos, generalError, "Unknown configuration entry '%s' for ip address - ignoring", opt.Text)
				continue
			}
			a.UseVMAC = true
		default:
			c.Report(opt.Pos, generalError, "Unknown configuration entry '%s' for ip address - ignoring", opt.Text)
		}
	}
	if haveBrd && a.Peer.IsValid() {
		c.Report(item[0].Pos, generalError, "Cannot specify broadcast and peer addresses - ignoring broadcast address")
		a.Brd, a.HasBrd = netip.Addr{}, false
	} else if brd < 0 && a.Prefix.Bits() <= 30 {
		base := a.Prefix.Addr()
		if a.Peer.IsValid() {
			base = a.Peer.Addr()
		}
		b := base.As4()
		n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		mask := uint32(0xffffffff) >> a.Prefix.Bits()
		if brd == -1 {
			n |= mask
		} else {
			n &^= mask
		}
		a.Brd, a.HasBrd = netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
	} else if brd < 0 {
		c.Report(item[0].Pos, generalError, "Address prefix length %d too long for broadcast", a.Prefix.Bits())
	}
	if v6 {
		if a.Scope != 0 {
			c.Report(item[0].Pos, generalError, "Cannot specify scope for IPv6 addresses (%s) - ignoring scope", addrText)
			a.Scope = 0
		}
		if a.Label != "" {
			c.Report(item[0].Pos, generalError, "Cannot specify label for IPv6 addresses (%s) - ignoring label", addrText)
			a.Label = ""
		}
	}
	if !lftSet {
		// keepalived's old default: a /128 IPv6 address is deprecated.
		if v6 && a.Prefix.Bits() == 128 {
			a.PreferredLft = 0
		} else {
			a.PreferredLft = math.MaxUint32
		}
	}
	return a, true
}

func (c *ctx) parsePrefixQuiet(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

func (c *ctx) findTrackGroup(name string) bool {
	for _, g := range c.Cfg.VRRP.TrackGroups {
		if g.Name == name {
			return true
		}
	}
	return false
}

// routeMetrics are route attributes taking one value, optionally after
// "lock"; lockable says whether "lock" is accepted.
var routeMetrics = map[string]bool{
	"mtu": true, "advmss": true, "rtt": true, "rttvar": true, "reordering": true,
	"window": true, "cwnd": true, "ssthresh": true, "rto_min": true, "initcwnd": true,
	"initrwnd": true, "hoplimit": true, "congctl": true, "quickack": false,
	"fastopen_no_cookie": false, "realms": false, "expires": false, "features": false,
	"pref": false, "ttl-propagate": false,
}

// parseRoute reads one route item (keepalived's alloc_route). Any error
// drops the whole route, as keepalived does.
func (c *ctx) parseRoute(item []token, static bool) (config.Route, bool) {
	r := config.Route{Table: 254, Type: "unicast"}
	hasDst, dstText := false, ""
	setFam := func(t token, f config.Family, msg string) bool {
		if r.Family == config.FamilyUnspec {
			r.Family = f
			return true
		}
		if r.Family != f {
			c.Report(t.Pos, generalError, "%s", msg)
			return false
		}
		return true
	}
	for i := 0; i < len(item); i++ {
		t := item[i]
		next := func() (token, bool) {
			if i+1 >= len(item) {
				c.Report(t.Pos, generalError, "Route option %s is missing a value", t.Text)
				return token{}, false
			}
			i++
			return item[i], true
		}
		switch t.Text {
		case "inet", "inet6":
			f := config.IPv4
			if t.Text == "inet6" {
				f = config.IPv6
			}
			if !setFam(t, f, t.Text+" specified for "+map[bool]string{true: "IPv4", false: "IPv6"}[f == config.IPv6]+" route") {
				return r, false
			}
		case "src":
			v, ok := next()
			if !ok {
				return r, false
			}
			a, err := netip.ParseAddr(v.Text)
			if err != nil {
				c.Report(v.Pos, generalError, "invalid route src address %s", v.Text)
				return r, false
			}
			if !setFam(v, config.FamilyOf(a), "Cannot mix IPv4 and IPv6 addresses for route") {
				return r, false
			}
			r.PrefSrc = a
		case "as":
			v, ok := next()
			if !ok {
				return r, false
			}
			if v.Text == "to" && i+1 < len(item) {
				i++
			}
			c.Report(t.Pos, generalError, "\"as to\" for MPLS only - ignoring")
		case "via", "gw":
			if t.Text == "gw" {
				c.Report(t.Pos, generalError, "\"gw\" for routes is deprecated. Please use \"via\"")
			}
			v, ok := next()
			if !ok {
				return r, false
			}
			if v.Text == "inet" || v.Text == "inet6" {
				if v, ok = next(); !ok {
					return r, false
				}
			}
			a, err := netip.ParseAddr(v.Text)
			if err != nil {
				c.Report(v.Pos, generalError, "invalid route via address %s", v.Text)
				return r, false
			}
			if !setFam(v, config.FamilyOf(a), "Cannot mix IPv4 and IPv6 addresses for route") {
				return r, false
			}
			r.Via = a
		case "from":
			v, ok := next()
			if !ok {
				return r, false
			}
			p, ok := c.parseRouteDst(v)
			if !ok {
				c.Report(v.Pos, generalError, "invalid route from address %s", v.Text)
				return r, false
			}
			if !p.Addr().Is6() {
				c.Report(v.Pos, generalError, "route from address only supported with IPv6 (%s)", v.Text)
				return r, false
			}
			if !setFam(v, config.IPv6, "Cannot mix IPv4 and IPv6 addresses for route") {
				return r, false
			}
			r.Src = p
		case "tos", "dsfield":
			v, ok := next()
			if !ok {
				return r, false
			}
			n, ok := rtLookup("rt_dsfield", v.Text, 255)
			if !ok {
				c.Report(v.Pos, generalError, "TOS value %s is invalid", v.Text)
				return r, false
			}
			r.Tos = uint8(n)
		case "table":
			v, ok := next()
			if !ok {
				return r, false
			}
			n, ok := rtLookup("rt_tables", v.Text, math.MaxUint32)
			if !ok {
				c.Report(v.Pos, generalError, "Routing table %s not found for route", v.Text)
				return r, false
			}
			r.Table = n
		case "protocol":
			v, ok := next()
			if !ok {
				return r, false
			}
			n, ok := rtLookup("rt_protos", v.Text, 255)
			if !ok {
				c.Report(v.Pos, generalError, "Protocol %s not found or invalid for route", v.Text)
				return r, false
			}
			r.Protocol = uint8(n)
			r.Options = append(r.Options, config.RouteOption{Name: "protocol", Value: v.Text})
		case "scope":
			v, ok := next()
			if !ok {
				return r, false
			}
			n, ok := rtLookup("rt_scopes", v.Text, 255)
			if !ok {
				c.Report(v.Pos, generalError, "Scope %s not found or invalid for route", v.Text)
				return r, false
			}
			r.Scope, r.HasScope = uint8(n), true
		case "metric", "priority", "preference":
			v, ok := next()
			if !ok {
				return r, false
			}
			n, err := strconv.ParseUint(v.Text, 0, 32)
			if err != nil {
				c.Report(v.Pos, generalError, "Invalid metric %s specified for route", v.Text)
				return r, false
			}
			r.Metric, r.HasMetric = uint32(n), true
		case "dev", "oif":
			v, ok := next()
			if !ok {
				return r, false
			}
			c.lookupIf(v.Pos, v.Text, "WARNING - interface %s for VROUTE nexthop doesn't exist", v.Text)
			r.Dev = v.Text
		case "onlink":
			r.OnLink = true
		case "encap":
			// MPLS/IP/ILA/IP6/SEG6 encapsulations: kept verbatim up to the
			// next route keyword we know.
			j := i + 1
			for j < len(item) && !routeKeyword(item[j].Text) {
				j++
			}
			var vals []string
			for _, x := range item[i+1 : j] {
				vals = append(vals, x.Text)
			}
			r.Options = append(r.Options, config.RouteOption{Name: "encap", Value: strings.Join(vals, " ")})
			i = j - 1
		case "add", "prepend", "append":
			r.Options = append(r.Options, config.RouteOption{Name: t.Text})
		case "or":
			c.Report(t.Pos, generalError, "\"or\" for routes is deprecated. Please use \"nexthop\"")
			v, ok := next()
			if !ok {
				return r, false
			}
			a, err := netip.ParseAddr(v.Text)
			if err != nil {
				c.Report(v.Pos, generalError, "Invalid \"or\" address %s", v.Text)
				return r, false
			}
			if len(r.Nexthops) == 0 && r.Via.IsValid() {
				r.Nexthops = append(r.Nexthops, config.Nexthop{Via: r.Via, Dev: r.Dev})
			}
			r.Nexthops = append(r.Nexthops, config.Nexthop{Via: a})
		case "nexthop":
			nh, ok := c.parseNexthops(item[i:])
			if !ok {
				return r, false
			}
			r.Nexthops = append(r.Nexthops, nh...)
			i = len(item)
		case "no_track":
			r.NoTrack = true
		case "track_group":
			if !static {
				c.Report(t.Pos, generalError, "unknown route keyword %s", t.Text)
				return r, false
			}
			if !c.trackGroupArg(next, &r.TrackGroup) {
				return r, false
			}
		case "vrf":
			v, ok := next()
			if !ok {
				return r, false
			}
			if !c.ifExists(v.Text) {
				c.Report(v.Pos, generalError, "VRF %s not found for route", v.Text)
				return r, false
			}
			r.Options = append(r.Options, config.RouteOption{Name: "vrf", Value: v.Text})
		default:
			if _, ok := routeMetrics[t.Text]; ok {
				v, ok := next()
				if !ok {
					return r, false
				}
				o := config.RouteOption{Name: t.Text}
				if v.Text == "lock" && routeMetrics[t.Text] {
					o.Lock = true
					if v, ok = next(); !ok {
						return r, false
					}
				}
				o.Value = v.Text
				if (t.Text == "pref" || t.Text == "expires") && r.Family == config.IPv4 {
					c.Report(t.Pos, generalError, "%s is only valid for IPv6", t.Text)
				}
				r.Options = append(r.Options, o)
				continue
			}
			if t.Text == "to" {
				if i+1 >= len(item) {
					c.Report(t.Pos, generalError, "Route must have a destination")
					return r, false
				}
				i++
				t = item[i]
			}
			if rtnTypes[t.Text] && i+1 < len(item) {
				r.Type = t.Text
				i++
				t = item[i]
			}
			p, ok := c.parseRouteDst(t)
			if !ok {
				c.Report(t.Pos, generalError, "unknown route keyword %s", t.Text)
				return r, false
			}
			if p.IsValid() && !setFam(t, config.FamilyOf(p.Addr()), "Cannot mix IPv4 and IPv6 addresses for route ("+t.Text+")") {
				return r, false
			}
			r.Dst, hasDst, dstText = p, true, t.Text
		}
	}
	if !hasDst {
		c.Report(item[0].Pos, generalError, "Route must have a destination")
		return r, false
	}
	if !r.NoTrack {
		if r.Protocol != 0 && r.Protocol != 18 {
			c.Report(item[0].Pos, generalError, "Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(%d), resetting protocol", 18)
		}
		r.Protocol = 18
		// Tracking watches the route's oif; nexthop devices do not count.
		if r.Dev == "" {
			c.Report(item[0].Pos, generalError, "Warning - cannot track route %s with no interface specified, not tracking", dstText)
			r.NoTrack = true
		}
	}
	if r.TrackGroup != "" && r.Dev == "" {
		c.Report(item[0].Pos, generalError, "Static route cannot have track group if no oif specified")
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
	return r, true
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
	s := t.Text
	max := 32
	if strings.Contains(s, ":") {
		max = 128
	}
	bits := max
	if i := strings.IndexByte(s, '/'); i >= 0 {
		n, err := strconv.ParseUint(s[i+1:], 10, 8)
		if err != nil || int(n) > max {
			c.Report(t.Pos, generalError, "Invalid address prefix len %s for address %s - using %d", s[i+1:], s, max)
		} else {
			bits = int(n)
		}
		s = s[:i]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, bits), true
}

func routeKeyword(s string) bool {
	switch s {
	case "inet", "inet6", "src", "as", "via", "gw", "from", "tos", "dsfield", "table",
		"protocol", "scope", "metric", "priority", "preference", "dev", "oif", "onlink",
		"encap", "add", "prepend", "append", "or", "nexthop", "no_track", "track_group", "vrf", "to":
		return true
	}
	_, ok := routeMetrics[s]
	return ok
}

// parseNexthops reads "nexthop via A [dev IF] [weight N] [onlink] ...".
func (c *ctx) parseNexthops(item []token) ([]config.Nexthop, bool) {
	var out []config.Nexthop
	for i := 0; i < len(item); i++ {
		t := item[i]
		if t.Text == "nexthop" {
			out = append(out, config.Nexthop{Weight: 1})
			continue
		}
		if len(out) == 0 {
			c.Report(t.Pos, generalError, "Route has trailing nonsense - %s", t.Text)
			return nil, false
		}
		nh := &out[len(out)-1]
		needs := func() (token, bool) {
			if i+1 >= len(item) {
				c.Report(t.Pos, generalError, "nexthop %s is missing a value", t.Text)
				return token{}, false
			}
			i++
			return item[i], true
		}
		switch t.Text {
		case "via":
			v, ok := needs()
			if !ok {
				return nil, false
			}
			if v.Text == "inet" || v.Text == "inet6" {
				if v, ok = needs(); !ok {
					return nil, false
				}
			}
			a, err := netip.ParseAddr(v.Text)
			if err != nil {
				c.Report(v.Pos, generalError, "Invalid nexthop address %s", v.Text)
				return nil, false
			}
			nh.Via = a
		case "dev":
			v, ok := needs()
			if !ok {
				return nil, false
			}
			c.lookupIf(v.Pos, v.Text, "WARNING - interface %s for VROUTE nexthop doesn't exist", v.Text)
			nh.Dev = v.Text
		case "weight":
			v, ok := needs()
			if !ok {
				return nil, false
			}
			n, err := strconv.ParseUint(v.Text, 10, 16)
			if err != nil || n < 1 || n > 256 {
				c.Report(v.Pos, generalError, "Invalid nexthop weight %s", v.Text)
				return nil, false
			}
			nh.Weight = int(n)
		case "onlink":
			nh.OnLink = true
		case "encap", "realms":
			if _, ok := needs(); !ok {
				return nil, false
			}
		default:
			c.Report(t.Pos, generalError, "Unknown nexthop option %s", t.Text)
			return nil, false
		}
	}
	return out, true
}

// parseRule reads one rule item (keepalived's alloc_rule).
func (c *ctx) parseRule(item []token, static bool) (config.Rule, bool) {
	r := config.Rule{SuppressPrefixLen: -1}
	setFam := func(t token, f config.Family) bool {
		if r.Family == config.FamilyUnspec {
			r.Family = f
			return true
		}
		if r.Family != f {
			c.Report(t.Pos, generalError, "rule specification has mixed IPv4 and IPv6")
			return false
		}
		return true
	}
	setAction := func(t token, a string) bool {
		if r.Action != "" {
			c.Report(t.Pos, generalError, "Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule")
			return false
		}
		r.Action = a
		return true
	}
	for i := 0; i < len(item); i++ {
		t := item[i]
		next := func() (token, bool) {
			if i+1 >= len(item) {
				c.Report(t.Pos, generalError, "Rule option %s is missing a value", t.Text)
				return token{}, false
			}
			i++
			return item[i], true
		}
		switch t.Text {
		case "inet", "inet6":
			f := config.IPv4
			if t.Text == "inet6" {
				f = config.IPv6
			}
			if r.Family != config.FamilyUnspec && r.Family != f {
				c.Report(t.Pos, generalError, "%s specified for %s rule", t.Text, map[bool]string{true: "IPv4", false: "IPv6"}[f == config.IPv6])
				return r, false
			}
			r.Family = f
		case "from", "to":
			v, ok := next()
			if !ok {
				return r, false
			}
			p, ok := c.parseRouteDst(v)
			if !ok {
				c.Report(v.Pos, generalError, "Invalid rule %s address %s", t.Text, v.Text)
				return r, false
			}
			if p.IsValid() && !setFam(v, config.FamilyOf(p.Addr())) {
				return r, false
			}
			if t.Text == "from" {
				r.From = p
			} else {
				r.To = p
			}
		case "table", "lookup":
			v, ok := next()
			if !ok {
				return r, false
			}
			n, ok := rtLookup("rt_tables", v.Text, math.MaxUint32)
			if !ok {
				c.Report(v.Pos, generalError, "Routing table %s not found for rule", v.Text)
				return r, false
			}
			if n == 0 {
				c.Report(v.Pos, generalError, "Table 0 is not valid")
				return r, false
			}
			if !setAction(t, "table") {
				return r, false
			}
			r.Table = n
		case "not":
			r.Not = true
		case "preference", "order", "priority":
			v, ok := next()
			if !ok {
				return r, false
			}
			n, err := strconv.ParseUint(v.Text, 0, 32)
			if err != nil {
				c.Report(v.Pos, generalError, "Invalid rule preference %s specified", v.Text)
				return r, false
			}
			r.Priority, r.HasPriority = uint32(n), true
		case "tos", "dsfield":
			v, ok := next()
			if !ok {
				return r, false
			}
			n, ok := rtLookup("rt_dsfield", v.Text, 255)
			if !ok {
				c.Report(v.Pos, generalError, "TOS value %s is invalid", v.Text)
				return r, false
			}
			r.Tos = uint8(n)
		case "fwmark":
			v, ok := next()
			if !ok {
				return r, false
			}
			mark, mask, hasMask := strings.Cut(v.Text, "/")
			m, err := strconv.ParseUint(mark, 0, 32)
			mk := uint64(math.MaxUint32)
			var err2 error
			if hasMask {
				mk, err2 = strconv.ParseUint(mask, 0, 32)
			}
			if err != nil || err2 != nil {
				c.Report(v.Pos, generalError, "Invalid rule fwmark %s specified", v.Text)
				return r, false
			}
			r.FwMark, r.FwMask, r.HasFwMark = uint32(m), uint32(mk), true
		case "realms":
			v, ok := next()
			if !ok {
				return r, false
			}
			if !setFam(v, config.IPv4) {
				c.Report(v.Pos, generalError, "realms is only valid for IPv4")
				return r, false
			}
			r.Realms = v.Text
		case "suppress_prefixlength", "sup_pl":
			v, ok := next()
			if !ok {
				return r, false
			}
			n, err := strconv.ParseUint(v.Text, 0, 8)
			if err != nil || n > 128 {
				c.Report(v.Pos, generalError, "Invalid suppress_prefixlength %s specified", v.Text)
				return r, false
			}
			r.SuppressPrefixLen = int(n)
		case "suppress_ifgroup", "sup_group":
			v, ok := next()
			if !ok {
				return r, false
			}
			if _, ok := rtLookup("group", v.Text, math.MaxUint32); !ok {
				c.Report(v.Pos, generalError, "suppress_group %s is invalid", v.Text)
				return r, false
			}
			r.SuppressIfGroup = v.Text
		case "dev", "iif", "oif":
			v, ok := next()
			if !ok {
				return r, false
			}
			c.lookupIf(v.Pos, v.Text, "WARNING - interface %s for rule doesn't exist", v.Text)
			if t.Text == "oif" {
				r.OIf = v.Text
			} else {
				r.IIf = v.Text
			}
		case "tunnel-id":
			v, ok := next()
			if !ok {
				return r, false
			}
			n, err := strconv.ParseUint(v.Text, 0, 64)
			if err != nil {
				c.Report(v.Pos, generalError, "Invalid tunnel-id %s specified", v.Text)
				return r, false
			}
			r.TunnelID = n
		case "uidrange":
			v, ok := next()
			if !ok {
				return r, false
			}
			lo, hi, ok2 := strings.Cut(v.Text, "-")
			_, e1 := strconv.ParseUint(lo, 10, 32)
			_, e2 := strconv.ParseUint(hi, 10, 32)
			if !ok2 || e1 != nil || e2 != nil {
				c.Report(v.Pos, generalError, "Invalid uidrange %s specified", v.Text)
				return r, false
			}
			r.UIDRange = v.Text
		case "l3mdev":
			if !setAction(t, "l3mdev") {
				return r, false
			}
		case "protocol", "ipproto", "sport", "dport":
			v, ok := next()
			if !ok {
				return r, false
			}
			switch t.Text {
			case "protocol":
				if _, ok := rtLookup("rt_protos", v.Text, 255); !ok {
					c.Report(v.Pos, generalError, "Invalid protocol %s", v.Text)
					return r, false
				}
				r.Protocol = v.Text
			case "ipproto":
				r.IPProto = v.Text
			case "sport", "dport":
				lo, hi, has := strings.Cut(v.Text, "-")
				_, e1 := strconv.ParseUint(lo, 10, 16)
				var e2 error
				if has {
					_, e2 = strconv.ParseUint(hi, 10, 16)
				}
				if e1 != nil || e2 != nil {
					c.Report(v.Pos, generalError, "invalid %s range %s", t.Text, v.Text)
					return r, false
				}
				if t.Text == "sport" {
					r.SPort = v.Text
				} else {
					r.DPort = v.Text
				}
			}
		case "no_track":
			r.NoTrack = true
		case "track_group":
			if !static {
				c.Report(t.Pos, generalError, "Unknown rule option %s", t.Text)
				return r, false
			}
			if !c.trackGroupArg(next, &r.TrackGroup) {
				return r, false
			}
		default:
			w := t
			if w.Text == "type" {
				v, ok := next()
				if !ok {
					return r, false
				}
				w = v
			}
			switch w.Text {
			case "goto":
				v, ok := next()
				if !ok {
					return r, false
				}
				n, err := strconv.ParseUint(v.Text, 0, 32)
				if err != nil {
					c.Report(v.Pos, generalError, "Invalid target %s specified", v.Text)
					return r, false
				}
				if !setAction(w, "goto") {
					return r, false
				}
				r.Goto = uint32(n)
			case "nop", "blackhole", "prohibit", "unreachable":
				if !setAction(w, w.Text) {
					return r, false
				}
			default:
				if t.Text == "type" {
					c.Report(w.Pos, generalError, "Invalid rule action %s", w.Text)
				} else {
					c.Report(w.Pos, generalError, "Unknown rule option %s", w.Text)
				}
				return r, false
			}
		}
	}
	if r.Action == "goto" {
		if !r.HasPriority {
			c.Report(item[0].Pos, generalError, "Invalid rule - goto target %d specified without preference", r.Goto)
			return r, false
		}
		if r.Priority >= r.Goto {
			c.Report(item[0].Pos, generalError, "Invalid rule - preference %d >= goto target %d", r.Priority, r.Goto)
			return r, false
		}
	}
	if r.Action == "" {
		c.Report(item[0].Pos, generalError, "No action specified for rule - ignoring")
		return r, false
	}
	if r.Action != "table" && (r.SuppressPrefixLen >= 0 || r.SuppressIfGroup != "" || r.Realms != "") {
		c.Report(item[0].Pos, generalError, "suppressor/realm specified for non table action - skipping")
		return r, false
	}
	if !r.NoTrack && r.Protocol != "" && r.Protocol != "keepalived" && r.Protocol != "18" {
		c.Report(item[0].Pos, generalError, "Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(%d), resetting protocol", 18)
	}
	if !r.NoTrack {
		r.Protocol = "keepalived"
	}
	if r.TrackGroup != "" && r.IIf == "" {
		c.Report(item[0].Pos, generalError, "Static rule cannot have track_group if dev/iif not specified")
		r.TrackGroup = ""
	}
	if r.Family == config.FamilyUnspec {
		r.Family = config.IPv4
	}
	if !r.HasPriority {
		// keepalived counts down from RULE_START_PRIORITY (16384) per
		// family, with a warning.
		p := &c.vrrp.rulePrio4
		if r.Family == config.IPv6 {
			p = &c.vrrp.rulePrio6
		}
		if *p == 0 {
			*p = 16384
		}
		r.Priority, r.HasPriority = *p, true
		*p--
		c.Report(item[0].Pos, generalError, "Rule has no preference specified - setting to %d. This is probably not what you want.", r.Priority)
	}
	return r, true
}

// trackGroupArg reads the track_group of a static route or rule: a
// duplicate ends the entry, an unknown group is reported and left unset.
func (c *ctx) trackGroupArg(next func() (token, bool), group *string) bool {
	v, ok := next()
	if !ok {
		return false
	}
	if *group != "" {
		c.Report(v.Pos, generalError, "track_group %s is a duplicate", v.Text)
		return false
	}
	if c.findTrackGroup(v.Text) {
		*group = v.Text
	} else {
		c.Report(v.Pos, generalError, "track_group %s not found", v.Text)
	}
	return true
}
