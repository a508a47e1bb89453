package parser

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// keepalived's LVS limits (ipvswrapper.h, check_data.h).
const (
	lvsWeightLimit       = 1<<31 - 1 // IPVS_WEIGHT_LIMIT
	lvsMaxTimeout        = 86400 * 31
	lvsPersistentDefault = 360 // IPVS_SVC_PERSISTENT_TIMEOUT
	lvsDefaultDelayLoop  = 60 * time.Second
	lvsDefaultConnectTO  = 5 * time.Second
	lvsDefaultScheduler  = "wlc"
	lvsFwmarkMax         = 1<<32 - 1
)

var lvsSchedulers = map[string]bool{
	"rr": true, "wrr": true, "lc": true, "wlc": true, "lblc": true, "sh": true, "mh": true,
	"dh": true, "fo": true, "ovf": true, "lblcr": true, "sed": true, "nq": true, "twos": true,
}

// lvsTopKeywords: SSL, virtual_server_group, virtual_server (with
// real_server and every checker).
func lvsTopKeywords() table {
	return table{
		"SSL": {Kind: kwBlock, Handle: lvsSSLHandler, Sub: table{
			"password":    {Handle: lvsSSLFile("password", func(s *config.SSL) *string { return &s.Password })},
			"ca":          {Handle: lvsSSLFile("cafile", func(s *config.SSL) *string { return &s.CAFile })},
			"certificate": {Handle: lvsSSLFile("certfile", func(s *config.SSL) *string { return &s.Certificate })},
			"key":         {Handle: lvsSSLFile("keyfile", func(s *config.SSL) *string { return &s.Key })},
		}},
		"virtual_server_group": {Kind: kwItemBlock, Names: 1, Handle: lvsVSGHandler, Item: lvsVSGItem, End: lvsVSGEnd},
		"virtual_server":       {Kind: kwBlock, Handle: lvsVSHandler, Sub: lvsVSTable(), End: lvsVSEnd},
	}
}

// lvsGlobalKeywords: the LVS keywords of global_defs (lvs_timeouts,
// lvs_sync_daemon, lvs_flush, ...).
func lvsGlobalKeywords() table {
	g := func(c *ctx) *config.LVSGlobal { return &c.Cfg.Global.LVS }
	return table{
		"lvs_timeouts":      {Handle: lvsTimeoutsHandler},
		"lvs_flush":         {Handle: func(c *ctx, _ token, _ []token) { g(c).Flush = true }},
		"lvs_flush_on_stop": {Handle: lvsFlushOnStop},
		// Deprecated spelling (after 2.1.5), accepted silently.
		"lvs_flush_onstop": {Handle: lvsFlushOnStop},
		"lvs_sync_daemon":  {Handle: lvsSyncDaemonHandler},
		"nftables_ipvs":    {Handle: lvsNFTHandler},
		"nftables_ipvs_priority": {Handle: func(c *ctx, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.Int(args[0], -1<<31, 1<<31-1)
			if !ok {
				c.Report(args[0].Pos, invalidNumber, "invalid ipvs nftables chain priority '%s'", args[0].Text)
				return
			}
			if nf := g(c).NFTables; nf != nil {
				nf.Priority = int32(n)
			}
		}},
		"nftables_ipvs_start_fwmark": {Handle: func(c *ctx, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.Uint(args[0], 1, 1<<32-1)
			if !ok {
				c.Report(args[0].Pos, invalidNumber, "invalid ipvs nftables start_fwmark priority '%s'", args[0].Text)
				return
			}
			if nf := g(c).NFTables; nf != nil {
				nf.StartFwmark = uint32(n)
			}
		}},
		"lvs_netlink_cmd_rcv_bufs": {Handle: lvsRcvBufs("lvs_netlink_cmd", func(c *ctx) *uint32 { return &g(c).NetlinkCmdRcvBufs })},
		"lvs_netlink_cmd_rcv_bufs_force": {Handle: lvsRcvBufsForce("lvs_netlink_cmd_rcv_bufs_force",
			func(c *ctx) *bool { return &g(c).NetlinkCmdRcvBufsForce })},
		"lvs_netlink_monitor_rcv_bufs": {Handle: lvsRcvBufs("lvs_netlink_monitor", func(c *ctx) *uint32 { return &g(c).NetlinkMonitorRcvBufs })},
		"lvs_netlink_monitor_rcv_bufs_force": {Handle: lvsRcvBufsForce("lvs_netlink_monitor_rcv_bufs_force",
			func(c *ctx) *bool { return &g(c).NetlinkMonitorRcvBufsForce })},
		// 2.3 keywords (unknown to 2.2.7).
		"snmp_vs_stats_update_interval": {Handle: lvsSNMPStats(func(c *ctx) *time.Duration { c.lvs.snmpVSSet = true; return &g(c).SNMPVSStatsInterval })},
		"snmp_rs_stats_update_interval": {Handle: lvsSNMPStats(func(c *ctx) *time.Duration { c.lvs.snmpRSSet = true; return &g(c).SNMPRSStatsInterval })},
	}
}

func lvsTimeoutsHandler(c *ctx, kw token, args []token) {
	t := &c.Cfg.Global.LVS.Timeouts
	if len(args) < 2 {
		c.Report(kw.Pos, generalError, "lvs_timeouts requires at least one option")
		return
	}
	for i := 0; i < len(args); i++ {
		var dst *uint32
		switch args[i].Text {
		case "tcp":
			dst = &t.TCP
		case "tcpfin":
			dst = &t.TCPFin
		case "udp":
			dst = &t.UDP
		default:
			c.Report(args[i].Pos, generalError, "Unknown option %s specified for lvs_timeouts", args[i].Text)
			continue
		}
		if i == len(args)-1 {
			c.Report(args[i].Pos, generalError, "No value specified for lvs_timeout %s - ignoring", args[i].Text)
			continue
		}
		if n, ok := c.Uint(args[i+1], 0, lvsMaxTimeout); ok {
			*dst = uint32(n)
		} else {
			c.Report(args[i+1].Pos, generalError, "Invalid lvs_timeout %s (%s) - ignoring", args[i].Text, args[i+1].Text)
		}
		i++
	}
}

func lvsFlushOnStop(c *ctx, _ token, args []token) {
	switch {
	case len(args) == 0:
		c.Cfg.Global.LVS.FlushOnStop = config.FlushFull
	case args[0].Text == "VS":
		c.Cfg.Global.LVS.FlushOnStop = config.FlushVS
	default:
		c.Report(args[0].Pos, generalError, "Unknown lvs_flush_on_stop type %s", args[0].Text)
	}
}

