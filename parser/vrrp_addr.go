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
	a, bits, ok := c.splitPrefix(t, allowLen)
	if !ok || (bits.max == 32) != a.Is4() {
		c.Report(t.Pos, generalError, "VRRP parsed invalid IP %s. skipping IP...", t.Text)
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, bits.n), true
}

// prefixLen is a prefix length as read, n, and the most the family the
// text suggests allows, max.
type prefixLen struct{ n, max int }

// splitPrefix reads ADDR[/LEN] without a zone; the family comes from a ':'
// anywhere. A bad length is reported and the full length used; with
// allowLen false a "/LEN" makes the address invalid.
func (c *ctx) splitPrefix(t token, allowLen bool) (netip.Addr, prefixLen, bool) {
	s := t.Text
	l := prefixLen{max: 32}
	if strings.Contains(s, ":") {
		l.max = 128
	}
	l.n = l.max
	if i := strings.IndexByte(s, '/'); i >= 0 && allowLen {
		n, err := strconv.ParseUint(s[i+1:], 10, 8)
		if err != nil || int(n) > l.max {
			c.Report(t.Pos, generalError, "Invalid address prefix len %s for address %s - using %d", s[i+1:], s, l.max)
		} else {
			l.n = int(n)
		}
		s = s[:i]
	}
	a, err := netip.ParseAddr(s)
	return a, l, err == nil && a.Zone() == ""
}

var scopeNames = "rt_scopes"

// addrItem is one address item being read (keepalived's parse_ipaddress
// and its options).
type addrItem struct {
	*itemArgs
	a       config.Address
	static  bool
	v6      bool
	text    string // the address as written, for messages
	brd     int    // -1: '+' (all ones), -2: '-' (all zeros)
	haveBrd bool
	lftSet  bool
}

// addrOptions are the address keywords taking a value or a check; the
// flags are in addrFlags.
var addrOptions = map[string]func(p *addrItem) bool{
	"dev":           (*addrItem).dev,
	"scope":         (*addrItem).scope,
	"broadcast":     (*addrItem).broadcast,
	"brd":           (*addrItem).broadcast,
	"label":         (*addrItem).label,
	"peer":          (*addrItem).peer,
	"preferred_lft": (*addrItem).preferredLft,
	"track_group":   (*addrItem).trackGroup,
	"use_vmac":      (*addrItem).useVMAC,
}

var addrFlags = map[string]func(a *config.Address){
	"home":          func(a *config.Address) { a.Home = true },
	"-nodad":        func(a *config.Address) { a.NoDAD = true },
	"mngtmpaddr":    func(a *config.Address) { a.MngTmpAddr = true },
	"noprefixroute": func(a *config.Address) { a.NoPrefixRoute = true },
	"autojoin":      func(a *config.Address) { a.AutoJoin = true },
	"no_track":      func(a *config.Address) { a.NoTrack = true },
}

// parseAddress reads one address item; static selects static_ipaddress
// (track_group allowed, use_vmac not). Unknown options are reported and
// skipped; a bad value drops the address.
func (c *ctx) parseAddress(item []token, static bool) (config.Address, bool) {
	pfx, ok := c.parsePrefix(item[0], true)
	if !ok {
		return config.Address{}, false
	}
	c.addrArgs = itemArgs{c: c, words: item, i: -1, missing: "No %s parameter specified for %s"}
	if len(item) > 1 { // the message's argument, only where an option may lack its value
		c.addrArgs.extra = []any{item[0].Text}
	}
	c.addr = addrItem{
		itemArgs: &c.addrArgs,
		a:        config.Address{Prefix: pfx},
		static:   static,
		v6:       pfx.Addr().Is6(),
		text:     item[0].Text,
	}
	p := &c.addr
	p.next() // the address itself
	for p.next() {
		if set := addrFlags[p.opt.Text]; set != nil {
			set(&p.a)
			continue
		}
		h := addrOptions[p.opt.Text]
		if h == nil {
			h = (*addrItem).unknown
		}
		if !h(p) {
			return p.a, false
		}
	}
	p.finish()
	return p.a, true
}

func (p *addrItem) unknown() bool {
	p.c.Report(p.opt.Pos, generalError, "Unknown configuration entry '%s' for ip address - ignoring", p.opt.Text)
	return true
}

func (p *addrItem) dev() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	if p.a.DevSet {
		p.c.Report(v.Pos, generalError, "Cannot specify ipaddress device more than once for %s", p.text)
		return false
	}
	p.c.lookupIf(v.Pos, v.Text, "WARNING - interface %s for ip address %s doesn't exist", v.Text, p.text)
	p.a.Dev, p.a.DevSet = v.Text, true
	return true
}

func (p *addrItem) scope() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	if n, ok := rtLookup(scopeNames, v.Text, 255); ok {
		p.a.Scope = uint8(n)
	} else {
		p.c.Report(v.Pos, generalError, "Invalid scope '%s' specified for %s - ignoring", v.Text, p.text)
	}
	return true
}

