package parser

import (
	"math"
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/config"
)

// ruleItem is one rule item being read (keepalived's alloc_rule).
type ruleItem struct {
	*itemArgs
	r      config.Rule
	static bool
}

// ruleOptions are the rule keywords; any other word is an action,
// optionally after "type".
var ruleOptions = map[string]func(p *ruleItem) bool{
	"inet": (*ruleItem).family, "inet6": (*ruleItem).family,
	"from": (*ruleItem).fromTo, "to": (*ruleItem).fromTo,
	"table": (*ruleItem).table, "lookup": (*ruleItem).table,
	"not":        func(p *ruleItem) bool { p.r.Not = true; return true },
	"preference": (*ruleItem).preference, "order": (*ruleItem).preference, "priority": (*ruleItem).preference,
	"tos": (*ruleItem).tos, "dsfield": (*ruleItem).tos,
	"fwmark":                (*ruleItem).fwmark,
	"realms":                (*ruleItem).realms,
	"suppress_prefixlength": (*ruleItem).suppressPrefixLen, "sup_pl": (*ruleItem).suppressPrefixLen,
	"suppress_ifgroup": (*ruleItem).suppressIfGroup, "sup_group": (*ruleItem).suppressIfGroup,
	"dev": (*ruleItem).dev, "iif": (*ruleItem).dev, "oif": (*ruleItem).dev,
	"tunnel-id": (*ruleItem).tunnelID,
	"uidrange":  (*ruleItem).uidRange,
	"l3mdev":    func(p *ruleItem) bool { return p.setAction(p.opt, "l3mdev") },
	"protocol":  (*ruleItem).protocol,
	"ipproto": func(p *ruleItem) bool {
		v, ok := p.value()
		p.r.IPProto = v.Text
		return ok
	},
	"sport": (*ruleItem).port, "dport": (*ruleItem).port,
	"no_track":    func(p *ruleItem) bool { p.r.NoTrack = true; return true },
	"track_group": (*ruleItem).trackGroup,
}

// parseRule reads one rule item (keepalived's alloc_rule). Any error drops
// the whole rule, as keepalived does.
func (c *ctx) parseRule(item []token, static bool) (config.Rule, bool) {
	p := &ruleItem{
		itemArgs: c.itemArgs(item, "Rule option %s is missing a value"),
		r:        config.Rule{SuppressPrefixLen: -1},
		static:   static,
	}
	for p.next() {
		h := ruleOptions[p.opt.Text]
		if h == nil {
			h = (*ruleItem).action
		}
		if !h(p) {
			return p.r, false
		}
	}
	if !p.check() {
		return p.r, false
	}
	p.defaults()
	return p.r, true
}

// check refuses a rule that is wrong as a whole.
func (p *ruleItem) check() bool {
	r, pos := &p.r, p.words[0].Pos
	if r.Action == "goto" {
		if !r.HasPriority {
			p.c.Report(pos, generalError, "Invalid rule - goto target %d specified without preference", r.Goto)
			return false
		}
		if r.Priority >= r.Goto {
			p.c.Report(pos, generalError, "Invalid rule - preference %d >= goto target %d", r.Priority, r.Goto)
			return false
		}
	}
	if r.Action == "" {
		p.c.Report(pos, generalError, "No action specified for rule - ignoring")
		return false
	}
	if r.Action != "table" && (r.SuppressPrefixLen >= 0 || r.SuppressIfGroup != "" || r.Realms != "") {
		p.c.Report(pos, generalError, "suppressor/realm specified for non table action - skipping")
		return false
	}
	return true
}