// lvsSyncDaemonHandler reads both the keyword form (inst/id/maxlen/port/
// ttl/group) and the old positional "IF INST [SYNCID]".
func lvsSyncDaemonHandler(c *ctx, kw token, args []token) {
	g := &c.Cfg.Global.LVS
	if g.SyncDaemon != nil {
		c.Report(kw.Pos, generalError, "lvs_sync_daemon has already been specified as %s %s - ignoring", g.SyncDaemon.Interface, g.SyncDaemon.Instance)
		return
	}
	if len(args) < 1 {
		c.Report(kw.Pos, generalError, "lvs_sync_daemon requires interface")
		return
	}
	if len(args[0].Text) >= 16 { // IP_VS_IFNAME_MAXLEN
		c.Report(args[0].Pos, generalError, "lvs_sync_daemon interface name '%s' too long - ignoring", args[0].Text)
		return
	}
	sd := &config.SyncDaemon{Interface: args[0].Text}
	g.SyncDaemon = sd
	// word positions are counted as keepalived does (keyword = 0)
	for i := 1; i < len(args); i++ {
		w := args[i]
		val := func() (token, bool) {
			if i == len(args)-1 {
				return token{}, false
			}
			i++
			return args[i], true
		}
		switch w.Text {
		case "inst":
			if i == len(args)-1 {
				// keepalived reads the missing word: abort
				c.Require(kw, args, i+2)
				return
			}
			v, _ := val()
			if sd.Instance != "" {
				c.Report(v.Pos, generalError, "lvs_sync_daemon vrrp instance has already been specified as %s - ignoring", sd.Instance)
			} else {
				sd.Instance = v.Text
			}
			continue
		case "id", "maxlen", "port", "ttl", "group":
			name := w.Text
			v, ok := val()
			if !ok {
				if name == "id" {
					c.Report(w.Pos, generalError, "No value specified for lvs_sync_daemon id, defaulting to vrid")
				} else {
					c.Report(w.Pos, generalError, "No value specified for lvs_sync_daemon %s - ignoring", name)
				}
				continue
			}
			lvsSyncDaemonOption(c, sd, name, v)
			continue
		}
		// The old positional form: IF INST [SYNCID].
		switch i {
		case 1:
			sd.Instance = w.Text
		case 2:
			if n, ok := c.Uint(w, 0, 255); ok {
				c.Report(w.Pos, generalError, "Please use keyword \"id\" before lvs_sync_daemon SYNCID")
				sd.SyncID, sd.SyncIDSet = uint8(n), true
			} else {
				c.Report(w.Pos, generalError, "Invalid syncid (%s) - defaulting to vrid", w.Text)
			}
		default:
			c.Report(w.Pos, generalError, "Unknown option %s specified for lvs_sync_daemon", w.Text)
		}
	}
}

// lvsSyncDaemonOption reads the value v of lvs_sync_daemon's option name
// (id, maxlen, port, ttl, group); a bad value is reported and ignored.
func lvsSyncDaemonOption(c *ctx, sd *config.SyncDaemon, name string, v token) {
	switch name {
	case "id":
		if n, ok := c.Uint(v, 0, 255); ok {
			sd.SyncID, sd.SyncIDSet = uint8(n), true
		} else {
			c.Report(v.Pos, generalError, "Invalid syncid (%s) - defaulting to vrid", v.Text)
		}
	case "maxlen":
		if n, ok := c.Uint(v, 1, 65535-20-8); ok {
			sd.MaxLen = uint16(n)
		} else {
			c.Report(v.Pos, generalError, "Invalid lvs_sync_daemon maxlen (%s) - ignoring", v.Text)
		}
	case "port":
		if n, ok := c.Uint(v, 1, 65535); ok {
			sd.Port = uint16(n)
		} else {
			c.Report(v.Pos, generalError, "Invalid lvs_sync_daemon port (%s) - ignoring", v.Text)
		}
	case "ttl":
		if n, ok := c.Uint(v, 1, 255); ok {
			sd.TTL = uint8(n)
		} else {
			c.Report(v.Pos, generalError, "Invalid lvs_sync_daemon ttl (%s) - ignoring", v.Text)
		}
	case "group":
		ap, ok := lvsSockAddr(v.Text, "")
		switch {
		case !ok:
			c.Report(v.Pos, generalError, "Invalid lvs_sync_daemon group (%s) - ignoring", v.Text)
		case !ap.Addr().IsMulticast():
			c.Report(v.Pos, generalError, "lvs_sync_daemon group address %s is not multicast - ignoring", v.Text)
		default:
			sd.Group = ap.Addr()
		}
	}
}

func lvsNFTHandler(c *ctx, kw token, args []token) {
	g := &c.Cfg.Global.LVS
	if g.NFTables != nil {
		c.Report(kw.Pos, generalError, "ipvs nftables already specified - ignoring")
		return
	}
	name := "keepalived_ipvs"
	if len(args) > 0 {
		if len(args[0].Text) >= 256 { // NFT_TABLE_MAXNAMELEN
			c.Report(args[0].Pos, generalError, "ipvs nftables table name too long - ignoring")
			return
		}
		name = args[0].Text
	}
	g.NFTables = &config.IPVSNFTables{Table: name, Priority: -1, StartFwmark: 1000}
}

func lvsRcvBufs(what string, dst func(*ctx) *uint32) func(*ctx, token, []token) {
	return func(c *ctx, kw token, args []token) {
		if len(args) < 1 {
			c.Report(kw.Pos, generalError, "%s_rcv_bufs size missing", what)
			return
		}
		n, ok := c.Uint(args[0], 0, 1<<32-1)
		if !ok {
			c.Report(args[0].Pos, generalError, "%s_rcv_bufs size (%s) invalid", what, args[0].Text)
			return
		}
		if n != 0 {
			*dst(c) = uint32(n)
		}
	}
}

func lvsRcvBufsForce(what string, dst func(*ctx) *bool) func(*ctx, token, []token) {
	return func(c *ctx, kw token, args []token) {
		v, ok := c.lvsBool(kw, args, "Invalid value for global "+what+" specified:")
		if ok {
			*dst(c) = v
		}
	}
}

func lvsSNMPStats(dst func(*ctx) *time.Duration) func(*ctx, token, []token) {
	return func(c *ctx, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		if d, ok := c.lvsTimer(args[0], time.Millisecond, 30*time.Second); ok {
			*dst(c) = d
		} else {
			c.Report(args[0].Pos, generalError, "%s '%s' invalid - ignoring", kw.Text, args[0].Text)
		}
	}
}

// SSL block.

