package parser

// bgp_speaker: the keepalived-go extension announcing service addresses
// over BGP (docs/bgp.md). keepalived 2.2.7 has no such keyword: it reports
// each line of the block as an unknown top-level keyword and carries on,
// so none of the words below may be a keepalived top-level keyword
// (TestBGPWordsAreNotKeepalivedKeywords).

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// bgpTopKeywords is the extension's share of the top-level table; it is
// read in the parent pass, with global_defs.
func bgpTopKeywords() table {
	return table{"bgp_speaker": {Kind: kwBlock, Handle: bgpStart, End: bgpEnd, Sub: bgpKeywords()}}
}

func bgpKeywords() table {
	return table{
		"local_as":                {Handle: inBGP(bgpASN("local_as", func(b *config.BGP, n uint32) { b.LocalAS = n }))},
		"router_id":               {Handle: inBGP(bgpAddr("router_id", func(b *config.BGP, a netip.Addr) { b.RouterID = a }))},
		"next_hop":                {Handle: inBGP(bgpAddr("next_hop", func(b *config.BGP, a netip.Addr) { b.NextHop = a }))},
		"med":                     {Handle: inBGP(bgpUint32("med", func(b *config.BGP, n uint32) { b.MED, b.MEDSet = n, true }))},
		"local_preference":        {Handle: inBGP(bgpUint32("local_preference", func(b *config.BGP, n uint32) { b.LocalPref, b.LocalPrefSet = n, true }))},
		"community":               {Handle: inBGP(bgpCommunity)},
		"listen_port":             {Handle: inBGP(bgpListenPort)},
		"drain_time":              {Handle: inBGP(bgpDrainTime)},
		"neighbor":                {Handle: inBGP(bgpNeighbor)},
		"neighbour":               {Handle: inBGP(bgpNeighbor)},
		"announce_vrrp_instance":  {Handle: inBGP(bgpAnnounceVRRP)},
		"announce_virtual_server": {Handle: inBGP(bgpAnnounceVS)},
	}
}

// inBGP runs h only inside a bgp_speaker block that is being kept.
func inBGP(h func(c *ctx, b *config.BGP, kw token, args []token)) func(c *ctx, kw token, args []token) {
	return inOpen(func(c *ctx) *config.BGP { return c.Cfg.BGP }, h)
}

func bgpStart(c *ctx, kw token, args []token) {
	if c.Cfg.BGP != nil {
		c.Report(kw.Pos, generalError, "bgp_speaker already specified - ignoring")
		c.SkipBlock()
		return
	}
	c.Cfg.BGP, c.bgpPos = &config.BGP{}, kw.Pos
}

// bgpEnd drops a block that cannot open a session: a speaker without its
// own AS, router id or a neighbour would only log errors at runtime.
func bgpEnd(c *ctx) {
	b := c.Cfg.BGP
	if b == nil {
		return
	}
	var missing []string
	if b.LocalAS == 0 {
		missing = append(missing, "local_as")
	}
	if !b.RouterID.Is4() {
		missing = append(missing, "router_id")
	}
	if len(b.Neighbors) == 0 {
		missing = append(missing, "neighbor")
	}
	if len(missing) > 0 {
		c.Report(c.bgpPos, generalError, "bgp_speaker: missing %s - disabling BGP", strings.Join(missing, ", "))
		c.Cfg.BGP = nil
	}
}

func bgpASN(name string, set func(*config.BGP, uint32)) func(c *ctx, b *config.BGP, kw token, args []token) {
	return func(c *ctx, b *config.BGP, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		n, ok := c.quietUint(args[0], 1, 4294967295)
		if !ok {
			c.Report(args[0].Pos, generalError, "bgp_speaker: %s %s is not a valid AS number - ignoring", name, args[0].Text)
			return
		}
		set(b, uint32(n))
	}
}

func bgpUint32(name string, set func(*config.BGP, uint32)) func(c *ctx, b *config.BGP, kw token, args []token) {
	return func(c *ctx, b *config.BGP, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		n, ok := c.quietUint(args[0], 0, 4294967295)
		if !ok {
			c.Report(args[0].Pos, generalError, "bgp_speaker: %s %s is not valid (must be in range [0-4294967295]) - ignoring", name, args[0].Text)
			return
		}
		set(b, uint32(n))
	}
}

func bgpAddr(name string, set func(*config.BGP, netip.Addr)) func(c *ctx, b *config.BGP, kw token, args []token) {
	return func(c *ctx, b *config.BGP, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		a, ok := stoAddr(args[0].Text)
		if !ok {
			c.Report(args[0].Pos, generalError, "bgp_speaker: %s %s is not an address - ignoring", name, args[0].Text)
			return
		}
		set(b, a)
	}
}

// bgpCommunity takes one or more ASN:VALUE words (RFC 1997 communities).
func bgpCommunity(c *ctx, b *config.BGP, kw token, args []token) {
	if !c.Require(kw, args, 1) {
		return
	}
	for _, a := range args {
		v, ok := parseCommunity(a.Text)
		if !ok {
			c.Report(a.Pos, generalError, "bgp_speaker: community %s is not ASN:VALUE (each 0-65535) - ignoring", a.Text)
			continue
		}
		b.Communities = append(b.Communities, v)
	}
}

func parseCommunity(s string) (uint32, bool) {
	hi, lo, ok := strings.Cut(s, ":")
	if !ok {
		return 0, false
	}
	h, err1 := strconv.ParseUint(hi, 10, 16)
	l, err2 := strconv.ParseUint(lo, 10, 16)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return uint32(h)<<16 | uint32(l), true
}