// defaults fills in the protocol, family and preference keepalived gives
// a rule.
func (p *ruleItem) defaults() {
	r, pos := &p.r, p.words[0].Pos
	if !r.NoTrack && r.Protocol != "" && r.Protocol != "keepalived" && r.Protocol != "18" {
		p.c.Report(pos, generalError, "Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(%d), resetting protocol", 18)
	}
	if !r.NoTrack {
		r.Protocol, r.ProtocolID = "keepalived", 18
	}
	if r.TrackGroup != "" && r.IIf == "" {
		p.c.Report(pos, generalError, "Static rule cannot have track_group if dev/iif not specified")
		r.TrackGroup = ""
	}
	if r.Family == config.FamilyUnspec {
		r.Family = config.IPv4
	}
	if !r.HasPriority {
		// keepalived counts down from RULE_START_PRIORITY (16384) per
		// family, with a warning.
		next := &p.c.vrrp.rulePrio4
		if r.Family == config.IPv6 {
			next = &p.c.vrrp.rulePrio6
		}
		if *next == 0 {
			*next = 16384
		}
		r.Priority, r.HasPriority = *next, true
		*next--
		p.c.Report(pos, generalError, "Rule has no preference specified - setting to %d. This is probably not what you want.", r.Priority)
	}
}

func (p *ruleItem) setFam(t token, f config.Family) bool {
	if p.r.Family == config.FamilyUnspec {
		p.r.Family = f
		return true
	}
	if p.r.Family != f {
		p.c.Report(t.Pos, generalError, "rule specification has mixed IPv4 and IPv6")
		return false
	}
	return true
}

func (p *ruleItem) setAction(t token, a string) bool {
	if p.r.Action != "" {
		p.c.Report(t.Pos, generalError, "Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule")
		return false
	}
	p.r.Action = a
	return true
}

func (p *ruleItem) family() bool {
	t := p.opt
	f := config.IPv4
	if t.Text == "inet6" {
		f = config.IPv6
	}
	if p.r.Family != config.FamilyUnspec && p.r.Family != f {
		p.c.Report(t.Pos, generalError, "%s specified for %s rule", t.Text, map[bool]string{true: "IPv4", false: "IPv6"}[f == config.IPv6])
		return false
	}
	p.r.Family = f
	// keepalived 2.2.7 steps over the word after inet/inet6 (its loop
	// advances twice), so "inet6 fwmark 5" reads 5 as the action.
	if p.more() {
		p.advance()
	}
	return true
}

func (p *ruleItem) fromTo() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	a, ok := p.c.parseRouteDst(v)
	if !ok {
		p.c.Report(v.Pos, generalError, "Invalid rule %s address %s", p.opt.Text, v.Text)
		return false
	}
	if a.IsValid() && !p.setFam(v, config.FamilyOf(a.Addr())) {
		return false
	}
	if p.opt.Text == "from" {
		p.r.From, p.r.FromAny = a, !a.IsValid()
	} else {
		p.r.To, p.r.ToAny = a, !a.IsValid()
	}
	return true
}

func (p *ruleItem) table() bool {
	n, v, ok := p.lookup("rt_tables", math.MaxUint32, "Routing table %s not found for rule")
	if !ok {
		return false
	}
	if n == 0 {
		p.c.Report(v.Pos, generalError, "Table 0 is not valid")
		return false
	}
	if !p.setAction(p.opt, "table") {
		return false
	}
	p.r.Table = n
	return true
}

func (p *ruleItem) preference() bool {
	n, _, ok := p.number(0, 32, 0, math.MaxUint32, "Invalid rule preference %s specified")
	p.r.Priority, p.r.HasPriority = uint32(n), true
	return ok
}

func (p *ruleItem) tos() bool {
	n, _, ok := p.lookup("rt_dsfield", 255, "TOS value %s is invalid")
	p.r.Tos = uint8(n)
	return ok
}

// fwmark is MARK[/MASK].
func (p *ruleItem) fwmark() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	mark, mask, hasMask := strings.Cut(v.Text, "/")
	m, err := strconv.ParseUint(mark, 0, 32)
	mk := uint64(math.MaxUint32)
	var err2 error
	if hasMask {
		mk, err2 = strconv.ParseUint(mask, 0, 32)
	}
	if err != nil || err2 != nil {
		p.c.Report(v.Pos, generalError, "Invalid rule fwmark %s specified", v.Text)
		return false
	}
	p.r.FwMark, p.r.FwMask, p.r.HasFwMark = uint32(m), uint32(mk), true
	return true
}

func (p *ruleItem) realms() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	n, ok := realms(v.Text)
	if !ok {
		p.c.Report(v.Pos, generalError, "invalid realms %s for rule", v.Text)
		return false
	}
	if !p.setFam(v, config.IPv4) {
		p.c.Report(v.Pos, generalError, "realms is only valid for IPv4")
		return false
	}
	p.r.Realms, p.r.RealmsValue = v.Text, n
	return true
}