func lvsSSLHandler(c *ctx, kw token, _ []token) {
	if c.Cfg.LVS.SSL != nil {
		c.Report(kw.Pos, generalError, "SSL context already specified - replacing")
	}
	c.Cfg.LVS.SSL = &config.SSL{}
}

func lvsSSLFile(what string, field func(*config.SSL) *string) func(*ctx, token, []token) {
	return func(c *ctx, kw token, args []token) {
		if c.Cfg.LVS.SSL == nil {
			return
		}
		if len(args) < 1 {
			c.Report(kw.Pos, generalError, "SSL %s missing", what)
			return
		}
		f := field(c.Cfg.LVS.SSL)
		if *f != "" {
			c.Report(kw.Pos, generalError, "SSL %s already specified - replacing", what)
		}
		*f = args[0].Text
	}
}

// virtual_server_group: one address range or fwmark per line.

func lvsVSGHandler(c *ctx, kw token, args []token) {
	if !c.Require(kw, args, 1) {
		return
	}
	// The words after the name ("{ 10.0.0.1 80 }" on one line) are the
	// engine's: keepalived hands alloc_value_block a vector without the
	// name (Names: 1).
	c.lvs.vsg = &lvsVSGBuild{g: &config.VirtualServerGroup{Name: args[0].Text}, pos: kw.Pos}
}

func lvsVSGEnd(c *ctx) {
	b := c.lvs.vsg
	c.lvs.vsg = nil
	if b == nil {
		return
	}
	g := b.g
	switch {
	case len(g.Ranges) == 0 && len(g.Fwmarks) == 0:
		c.Report(b.pos, generalError, "virtual server group %s has no entries - removing", g.Name)
	case b.have4 && b.have6 && b.fwmarkNoFamily:
		c.Report(b.pos, generalError, "virtual server group %s cannot have IPv4, IPv6 and fwmark without family - removing", g.Name)
	default:
		c.lvs.groups = append(c.lvs.groups, g)
	}
}

func lvsVSGItem(c *ctx, item []token) {
	b := c.lvs.vsg
	if b == nil || len(item) == 0 {
		return
	}
	if item[0].Text == "fwmark" {
		lvsVSGFwmark(c, b, item)
		return
	}
	r, ok := lvsVSGRange(c, item)
	if !ok {
		return
	}
	b.g.Ranges = append(b.g.Ranges, r)
	if r.First.Is4() {
		b.have4 = true
	} else {
		b.have6 = true
	}
}

// lvsVSGFwmark is a group's "fwmark N [inet|inet6]" line.
func lvsVSGFwmark(c *ctx, b *lvsVSGBuild, item []token) {
	g := b.g
	if len(item) < 2 {
		c.Require(item[0], item[1:], 1)
		return
	}
	n, ok := c.Uint(item[1], 0, 1<<32-1)
	if !ok {
		c.Report(item[1].Pos, generalError, "(%s): fwmark '%s' must be in [0, %d] - ignoring", g.Name, item[1].Text, uint32(1<<32-1))
		return
	}
	fw := config.GroupFwmark{Mark: uint32(n)}
	if len(item) > 2 {
		switch item[2].Text {
		case "inet":
			fw.Family = config.IPv4
			b.have4 = true
		case "inet6":
			fw.Family = config.IPv6
			b.have6 = true
		default:
			c.Report(item[2].Pos, generalError, "(%s): fwmark '%d' family %s unknown - ignoring", g.Name, n, item[2].Text)
			return
		}
	} else {
		b.fwmarkNoFamily = true
	}
	g.Fwmarks = append(g.Fwmarks, fw)
}

// lvsVSGRange is a group's "ADDR[/LEN|-END] [PORT]" line.
func lvsVSGRange(c *ctx, item []token) (config.AddrRange, bool) {
	addr := item[0].Text
	port := ""
	if len(item) >= 2 {
		port = lvsZeroPort(item[1].Text)
	}
	first, ok := lvsSockAddr(addr, port)
	if !ok {
		sep, p := "", ""
		if port != "" {
			sep, p = "/port/", port
		}
		c.Report(item[0].Pos, generalError, "Invalid virtual server group IP address %s %s%s - skipping", addr, sep, p)
		return config.AddrRange{}, false
	}
	r := config.AddrRange{First: first.Addr(), Last: first.Addr(), Port: first.Port()}
	a := first.Addr()
	bits := a.BitLen()

	if i := strings.IndexByte(addr, '/'); i >= 0 && !strings.Contains(addr[:i], "-") {
		m, err := strconv.ParseUint(addr[i+1:], 10, 32)
		if err != nil || m == 0 || int(m) > bits {
			c.Report(item[0].Pos, generalError, "Invalid netmask - %s - skipping", addr)
			return config.AddrRange{}, false
		}
		pfx := netip.PrefixFrom(a, int(m))
		if pfx.Masked().Addr() != a {
			c.Report(item[0].Pos, generalError, "Address mask bits not empty - %s - skipping", addr)
			return config.AddrRange{}, false
		}
		r.Last = lvsLastOf(pfx)
	} else if i := strings.IndexByte(addr, '-'); i >= 0 {
		end := addr[i+1:]
		if (a.Is4() && strings.Contains(end, ".")) || (a.Is6() && strings.Contains(end, ":")) {
			// Full range form IP-IP.
			e, ok := lvsSockAddr(end, port)
			if !ok {
				c.Report(item[0].Pos, generalError, "Invalid range end %s - skipping", addr)
				return config.AddrRange{}, false
			}
			if e.Addr().Is4() != a.Is4() {
				c.Report(item[0].Pos, generalError, "Range address families do not match %s - skipping", addr)
				return config.AddrRange{}, false
			}
			if e.Addr().Less(a) {
				c.Report(item[0].Pos, generalError, "Address range end is less than address range start - %s - skipping", addr)
				return config.AddrRange{}, false
			}
			r.Last = e.Addr()
		} else {
			last, ok := lvsVSGRangeLast(c, item[0], a, end)
			if !ok {
				return config.AddrRange{}, false
			}
			r.Last = last
		}
	}
	return r, true
}