func bgpListenPort(c *ctx, b *config.BGP, kw token, args []token) {
	if !c.Require(kw, args, 1) {
		return
	}
	n, ok := c.quietUint(args[0], 1, 65535)
	if !ok {
		c.Report(args[0].Pos, generalError, "bgp_speaker: listen_port %s is not a port - ignoring", args[0].Text)
		return
	}
	b.ListenPort = int(n)
}

func bgpDrainTime(c *ctx, b *config.BGP, kw token, args []token) {
	if !c.Require(kw, args, 1) {
		return
	}
	d, ok := c.quietTimer(args[0], 3, 0, time.Hour)
	if !ok {
		c.Report(args[0].Pos, generalError, "bgp_speaker: drain_time %s is not valid (seconds, 0-3600) - ignoring", args[0].Text)
		return
	}
	b.DrainTime = d
}

// bgpNeighbor is `neighbor ADDR remote_as N [hold_time S] [port N]
// [passive] [bfd NAME]`, on one line: a nested block would make keepalived 2.2.7 read
// its closing brace as the end of the file's top level.
func bgpNeighbor(c *ctx, b *config.BGP, kw token, args []token) {
	if !c.Require(kw, args, 1) {
		return
	}
	a, ok := stoAddr(args[0].Text)
	if !ok {
		c.Report(args[0].Pos, generalError, "bgp_speaker: neighbor %s is not an address - ignoring", args[0].Text)
		return
	}
	n := config.BGPNeighbor{Addr: a}
	for i := 1; i < len(args); i++ {
		opt := args[i]
		if opt.Text == "passive" {
			n.Passive = true
			continue
		}
		if i+1 >= len(args) {
			c.Report(opt.Pos, generalError, "bgp_speaker: neighbor %s: %s needs a value - ignoring neighbor", a, opt.Text)
			return
		}
		i++
		if !bgpNeighborOption(c, &n, opt, args[i]) {
			return
		}
	}
	if n.RemoteAS == 0 {
		c.Report(args[0].Pos, generalError, "bgp_speaker: neighbor %s has no remote_as - ignoring", a)
		return
	}
	for _, o := range b.Neighbors {
		if o.Addr == a {
			c.Report(args[0].Pos, generalError, "bgp_speaker: neighbor %s already specified - ignoring", a)
			return
		}
	}
	b.Neighbors = append(b.Neighbors, n)
}

func bgpNeighborOption(c *ctx, n *config.BGPNeighbor, opt, val token) bool {
	bad := func(what string) bool {
		c.Report(val.Pos, generalError, "bgp_speaker: neighbor %s: %s %s is not %s - ignoring neighbor", n.Addr, opt.Text, val.Text, what)
		return false
	}
	switch opt.Text {
	case "remote_as":
		v, ok := c.quietUint(val, 1, 4294967295)
		if !ok {
			return bad("an AS number")
		}
		n.RemoteAS = uint32(v)
	case "hold_time":
		// RFC 4271 allows 0 (no keepalives, no failure detection); a
		// director that must be withdrawn when it dies needs a real hold
		// time, so only 3-65535 s.
		v, ok := c.quietUint(val, 3, 65535)
		if !ok {
			return bad("3-65535 seconds")
		}
		n.HoldTime = time.Duration(v) * time.Second
	case "port":
		v, ok := c.quietUint(val, 1, 65535)
		if !ok {
			return bad("a port")
		}
		n.Port = int(v)
	case "bfd":
		// The bfd_instance may come later in the file: the speaker checks
		// the name when it starts.
		n.BFD = val.Text
	default:
		c.Report(opt.Pos, generalError, "bgp_speaker: neighbor %s: unknown option %s - ignoring neighbor", n.Addr, opt.Text)
		return false
	}
	return true
}

// bgpAnnounceVRRP is `announce_vrrp_instance NAME [master]`. The instance
// is looked up when the speaker starts: the VRRP side is read after this
// block's pass.
func bgpAnnounceVRRP(c *ctx, b *config.BGP, kw token, args []token) {
	if !c.Require(kw, args, 1) {
		return
	}
	a := config.BGPAnnounce{Kind: config.AnnounceVRRP, Name: args[0].Text}
	for _, w := range args[1:] {
		if w.Text != "master" {
			c.Report(w.Pos, generalError, "bgp_speaker: announce_vrrp_instance %s: unknown option %s - ignoring it", a.Name, w.Text)
			continue
		}
		a.MasterOnly = true
	}
	b.Announce = append(b.Announce, a)
}

// bgpAnnounceVS is `announce_virtual_server ADDR PORT [TCP|UDP|SCTP]`.
func bgpAnnounceVS(c *ctx, b *config.BGP, kw token, args []token) {
	if !c.Require(kw, args, 2) {
		return
	}
	addr, ok := stoAddr(args[0].Text)
	port, pok := c.quietUint(args[1], 0, 65535)
	if !ok || !pok {
		c.Report(args[0].Pos, generalError, "bgp_speaker: announce_virtual_server %s %s is not ADDRESS PORT - ignoring", args[0].Text, args[1].Text)
		return
	}
	proto := "tcp"
	if len(args) > 2 {
		proto = strings.ToLower(args[2].Text)
		if proto != "tcp" && proto != "udp" && proto != "sctp" {
			c.Report(args[2].Pos, generalError, "bgp_speaker: announce_virtual_server: unknown protocol %s - ignoring", args[2].Text)
			return
		}
	}
	b.Announce = append(b.Announce, config.BGPAnnounce{Kind: config.AnnounceVirtualServer,
		Service: netip.AddrPortFrom(addr, uint16(port)), Protocol: proto})
}