func (p *ruleItem) suppressPrefixLen() bool {
	n, _, ok := p.number(0, 8, 0, 128, "Invalid suppress_prefixlength %s specified")
	p.r.SuppressPrefixLen = int(n)
	return ok
}

func (p *ruleItem) suppressIfGroup() bool {
	n, v, ok := p.lookup("group", math.MaxUint32, "suppress_group %s is invalid")
	p.r.SuppressIfGroup, p.r.SuppressIfGroupID = v.Text, n
	return ok
}

// dev is dev/iif (the input interface) or oif.
func (p *ruleItem) dev() bool {
	v, ok := p.itemArgs.dev("WARNING - interface %s for rule doesn't exist")
	if !ok {
		return false
	}
	if p.opt.Text == "oif" {
		p.r.OIf = v.Text
	} else {
		p.r.IIf = v.Text
	}
	return true
}

func (p *ruleItem) tunnelID() bool {
	n, _, ok := p.number(0, 64, 0, math.MaxUint64, "Invalid tunnel-id %s specified")
	p.r.TunnelID = n
	return ok
}

// uidRange is LO-HI.
func (p *ruleItem) uidRange() bool {
	v, ok := p.value()
	if !ok {
		return false
	}
	lo, hi, ok2 := strings.Cut(v.Text, "-")
	_, e1 := strconv.ParseUint(lo, 10, 32)
	_, e2 := strconv.ParseUint(hi, 10, 32)
	if !ok2 || e1 != nil || e2 != nil {
		p.c.Report(v.Pos, generalError, "Invalid uidrange %s specified", v.Text)
		return false
	}
	p.r.UIDRange = v.Text
	return true
}

func (p *ruleItem) protocol() bool {
	n, v, ok := p.lookup("rt_protos", 255, "Invalid protocol %s")
	p.r.Protocol, p.r.ProtocolID = v.Text, uint8(n)
	return ok
}

// port is sport/dport: PORT or LO-HI.
func (p *ruleItem) port() bool {
	t := p.opt
	v, ok := p.value()
	if !ok {
		return false
	}
	lo, hi, has := strings.Cut(v.Text, "-")
	_, e1 := strconv.ParseUint(lo, 10, 16)
	var e2 error
	if has {
		_, e2 = strconv.ParseUint(hi, 10, 16)
	}
	if e1 != nil || e2 != nil {
		p.c.Report(v.Pos, generalError, "invalid %s range %s", t.Text, v.Text)
		return false
	}
	if t.Text == "sport" {
		p.r.SPort = v.Text
	} else {
		p.r.DPort = v.Text
	}
	return true
}

func (p *ruleItem) trackGroup() bool {
	if !p.static {
		p.c.Report(p.opt.Pos, generalError, "Unknown rule option %s", p.opt.Text)
		return false
	}
	return p.c.trackGroupArg(p.value, &p.r.TrackGroup)
}

// action is any other word: goto TARGET, nop, blackhole, prohibit or
// unreachable, optionally after "type".
func (p *ruleItem) action() bool {
	w := p.opt
	if w.Text == "type" {
		v, ok := p.value()
		if !ok {
			return false
		}
		w = v
	}
	switch w.Text {
	case "goto":
		n, _, ok := p.number(0, 32, 0, math.MaxUint32, "Invalid target %s specified")
		if !ok || !p.setAction(w, "goto") {
			return false
		}
		p.r.Goto = uint32(n)
		return true
	case "nop", "blackhole", "prohibit", "unreachable":
		return p.setAction(w, w.Text)
	}
	// keepalived takes any route type, by name or number, as an action
	// here, and refuses all but the three a rule can have.
	if id, ok := rtnTypeID(w.Text); ok {
		if a := ruleActions[id]; a != "" {
			return p.setAction(w, a)
		}
		p.c.Report(w.Pos, generalError, "Invalid rule action %s", w.Text)
		return false
	}
	p.c.Report(w.Pos, generalError, "Unknown rule option %s", w.Text)
	return false
}