// lvsVSGRangeLast is the END of t, "ADDR-END": the last octet (IPv4) or
// 16-bit group (IPv6, hex) of the range's last address.
func lvsVSGRangeLast(c *ctx, t token, a netip.Addr, end string) (netip.Addr, bool) {
	base, limit := 10, uint64(255)
	if a.Is6() {
		base, limit = 16, 0xffff
	}
	n, err := strconv.ParseUint(end, base, 64)
	if err != nil {
		// strtoul's prefix; -t treats trailing junk as fatal for the entry
		c.Report(t.Pos, invalidNumber, "Virtual server group range '%s' has extra characters at end", t.Text)
		if c.Opts.TestMode || !lvsHasNumPrefix(end, base) {
			return netip.Addr{}, false
		}
		n, _ = strconv.ParseUint(lvsNumPrefix(end, base), base, 64)
	}
	if n > limit {
		c.Report(t.Pos, invalidNumber, "Virtual server group range '%s' end '%s' too large", t.Text, end)
		return netip.Addr{}, false
	}
	s := a.AsSlice()
	var start uint64
	if a.Is4() {
		start = uint64(s[3])
		s[3] = byte(n)
	} else {
		start = uint64(s[14])<<8 | uint64(s[15])
		s[14], s[15] = byte(n>>8), byte(n)
	}
	if start >= n {
		c.Report(t.Pos, generalError, "Address range end is not greater than address range start - %s - skipping", t.Text)
		return netip.Addr{}, false
	}
	last, _ := netip.AddrFromSlice(s)
	return last, true
}

func lvsHasNumPrefix(s string, base int) bool { return lvsNumPrefix(s, base) != "" }

func lvsNumPrefix(s string, base int) string {
	i := 0
	for i < len(s) {
		ch := s[i]
		if ch >= '0' && ch <= '9' || base == 16 && (ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F') {
			i++
			continue
		}
		break
	}
	return s[:i]
}

// lvsLastOf is the highest address of a prefix.
func lvsLastOf(p netip.Prefix) netip.Addr {
	s := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(s)*8; i++ {
		s[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(s)
	return a
}

// virtual_server.

func lvsVSHandler(c *ctx, kw token, args []token) {
	c.Cfg.LVS.HaveCheckerConfig = true
	c.lvs.vs, c.lvs.rs, c.lvs.chk = nil, nil, nil
	if !c.Require(kw, args, 1) {
		return
	}
	v := &config.VirtualServer{
		Quorum:                 1,
		Weight:                 1,
		DelayLoop:              lvsDefaultDelayLoop,
		ConnectTimeout:         lvsDefaultConnectTO,
		PersistenceGranularity: 0xffffffff,
	}
	switch args[0].Text {
	case "group":
		if !c.Require(kw, args, 2) {
			return
		}
		v.Kind, v.GroupName = config.VSGroup, args[1].Text
	case "fwmark":
		if !c.Require(kw, args, 2) {
			return
		}
		n, ok := c.Uint(args[1], 0, lvsFwmarkMax)
		if !ok {
			c.Report(args[1].Pos, generalError, "virtual server fwmark '%s' must be in [0, %d] - ignoring", args[1].Text, uint32(lvsFwmarkMax))
			c.SkipBlock()
			return
		}
		v.Kind, v.Fwmark = config.VSFwmark, uint32(n)
	default:
		port := ""
		if len(args) >= 2 {
			port = lvsZeroPort(args[1].Text)
		}
		ap, ok := lvsSockAddr(args[0].Text, port)
		if !ok {
			sep, p := "", ""
			if port != "" {
				sep, p = "/", port
			}
			c.Report(args[0].Pos, generalError, "Invalid virtual server IP address%s %s%s%s - skipping",
				map[bool]string{true: "/port", false: ""}[port != ""], args[0].Text, sep, p)
			c.SkipBlock()
			return
		}
		v.Kind, v.Addr, v.Family = config.VSAddress, ap, config.FamilyOf(ap.Addr())
	}
	b := &lvsVSBuild{v: v, pos: kw.Pos}
	c.lvs.vs = b
	c.lvs.vss = append(c.lvs.vss, b)
}

// lvsVSEnd settles the family of fwmark services from the real and sorry
// servers (keepalived's vs_end_handler).
func lvsVSEnd(c *ctx) {
	b := c.lvs.vs
	c.lvs.rs, c.lvs.chk = nil, nil
	if b == nil {
		return
	}
	v := b.v
	if s := v.Sorry; s != nil && s.Forwarding.Method != config.FwdTUN {
		sf := config.FamilyOf(s.Addr.Addr())
		if v.Family == config.FamilyUnspec {
			v.Family = sf
		} else if v.Family != sf {
			c.Report(b.pos, generalError, "Address family of virtual server and sorry server %s don't match - skipping sorry server.", s.Addr.Addr())
			v.Sorry = nil
		}
	}
	if v.Family == config.FamilyUnspec && v.Kind != config.VSGroup {
		mixed := false
		if v.Sorry != nil {
			v.Family = config.FamilyOf(v.Sorry.Addr.Addr())
		}
		for _, r := range b.rss {
			f := config.FamilyOf(r.r.Addr.Addr())
			if v.Family == config.FamilyUnspec {
				v.Family = f
			} else if v.Family != f {
				mixed = true
				break
			}
		}
		if mixed || v.Family == config.FamilyUnspec {
			v.Family = config.IPv4
		}
	}
	c.lvs.vs = nil
}

// lvsVSKw wraps a virtual_server keyword so it is ignored inside a skipped
// or aborted block.
func lvsVSKw(f func(c *ctx, b *lvsVSBuild, kw token, args []token)) *keyword {
	return &keyword{Handle: func(c *ctx, kw token, args []token) {
		if c.lvs.vs != nil {
			f(c, c.lvs.vs, kw, args)
		}
	}}
}

// lvsVSKwArg is lvsVSKw for keywords whose handler reads word 1 unconditionally
// (keepalived aborts when it is missing).
func lvsVSKwArg(f func(c *ctx, b *lvsVSBuild, kw token, arg token, args []token)) *keyword {
	return lvsVSKw(func(c *ctx, b *lvsVSBuild, kw token, args []token) {
		if c.Require(kw, args, 1) {
			f(c, b, kw, args[0], args)
		}
	})
}

// lvsVSTable is every keyword of a virtual_server block.
func lvsVSTable() table {
	return tables(lvsVSCheckKeywords(), lvsVSSchedKeywords(), lvsVSQuorumKeywords(), table{
		"real_server": {Kind: kwBlock, Handle: lvsRSHandler, Sub: lvsRSTable(), End: lvsRSEnd},
	})
}

// lvsVSCheckKeywords: the checker defaults a virtual server gives its
// real servers.
func lvsVSCheckKeywords() table {
	return table{
		"ip_family": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, _ []token) {
			var f config.Family
			switch a.Text {
			case "inet":
				f = config.IPv4
			case "inet6":
				f = config.IPv6
			default:
				c.Report(a.Pos, generalError, "unknown address family %s", a.Text)
				return
			}
			if b.v.Family != config.FamilyUnspec && b.v.Family != f {
				c.Report(a.Pos, generalError, "Virtual server specified family %s conflicts with server family", a.Text)
				return
			}
			b.v.Family = f
		}),
		"retry": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, _ []token) {
			if r, ok := c.lvsCountArg(a, 1, "retry value invalid - %s"); ok {
				b.v.Retry = r
			}
		}),
		"delay_before_retry": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, _ []token) {
			if d, ok := c.lvsTimerArg(a, 0, 0, "virtual server delay before retry '%s' invalid - ignoring"); ok {
				b.v.DelayBeforeRetry = &d
			}
		}),
		"warmup": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, _ []token) {
			if d, ok := c.lvsTimerArg(a, 0, 0, "virtual server warmup '%s' invalid - ignoring"); ok {
				b.v.Warmup = &d
			}
		}),
		"connect_timeout": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, _ []token) {
			if d, ok := c.lvsTimerArg(a, time.Microsecond, (1<<32-1)*time.Microsecond, "virtual server connect_timeout %s invalid - ignoring"); ok {
				b.v.ConnectTimeout = d
			}
		}),
		"delay_loop": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, _ []token) {
			if d, ok := c.lvsTimerArg(a, time.Microsecond, 0, "virtual server delay loop '%s' invalid - ignoring"); ok {
				b.v.DelayLoop = d
			}
		}),
		"inhibit_on_failure": lvsVSKw(func(c *ctx, b *lvsVSBuild, _ token, _ []token) { b.v.InhibitOnFailure = true }),
		"ha_suspend":         lvsVSKw(func(c *ctx, b *lvsVSBuild, _ token, _ []token) { b.v.HASuspend = true }),
		"smtp_alert": lvsVSKw(func(c *ctx, b *lvsVSBuild, kw token, args []token) {
			if v, ok := c.lvsBool(kw, args, "Invalid virtual_server smtp_alert parameter"); ok {
				b.smtpAlert = &v
			}
		}),
		"virtualhost": lvsVSKw(func(c *ctx, b *lvsVSBuild, kw token, args []token) {
			if len(args) < 1 {
				c.Report(kw.Pos, generalError, "virtual server virtualhost missing")
				return
			}
			b.v.VirtualHost = args[0].Text
		}),
		"snmp_name": lvsVSKw(func(c *ctx, b *lvsVSBuild, kw token, args []token) {
			if len(args) != 1 {
				c.Report(kw.Pos, generalError, "virtual server snmp_name missing or extra parameters")
				return
			}
			b.v.SNMPName = args[0].Text
		}),
	}
}