// broadcast is an address, or '+'/'-' for all ones/zeros in the host
// part (computed by finish once the prefix is final).
func (p *addrItem) broadcast() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	if p.v6 {
		p.c.Report(p.opt.Pos, generalError, "VRRP is trying to assign a broadcast %s to the IPv6 address %s !!?? WTF... skipping VIP...", v.Text, p.text)
		return false
	}
	p.haveBrd = true
	switch v.Text {
	case "-":
		p.brd = -2
	case "+":
		p.brd = -1
	default:
		b, err := netip.ParseAddr(v.Text)
		if err != nil || !b.Is4() {
			p.c.Report(v.Pos, generalError, "VRRP is trying to assign invalid broadcast %s. skipping VIP...", v.Text)
			return false
		}
		p.a.Brd, p.a.HasBrd = b, true
	}
	return true
}

func (p *addrItem) label() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	if len(v.Text) >= 16 {
		p.c.Report(v.Pos, generalError, "Address label %s is longer than maximum length %d - removing address", v.Text, 15)
		return false
	}
	p.a.Label = v.Text
	return true
}

// peer sets the peer address; its prefix length becomes the address's.
func (p *addrItem) peer() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	if p.a.Peer.IsValid() {
		p.c.Report(v.Pos, generalError, "Peer %s - another peer has already been specified", v.Text)
		return true
	}
	pp, ok := p.c.parsePrefixQuiet(v.Text)
	switch {
	case !ok:
		p.c.Report(v.Pos, generalError, "Invalid peer address %s", v.Text)
	case pp.Addr().Is6() != p.v6:
		p.c.Report(v.Pos, generalError, "Peer address %s does not match address family", v.Text)
	default:
		if p.a.Prefix.Bits() != p.a.Prefix.Addr().BitLen() {
			p.c.Report(v.Pos, generalError, "Cannot specify address prefix when specifying peer address - ignoring")
		}
		p.a.Peer = pp
		p.a.Prefix = netip.PrefixFrom(p.a.Prefix.Addr(), pp.Bits())
	}
	return true
}

func (p *addrItem) preferredLft() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	if v.Text == "forever" {
		p.a.PreferredLft, p.lftSet = math.MaxUint32, true
	} else if n, err := strconv.ParseUint(v.Text, 10, 32); err == nil {
		p.a.PreferredLft, p.lftSet = uint32(n), true
	} else {
		p.c.Report(v.Pos, generalError, "preferred_lft %s is invalid", v.Text)
	}
	return true
}

// trackGroup: only static addresses have one; a duplicate ends the item.
func (p *addrItem) trackGroup() bool {
	if !p.static {
		return p.unknown()
	}
	v, ok := p.value()
	if !ok {
		return false
	}
	if p.a.TrackGroup != "" {
		p.c.Report(v.Pos, generalError, "track_group %s is a duplicate", v.Text)
		p.stop()
		return true
	}
	if p.c.findTrackGroup(v.Text) {
		p.a.TrackGroup = v.Text
	} else {
		p.c.Report(v.Pos, generalError, "track_group %s not found", v.Text)
	}
	return true
}

func (p *addrItem) useVMAC() bool {
	if p.static {
		return p.unknown()
	}
	p.a.UseVMAC = true
	return true
}

// finish settles the broadcast address, drops what IPv6 addresses cannot
// have, and defaults the preferred lifetime.
func (p *addrItem) finish() {
	a, pos := &p.a, p.words[0].Pos
	switch {
	case p.haveBrd && a.Peer.IsValid():
		p.c.Report(pos, generalError, "Cannot specify broadcast and peer addresses - ignoring broadcast address")
		a.Brd, a.HasBrd = netip.Addr{}, false
	case p.brd < 0 && a.Prefix.Bits() <= 30:
		a.Brd, a.HasBrd = p.hostBroadcast(), true
	case p.brd < 0:
		p.c.Report(pos, generalError, "Address prefix length %d too long for broadcast", a.Prefix.Bits())
	}
	if p.v6 {
		if a.Scope != 0 {
			p.c.Report(pos, generalError, "Cannot specify scope for IPv6 addresses (%s) - ignoring scope", p.text)
			a.Scope = 0
		}
		if a.Label != "" {
			p.c.Report(pos, generalError, "Cannot specify label for IPv6 addresses (%s) - ignoring label", p.text)
			a.Label = ""
		}
	}
	if !p.lftSet {
		// keepalived's old default: a /128 IPv6 address is deprecated.
		if p.v6 && a.Prefix.Bits() == 128 {
			a.PreferredLft = 0
		} else {
			a.PreferredLft = math.MaxUint32
		}
	}
}

// hostBroadcast is '+' or '-': the host part of the address (or its peer)
// all ones or all zeros.
func (p *addrItem) hostBroadcast() netip.Addr {
	base := p.a.Prefix.Addr()
	if p.a.Peer.IsValid() {
		base = p.a.Peer.Addr()
	}
	b := base.As4()
	n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	mask := uint32(0xffffffff) >> p.a.Prefix.Bits()
	if p.brd == -1 {
		n |= mask
	} else {
		n &^= mask
	}
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
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