// lvsVSSchedKeywords: the scheduler, forwarding method, persistence and
// protocol.
func lvsVSSchedKeywords() table {
	return table{
		"lvs_sched": lvsVSKwArg(lvsSchedHandler),
		// Deprecated alias, still accepted silently by 2.2/2.3.
		"lb_algo":     lvsVSKwArg(lvsSchedHandler),
		"hashed":      lvsVSKw(lvsFlagHandler),
		"ops":         lvsVSKw(lvsFlagHandler),
		"flag-1":      lvsVSKw(lvsFlagHandler),
		"flag-2":      lvsVSKw(lvsFlagHandler),
		"flag-3":      lvsVSKw(lvsFlagHandler),
		"sh-port":     lvsVSKw(lvsFlagHandler),
		"sh-fallback": lvsVSKw(lvsFlagHandler),
		"mh-port":     lvsVSKw(lvsFlagHandler),
		"mh-fallback": lvsVSKw(lvsFlagHandler),
		"lvs_method":  lvsVSKwArg(lvsVSMethod),
		"lb_kind":     lvsVSKwArg(lvsVSMethod),
		"persistence_engine": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, _ []token) {
			s := a.Text
			if len(s) > 15 { // IP_VS_PENAME_MAXLEN
				c.Report(a.Pos, generalError, "persistence_name too long, truncating - %s", s)
				s = s[:15]
			}
			b.v.PersistenceEngine = s
		}),
		"persistence_timeout": lvsVSKw(func(c *ctx, b *lvsVSBuild, kw token, args []token) {
			if len(args) == 0 {
				b.v.PersistenceTimeout = lvsPersistentDefault
				return
			}
			n, ok := c.Uint(args[0], 1, lvsMaxTimeout)
			if !ok {
				c.Report(args[0].Pos, generalError, "persistence_timeout invalid")
				return
			}
			b.v.PersistenceTimeout = uint32(n)
		}),
		"persistence_granularity": lvsVSKwArg(lvsGranularity),
		"protocol": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, _ []token) {
			switch strings.ToUpper(a.Text) {
			case "TCP":
				b.v.Protocol = config.ProtoTCP
			case "UDP":
				b.v.Protocol = config.ProtoUDP
			case "SCTP":
				b.v.Protocol = config.ProtoSCTP
			default:
				c.Report(a.Pos, generalError, "Unknown protocol %s - ignoring", a.Text)
			}
		}),
	}
}

// lvsVSQuorumKeywords: quorum, its scripts and the sorry server.
func lvsVSQuorumKeywords() table {
	return table{
		"alpha": lvsVSKw(func(c *ctx, b *lvsVSBuild, _ token, _ []token) { b.v.Alpha = true }),
		"omega": lvsVSKw(func(c *ctx, b *lvsVSBuild, _ token, _ []token) { b.v.Omega = true }),
		"quorum_up": {Script: true, Handle: func(c *ctx, kw token, args []token) {
			lvsQuorumScript(c, kw, args, func(v *config.VirtualServer) **config.Command { return &v.QuorumUp })
		}},
		"quorum_down": {Script: true, Handle: func(c *ctx, kw token, args []token) {
			lvsQuorumScript(c, kw, args, func(v *config.VirtualServer) **config.Command { return &v.QuorumDown })
		}},
		"quorum": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, _ []token) {
			// read_unsigned_strvec, lenient: the daemon logs "WARNING -
			// number '0' outside range" before the quorum line (corpus 110).
			n, ok := c.kaUnsigned(a, 1, 1<<32-1, true)
			if !ok {
				c.Report(a.Pos, generalError, "Quorum %s must be in [1, %d]. Setting to 1.", a.Text, uint32(1<<32-1))
				n = 1
			}
			b.v.Quorum = uint32(n)
		}),
		"hysteresis": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, _ []token) {
			n, ok := c.Uint(a, 0, 1<<32-1)
			if !ok {
				c.Report(a.Pos, generalError, "Hysteresis %s must be in [0, %d] - ignoring", a.Text, uint32(1<<32-1))
				return
			}
			b.v.Hysteresis = uint32(n)
		}),
		"weight": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, _ []token) {
			n, ok := c.Uint(a, 1, lvsWeightLimit)
			if !ok {
				c.Report(a.Pos, generalError, "Virtual server weight %s is outside range 1-%d", a.Text, lvsWeightLimit)
				return
			}
			b.v.Weight = uint32(n)
		}),
		"sorry_server": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, args []token) {
			port := ""
			if len(args) >= 2 {
				port = lvsZeroPort(args[1].Text)
			}
			ap, ok := lvsSockAddr(a.Text, port)
			if !ok {
				c.Report(a.Pos, generalError, "Invalid sorry server IP address %s - skipping", a.Text)
				return
			}
			// keepalived takes the VS method as it stands now; validate
			// fills it in later only if the VS had none yet.
			b.v.Sorry = &config.SorryServer{Addr: ap, Forwarding: b.v.Forwarding}
			b.sorryFwd = b.fwdSet
		}),
		"sorry_server_inhibit": lvsVSKw(func(c *ctx, b *lvsVSBuild, kw token, _ []token) {
			if b.v.Sorry == nil {
				c.Report(kw.Pos, generalError, "Ignoring sorry_server inhibit used before or without sorry_server")
				return
			}
			b.v.Sorry.Inhibit = true
		}),
		"sorry_server_lvs_method": lvsVSKwArg(func(c *ctx, b *lvsVSBuild, kw, a token, args []token) {
			if b.v.Sorry == nil {
				c.Report(kw.Pos, generalError, "sorry_server forwarding used without sorry_server")
				return
			}
			if f, ok := c.forwarding(args, b.v.Sorry.Forwarding, "sorry"); ok {
				b.v.Sorry.Forwarding, b.sorryFwd = f, true
			}
		}),
	}
}

func lvsSchedHandler(c *ctx, b *lvsVSBuild, _ token, a token, _ []token) {
	if !lvsSchedulers[a.Text] {
		c.Report(a.Pos, generalError, "Invalid lvs_scheduler '%s' - ignoring", a.Text)
		return
	}
	b.v.Scheduler = a.Text
}

// lvsFlagHandler: sh-*/mh-* only mean something after "lvs_sched sh|mh";
// keepalived checks the scheduler at the time the flag is read.
func lvsFlagHandler(c *ctx, b *lvsVSBuild, kw token, _ []token) {
	v := b.v
	switch kw.Text {
	case "ops":
		v.Flags |= config.SvcOnePacket
	case "flag-1":
		v.Flags |= config.SvcSched1
	case "flag-2":
		v.Flags |= config.SvcSched2
	case "flag-3":
		v.Flags |= config.SvcSched3
	default:
		switch {
		case v.Scheduler == "sh":
			switch kw.Text {
			case "sh-port":
				v.Flags |= config.SvcSched2
			case "sh-fallback":
				v.Flags |= config.SvcSched1
			}
		case v.Scheduler == "mh":
			switch kw.Text {
			case "mh-port":
				v.Flags |= config.SvcSched2
			case "mh-fallback":
				v.Flags |= config.SvcSched1
			}
		default:
			c.Report(kw.Pos, generalError, "%s only applies to sh scheduler - ignoring", kw.Text)
		}
	}
}

func lvsVSMethod(c *ctx, b *lvsVSBuild, _ token, _ token, args []token) {
	if f, ok := c.forwarding(args, b.v.Forwarding, "virtual"); ok {
		b.v.Forwarding, b.fwdSet = f, true
	}
}

// forwarding is svr_forwarding_handler: METHOD [type ipip|gue|gre]
// [port N] [nocsum|csum|remcsum]. On an error after a valid method
// keepalived has already stored the method but not the tunnel options;
// prev carries the options kept in that case.
func (c *ctx) forwarding(args []token, prev config.Forwarding, who string) (config.Forwarding, bool) {
	f := prev
	switch args[0].Text {
	case "NAT":
		f.Method = config.FwdNAT
	case "DR":
		f.Method = config.FwdDR
	case "TUN":
		f.Method = config.FwdTUN
	default:
		c.Report(args[0].Pos, generalError, "PARSER : unknown [%s] routing method for %s server.", args[0].Text, who)
		return prev, false
	}
	tun, csum := config.TunnelIPIP, config.TunnelNoCsum
	var port uint64
	for i := 1; i < len(args); i++ {
		w := args[i]
		switch w.Text {
		case "type":
			if i+1 == len(args) {
				c.Report(w.Pos, generalError, "Missing tunnel type for %s server.", who)
				return f, true
			}
			i++
			switch args[i].Text {
			case "ipip":
				tun = config.TunnelIPIP
			case "gue":
				tun = config.TunnelGUE
			case "gre":
				tun = config.TunnelGRE
			default:
				c.Report(args[i].Pos, generalError, "Unknown tunnel type %s for %s server.", args[i].Text, who)
				return f, true
			}
		case "port":
			if i+1 == len(args) {
				c.Report(w.Pos, generalError, "Missing port for %s server gue tunnel.", who)
				return f, true
			}
			i++
			n, ok := c.Uint(args[i], 1, 65535)
			if !ok {
				c.Report(args[i].Pos, generalError, "Invalid gue tunnel port %s for %s server.", args[i].Text, who)
				return f, true
			}
			port = n
		case "nocsum":
			csum = config.TunnelNoCsum
		case "csum":
			csum = config.TunnelCsumOn
		case "remcsum":
			csum = config.TunnelRemCsum
		default:
			c.Report(w.Pos, generalError, "Invalid tunnel option %s for %s server.", w.Text, who)
			return f, true
		}
	}
	if (tun == config.TunnelGUE) != (port != 0) {
		c.Report(args[0].Pos, generalError, "gue tunnels require port, otherwise cannot have port.")
		return f, true
	}
	if tun == config.TunnelIPIP && csum != config.TunnelNoCsum {
		c.Report(args[0].Pos, generalError, "ipip tunnels do not support checksum option.")
		return f, true
	}
	if tun == config.TunnelGRE && csum == config.TunnelRemCsum {
		c.Report(args[0].Pos, generalError, "gre tunnels do not support remote checksum option.")
		return f, true
	}
	f.TunnelType, f.TunnelPort, f.TunnelCsum = tun, uint16(port), csum
	return f, true
}

func lvsGranularity(c *ctx, b *lvsVSBuild, _ token, a token, _ []token) {
	v := b.v
	af := v.Family
	if af == config.FamilyUnspec {
		af = config.IPv6
		if strings.Contains(a.Text, ".") {
			af = config.IPv4
		}
	}
	if af == config.IPv6 {
		n, ok := c.Uint(a, 1, 128)
		if !ok {
			c.Report(a.Pos, generalError, "Invalid IPv6 persistence_granularity specified - %s", a.Text)
			return
		}
		v.PersistenceGranularity = uint32(n)
	} else {
		m, err := netip.ParseAddr(a.Text)
		if err != nil || !m.Is4() {
			c.Report(a.Pos, generalError, "Invalid IPv4 persistence_granularity specified - %s", a.Text)
			return
		}
		s := m.As4()
		v.PersistenceGranularity = uint32(s[0])<<24 | uint32(s[1])<<16 | uint32(s[2])<<8 | uint32(s[3])
	}
	if v.Family == config.FamilyUnspec {
		v.Family = af
	}
	if v.PersistenceTimeout == 0 {
		v.PersistenceTimeout = lvsPersistentDefault
	}
}

func lvsQuorumScript(c *ctx, kw token, args []token, field func(*config.VirtualServer) **config.Command) {
	b := c.lvs.vs
	if b == nil {
		return
	}
	dst := field(b.v)
	if *dst != nil {
		c.Report(kw.Pos, generalError, "(%s) %s script already specified - ignoring %s", b.v.GroupName, kw.Text, lvsArgText(args, 0))
		return
	}
	if cmd, ok := c.Command(kw, args, true); ok {
		*dst = &cmd
	}
}

func lvsArgText(args []token, i int) string {
	if i < len(args) {
		return args[i].Text
	}
	return ""
}

// real_server.

func lvsRSHandler(c *ctx, kw token, args []token) {
	c.lvs.rs, c.lvs.chk = nil, nil
	b := c.lvs.vs
	if !c.Require(kw, args, 1) {
		return
	}
	if b == nil {
		c.SkipBlock()
		return
	}
	port := ""
	if len(args) >= 2 {
		port = lvsZeroPort(args[1].Text)
	}
	ap, ok := lvsSockAddr(args[0].Text, port)
	if !ok {
		c.Report(args[0].Pos, generalError, "Invalid real server ip address/port %s/%s - skipping", args[0].Text, lvsArgText(args, 1))
		c.SkipBlock()
		return
	}
	r := &config.RealServer{Addr: ap, Forwarding: b.v.Forwarding}
	rb := &lvsRSBuild{r: r, pos: kw.Pos, written: ap, fwdSet: b.fwdSet}
	b.rss = append(b.rss, rb)
	c.lvs.rs = rb
}

// lvsRSEnd: unless tunnelled, a real server must have the family of its
// virtual server (which it decides when not yet known).
func lvsRSEnd(c *ctx) {
	b, rb := c.lvs.vs, c.lvs.rs
	c.lvs.rs, c.lvs.chk = nil, nil
	if b == nil || rb == nil {
		return
	}
	if rb.r.Forwarding.Method == config.FwdTUN {
		return
	}
	f := config.FamilyOf(rb.r.Addr.Addr())
	if b.v.Family == config.FamilyUnspec {
		b.v.Family = f
	} else if b.v.Family != f {
		c.Report(rb.pos, generalError, "Address family of virtual server and real server %s don't match - skipping real server.", rb.r.Addr.Addr())
		b.rss = b.rss[:len(b.rss)-1]
	}
}

func lvsRSKw(f func(c *ctx, rb *lvsRSBuild, kw token, args []token)) *keyword {
	return &keyword{Handle: func(c *ctx, kw token, args []token) {
		if c.lvs.rs != nil {
			f(c, c.lvs.rs, kw, args)
		}
	}}
}

func lvsRSKwArg(f func(c *ctx, rb *lvsRSBuild, a token)) *keyword {
	return lvsRSKw(func(c *ctx, rb *lvsRSBuild, kw token, args []token) {
		if c.Require(kw, args, 1) {
			f(c, rb, args[0])
		}
	})
}

// lvsRSTable is every keyword of a real_server block.
func lvsRSTable() table {
	return tables(lvsRSServiceKeywords(), lvsRSCheckKeywords(), chkKeywords())
}

// lvsRSServiceKeywords: the real server's weight, forwarding, thresholds
// and notify scripts.
func lvsRSServiceKeywords() table {
	return table{
		"weight": lvsRSKwArg(func(c *ctx, rb *lvsRSBuild, a token) {
			n, ok := c.Uint(a, 0, lvsWeightLimit)
			if !ok {
				c.Report(a.Pos, generalError, "Real server weight %s is outside range 0-%d", a.Text, lvsWeightLimit)
				return
			}
			w := uint32(n)
			rb.weight = &w
		}),
		"lvs_method": lvsRSKw(func(c *ctx, rb *lvsRSBuild, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			if f, ok := c.forwarding(args, rb.r.Forwarding, "real"); ok {
				rb.r.Forwarding, rb.fwdSet = f, true
			}
		}),
		"uthreshold": lvsRSKwArg(func(c *ctx, rb *lvsRSBuild, a token) {
			n, ok := c.Uint(a, 0, 1<<32-1)
			if !ok {
				c.Report(a.Pos, generalError, "Invalid real_server uthreshold '%s' - ignoring", a.Text)
				return
			}
			rb.r.UThreshold = uint32(n)
		}),
		"lthreshold": lvsRSKwArg(func(c *ctx, rb *lvsRSBuild, a token) {
			n, ok := c.Uint(a, 0, 1<<32-1)
			if !ok {
				c.Report(a.Pos, generalError, "Invalid real_server lthreshold '%s' - ignoring", a.Text)
				return
			}
			rb.r.LThreshold = uint32(n)
		}),
		"inhibit_on_failure": lvsRSKw(func(c *ctx, rb *lvsRSBuild, kw token, args []token) {
			if v, ok := c.lvsBool(kw, args, "Invalid inhibit_on_failure parameter"); ok {
				rb.inhibit = &v
			}
		}),
		"notify_up": {Script: true, Handle: func(c *ctx, kw token, args []token) {
			lvsRSScript(c, kw, args, func(r *config.RealServer) **config.Command { return &r.NotifyUp })
		}},
		"notify_down": {Script: true, Handle: func(c *ctx, kw token, args []token) {
			lvsRSScript(c, kw, args, func(r *config.RealServer) **config.Command { return &r.NotifyDown })
		}},
		"smtp_alert": lvsRSKw(func(c *ctx, rb *lvsRSBuild, kw token, args []token) {
			if v, ok := c.lvsBool(kw, args, "Invalid real_server smtp_alert parameter"); ok {
				rb.smtpAlert = &v
			}
		}),
		"virtualhost": lvsRSKw(func(c *ctx, rb *lvsRSBuild, kw token, args []token) {
			if len(args) < 1 {
				c.Report(kw.Pos, generalError, "real server virtualhost missing")
				return
			}
			rb.r.VirtualHost = args[0].Text
		}),
		"snmp_name": lvsRSKw(func(c *ctx, rb *lvsRSBuild, kw token, args []token) {
			if len(args) != 1 {
				c.Report(kw.Pos, generalError, "real server snmp_name missing or extra parameters")
				return
			}
			rb.r.SNMPName = args[0].Text
		}),
	}
}

// lvsRSCheckKeywords: checker defaults a real server gives its checkers.
func lvsRSCheckKeywords() table {
	return table{
		"alpha": lvsRSKw(func(c *ctx, rb *lvsRSBuild, kw token, args []token) {
			if v, ok := c.lvsBool(kw, args, "Invalid alpha parameter"); ok {
				rb.alpha = &v
			}
		}),
		"retry": lvsRSKwArg(func(c *ctx, rb *lvsRSBuild, a token) {
			if r, ok := c.lvsCountArg(a, 1, "retry value invalid - %s"); ok {
				rb.r.Retry = r
			}
		}),
		"delay_before_retry": lvsRSKwArg(func(c *ctx, rb *lvsRSBuild, a token) {
			if d, ok := c.lvsTimerArg(a, 0, 0, "real server delay_before_retry '%s' invalid - ignoring"); ok {
				rb.r.DelayBeforeRetry = &d
			}
		}),
		"warmup": lvsRSKwArg(func(c *ctx, rb *lvsRSBuild, a token) {
			if d, ok := c.lvsTimerArg(a, 0, 0, "real server warmup '%s' invalid - ignoring"); ok {
				rb.r.Warmup = &d
			}
		}),
		"connect_timeout": lvsRSKwArg(func(c *ctx, rb *lvsRSBuild, a token) {
			if d, ok := c.lvsTimerArg(a, time.Microsecond, (1<<32-1)*time.Microsecond, "real server connect_timeout %s invalid - ignoring"); ok {
				rb.connectTimeout = &d
			}
		}),
		"delay_loop": lvsRSKwArg(func(c *ctx, rb *lvsRSBuild, a token) {
			if d, ok := c.lvsTimerArg(a, time.Microsecond, 0, "real server delay_loop '%s' invalid - ignoring"); ok {
				rb.delayLoop = &d
			}
		}),
	}
}

func lvsRSScript(c *ctx, kw token, args []token, field func(*config.RealServer) **config.Command) {
	rb := c.lvs.rs
	if rb == nil {
		return
	}
	dst := field(rb.r)
	if *dst != nil {
		name := ""
		if c.lvs.vs != nil {
			name = c.lvs.vs.v.GroupName
		}
		c.Report(kw.Pos, generalError, "(%s) %s script already specified - ignoring %s", name, kw.Text, lvsArgText(args, 0))
		return
	}
	if cmd, ok := c.Command(kw, args, true); ok {
		*dst = &cmd
	}
}

// lvsCheckerTrackers are the VRRP-side top-level blocks keepalived's
// checker process also reads, because FILE_CHECK and BFD_CHECK name them
// (and only if defined earlier in the file): track_file (vrrp_track_file)
// and bfd_instance. These versions only record what the checker needs;
// errors in the blocks are the VRRP pass's to report.
//
// The core activates them in the checker pass in place of the VRRP
// side's keywords of the same names.
func lvsCheckerTrackers() table {
	ignore := func(*ctx, token, []token) {}
	tf := table{"file": {Handle: func(c *ctx, _ token, args []token) {
		if t := c.lvs.trackFile; t != nil && len(args) > 0 {
			t.Path = args[0].Text
		}
	}}, "init_file": {Handle: ignore},
		"weight": {Handle: func(c *ctx, _ token, args []token) {
			t := c.lvs.trackFile
			if t == nil || len(args) == 0 {
				return
			}
			if n, err := strconv.ParseInt(args[0].Text, 10, 32); err == nil {
				t.Weight = int(n)
			}
			t.WeightReverse = len(args) > 1 && args[1].Text == "reverse"
		}}}
	trackFile := &keyword{Kind: kwBlock, Sub: tf,
		Handle: func(c *ctx, kw token, args []token) {
			c.lvs.trackFile = nil
			if len(args) == 0 || c.lvs.findTrackFile(args[0].Text) != nil {
				c.SkipBlock()
				return
			}
			c.lvs.trackFile = &config.TrackFile{Name: args[0].Text, Weight: 1}
		},
		End: func(c *ctx) {
			// Without a file keepalived frees the track file (the VRRP
			// pass reports it), so FILE_CHECKs naming it find nothing.
			if t := c.lvs.trackFile; t != nil && t.Path != "" {
				c.lvs.trackFiles = append(c.lvs.trackFiles, t)
			}
			c.lvs.trackFile = nil
		}}
	bt := table{
		"checker": {Handle: func(c *ctx, _ token, _ []token) {
			if b := c.lvs.bfd; b != nil {
				b.ToChecker, c.lvs.bfdEvents = true, true
			}
		}},
		"vrrp": {Handle: func(c *ctx, _ token, _ []token) {
			if b := c.lvs.bfd; b != nil {
				b.ToVRRP, c.lvs.bfdEvents = true, true
			}
		}},
	}
	for _, k := range []string{"source_ip", "neighbor_ip", "neighbour_ip", "min_rx", "min_tx", "idle_tx",
		"multiplier", "passive", "ttl", "max_hops", "weight"} {
		bt[k] = &keyword{Handle: ignore}
	}
	bfd := &keyword{Kind: kwBlock, Sub: bt,
		Handle: func(c *ctx, kw token, args []token) {
			c.lvs.bfd, c.lvs.bfdEvents = nil, false
			if !c.Require(kw, args, 1) {
				return
			}
			for _, b := range c.lvs.bfds {
				if b.Name == args[0].Text {
					c.Report(args[0].Pos, generalError, "BFD %s already specified", args[0].Text)
					c.SkipBlock()
					return
				}
			}
			c.lvs.bfd = &config.BFDInstance{Name: args[0].Text}
		},
		End: func(c *ctx) {
			b := c.lvs.bfd
			c.lvs.bfd = nil
			if b == nil {
				return
			}
			// without vrrp/checker words every process gets the events
			if !c.lvs.bfdEvents || b.ToChecker {
				b.ToChecker = true
				c.lvs.bfds = append(c.lvs.bfds, b)
			}
		}}
	return table{"track_file": trackFile, "vrrp_track_file": trackFile, "bfd_instance": bfd}
}

func (s *lvsState) findTrackFile(name string) *config.TrackFile {
	for _, t := range s.trackFiles {
		if t.Name == name {
			return t
		}
	}
	return nil
}
