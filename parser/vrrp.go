package parser

import (
	"time"
)

// vrrpTopKeywords: every VRRP-side top-level block (static_*, vrrp_script,
// vrrp_track_process, track_file, bfd_instance, vrrp_sync_group,
// vrrp_instance, garp_group, track_group, linkbeat_interfaces, ...).
func vrrpTopKeywords() table {
	return table{
		"static_ipaddress": {Kind: kwItemBlock, Item: func(c *ctx, item []token) {
			if a, ok := c.parseAddress(item, true); ok {
				c.Cfg.VRRP.StaticAddresses = append(c.Cfg.VRRP.StaticAddresses, a)
				c.vrrp.staticPos = append(c.vrrp.staticPos, item[0])
			}
		}},
		"static_routes": {Kind: kwItemBlock, Item: func(c *ctx, item []token) {
			if r, ok := c.parseRoute(item, true); ok {
				c.Cfg.VRRP.StaticRoutes = append(c.Cfg.VRRP.StaticRoutes, r)
			}
		}},
		"static_rules": {Kind: kwItemBlock, Item: func(c *ctx, item []token) {
			if r, ok := c.parseRule(item, true); ok {
				c.Cfg.VRRP.StaticRules = append(c.Cfg.VRRP.StaticRules, r)
			}
		}},
		"track_group": {Kind: kwBlock, Handle: trackGroupStart, End: trackGroupEnd, Sub: table{
			"group": {Kind: kwWordBlock, Words: trackGroupGroup},
		}},
		"linkbeat_interfaces":      {Kind: kwItemBlock, Item: linkbeatItem},
		"interface_up_down_delays": {Kind: kwItemBlock, Item: upDownDelayItem},
		"garp_group":               {Kind: kwBlock, Handle: garpGroupStart, End: garpGroupEnd, Sub: garpGroupKeywords()},
		"vrrp_script":              {Kind: kwBlock, Handle: vrrpScriptStart, End: vrrpScriptEnd, Sub: scriptKeywords()},
		"vrrp_track_process":       {Kind: kwBlock, Handle: trackProcessStart, End: trackProcessEnd, Sub: processKeywords()},
		"track_file":               {Kind: kwBlock, Handle: trackFileStart, End: trackFileEnd, Sub: fileKeywords()},
		"vrrp_track_file":          {Kind: kwBlock, Handle: trackFileStart, End: trackFileEnd, Sub: fileKeywords()},
		"bfd_instance":             {Kind: kwBlock, Handle: bfdStart, End: bfdEnd, Sub: bfdKeywords()},
		"vrrp_sync_group":          {Kind: kwBlock, Handle: syncGroupStart, End: syncGroupEnd, Sub: syncGroupKeywords()},
		"vrrp_instance":            {Kind: kwBlock, Handle: vrrpInstanceStart, End: vrrpInstanceEnd, Sub: instanceKeywords()},
	}
}

type globalHandler func(c *ctx, kw token, args []token)

// gUint reads one unsigned argument into a global default with
// keepalived's message on failure.
func gUint(msg string, lo, hi uint64, set func(c *ctx, n uint64)) globalHandler {
	return func(c *ctx, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		n, ok := c.quietUint(args[0], lo, hi)
		if !ok {
			c.Report(args[0].Pos, generalError, msg, args[0].Text)
			return
		}
		set(c, n)
	}
}

// gBool is an optional boolean global; msg has no verb for the value.
func gBool(msg string, set func(c *ctx, v bool)) globalHandler {
	return func(c *ctx, kw token, args []token) {
		v, ok := trueFalse(args)
		if !ok {
			c.Report(args[0].Pos, generalError, "%s", msg)
			return
		}
		set(c, v)
	}
}

func gFlag(set func(c *ctx)) globalHandler {
	return func(c *ctx, kw token, args []token) { set(c) }
}

// gRepeat: 0 (valid before 2.0.7) becomes 1 with an error.
func gRepeat(name string, set func(c *ctx, n int)) globalHandler {
	return func(c *ctx, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		n, ok := c.quietUint(args[0], 0, 1<<32-1)
		if !ok {
			c.Report(args[0].Pos, generalError, "%s '%s' invalid - ignoring", name, args[0].Text)
			return
		}
		if n == 0 {
			c.Report(args[0].Pos, generalError, "%s must be greater than 0, setting to 1", name)
			n = 1
		}
		set(c, int(n))
	}
}

func gMcast(v6 bool) globalHandler {
	return func(c *ctx, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		a, ok := stoAddr(args[0].Text)
		t := args[0]
		switch {
		case !ok:
			c.Report(t.Pos, generalError, "Can't parse %s [%s]. Skipping", kw.Text, t.Text)
		case a.Is6() != v6:
			c.Report(t.Pos, generalError, "%s [%s] is not IPv%s. Skipping", kw.Text, t.Text, map[bool]string{true: "6", false: "4"}[v6])
		case !a.IsMulticast():
			c.Report(t.Pos, generalError, "%s [%s] is not multicast. Skipping", kw.Text, t.Text)
		default:
			if v6 {
				if !a.IsLinkLocalMulticast() {
					c.Report(t.Pos, warning, "%s [%s] should be link-local multicast.", kw.Text, t.Text)
				}
				c.vg().McastGroup6 = a
			} else {
				c.vg().McastGroup4 = a
			}
		}
	}
}

func gRcvBufs(set func(c *ctx, n uint32)) globalHandler {
	return func(c *ctx, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		n, ok := c.quietUint(args[0], 0, 1<<32-1)
		if !ok {
			c.Report(args[0].Pos, generalError, "Invalid %s size '%s'", kw.Text, args[0].Text)
			return
		}
		set(c, uint32(n))
	}
}

func gRcvForce(set func(c *ctx, v bool)) globalHandler {
	return func(c *ctx, kw token, args []token) {
		v, ok := trueFalse(args)
		if !ok {
			c.Report(args[0].Pos, generalError, "Invalid value '%s' for global %s specified", args[0].Text, kw.Text)
			return
		}
		set(c, v)
	}
}

// vrrpGlobalKeywords: the VRRP defaults set in global_defs (vrrp_version,
// vrrp_garp_*, vrrp_strict, vrrp_mcast_group4, ...).
func vrrpGlobalKeywords() table {
	return tables(vrrpGlobalAdvertKeywords(), vrrpGlobalGARPKeywords(), vrrpGlobalHostKeywords())
}

// vrrpGlobalAdvertKeywords: the version, multicast groups and advert
// handling every instance defaults to.
func vrrpGlobalAdvertKeywords() table {
	return table{
		"vrrp_version":      {Handle: gUint("Unknown VRRP version %s", 2, 3, func(c *ctx, n uint64) { c.vg().Version = int(n) })},
		"vrrp_mcast_group4": {Handle: gMcast(false)},
		"vrrp_mcast_group6": {Handle: gMcast(true)},
		"vrrp_down_timer_adverts": {Handle: gUint("Invalid vrrp_down_timer_adverts [1:100] '%s'", 1, 100, func(c *ctx, n uint64) {
			c.vg().DownTimerAdverts = int(n)
		})},
		"vrrp_lower_prio_no_advert": {Handle: gBool("Invalid value for vrrp_lower_prio_no_advert specified", func(c *ctx, v bool) {
			c.vg().LowerPrioNoAdvert = v
		})},
		"vrrp_higher_prio_send_advert": {Handle: gBool("Invalid value for vrrp_higher_prio_send_advert specified", func(c *ctx, v bool) {
			c.vg().HigherPrioSendAdvert = v
		})},
		"vrrp_check_unicast_src": {Handle: gFlag(func(c *ctx) { c.vg().CheckUnicastSrc = true })},
		"vrrp_skip_check_adv_addr": {Handle: gBool("Invalid value for vrrp_skip_check_adv_addr specified", func(c *ctx, v bool) {
			c.vg().SkipCheckAdvAddr = v
		})},
		"vrrp_strict":       {Handle: gBool("Invalid value for vrrp_strict specified", func(c *ctx, v bool) { c.vg().Strict = v })},
		"v3_checksum_as_v2": {Handle: gBool("Invalid value for v3_checksum_as_v2 specified", func(c *ctx, v bool) { c.vg().V3ChecksumAsV2 = v })},
		"vrrp_owner_ignore_adverts": {Handle: gBool("Invalid value for vrrp_owner_ignore_adverts specified", func(c *ctx, v bool) {
			c.vg().OwnerIgnoreAdverts = v
		})},
		"vrrp_startup_delay": {Handle: func(c *ctx, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			v, ok := c.quietTimer(args[0], 6, time.Millisecond, 4294*time.Second)
			if !ok {
				c.Report(args[0].Pos, generalError, "vrrp_startup_delay '%s' is invalid", args[0].Text)
				return
			}
			c.vg().StartupDelay = v
		}},
		"log_unknown_vrids": {Handle: gFlag(func(c *ctx) { c.vg().LogUnknownVRIDs = true })},
		"vrrp_notify_priority_changes": {Handle: gBool("Invalid value for vrrp_notify_priority_changes specified", func(c *ctx, v bool) {
			c.vg().NotifyPriorityChanges = v
		})},
		"fifo_write_vrrp_states_on_reload": {Handle: gFlag(func(c *ctx) { c.vg().FIFOWriteStatesOnReload = true })},
		"dynamic_interfaces": {Handle: func(c *ctx, kw token, args []token) {
			g := c.vg()
			g.DynamicInterfaces = true
			if len(args) >= 1 {
				if args[0].Text == "allow_if_changes" {
					g.AllowIfChanges = true
				} else {
					c.Report(args[0].Pos, generalError, "Unknown dynamic_interfaces option '%s'", args[0].Text)
				}
			}
		}},
		"default_interface": {Handle: func(c *ctx, kw token, args []token) {
			if c.Require(kw, args, 1) {
				c.vg().DefaultInterface = args[0].Text
			}
		}},
	}
}

// vrrpGlobalGARPKeywords: gratuitous ARP/NA defaults.
func vrrpGlobalGARPKeywords() table {
	sec := func(n uint64) time.Duration { return time.Duration(n) * time.Second }
	return table{
		"vrrp_garp_master_delay": {Handle: gUint("vrrp_garp_master_delay '%s' invalid - ignoring", 0, 4294, func(c *ctx, n uint64) {
			c.vg().GARPMasterDelay = sec(n)
		})},
		"vrrp_garp_master_repeat": {Handle: gRepeat("vrrp_garp_master_repeat", func(c *ctx, n int) { c.vg().GARPMasterRepeat = n })},
		"vrrp_garp_master_refresh": {Handle: func(c *ctx, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietUint(args[0], 0, 1<<32-1)
			if !ok {
				c.Report(args[0].Pos, generalError, "Invalid vrrp_garp_master_refresh '%s' - ignoring", args[0].Text)
				n = 0
			}
			c.vg().GARPMasterRefresh = sec(n)
		}},
		"vrrp_garp_master_refresh_repeat": {Handle: gRepeat("vrrp_garp_master_refresh_repeat", func(c *ctx, n int) { c.vg().GARPMasterRefreshRepeat = n })},
		"vrrp_garp_lower_prio_delay": {Handle: gUint("vrrp_garp_lower_prio_delay '%s' invalid - ignoring", 0, 4294, func(c *ctx, n uint64) {
			c.vg().GARPLowerPrioDelay = sec(n)
		})},
		"vrrp_garp_lower_prio_repeat": {Handle: gUint("Invalid vrrp_garp_lower_prio_repeat '%s'", 0, 1<<31-1, func(c *ctx, n uint64) {
			c.vg().GARPLowerPrioRepeat = int(n)
		})},
		"vrrp_garp_interval": {Handle: gInterval("vrrp_garp_interval", func(c *ctx, d time.Duration) { c.vg().GARPInterval = d })},
		"vrrp_gna_interval":  {Handle: gInterval("vrrp_gna_interval", func(c *ctx, d time.Duration) { c.vg().GNAInterval = d })},
		"vrrp_min_garp": {Handle: func(c *ctx, kw token, args []token) {
			v, ok := trueFalse(args)
			if !ok {
				c.Report(args[0].Pos, generalError, "Invalid value for vrrp_min_garp specified")
				return
			}
			if !v {
				return
			}
			// Only what is still at keepalived's default is changed.
			g := c.vg()
			if g.GARPMasterRepeat == 5 {
				g.GARPMasterRepeat = 1
			}
			if g.GARPMasterRefreshRepeat == 1 {
				g.GARPMasterRefreshRepeat = 0
			}
			if g.GARPMasterDelay == 5*time.Second {
				g.GARPMasterDelay = 0
			}
		}},
		"vrrp_garp_extra_if":   {Handle: gGARPExtraIf},
		"vrrp_vmac_garp_intvl": {Handle: gGARPExtraIf},
	}
}

// vrrpGlobalHostKeywords: firewall, VMAC naming and netlink/socket
// buffers.
func vrrpGlobalHostKeywords() table {
	return table{
		"vrrp_iptables": {Handle: func(c *ctx, kw token, args []token) {
			// Debian's 2.2.7 is an nftables build: vrrp_iptables means
			// nftables, with an error-class message.
			c.Report(kw.Pos, generalError, "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option")
			fw := &c.vg().Firewall
			fw.IPTables = true
			if len(args) >= 1 {
				fw.IPTablesInChain = args[0].Text
			}
			if len(args) >= 2 {
				fw.IPTablesOutChain = args[1].Text
			}
			fw.NFTables, fw.NFTablesTable, fw.NFTablesPriority = true, "keepalived", -1
		}},
		"vrrp_ipsets": {Handle: func(c *ctx, kw token, args []token) {
			c.Report(kw.Pos, generalError, "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option")
			fw := &c.vg().Firewall
			fw.IPSets = fw.IPSets[:0]
			for _, a := range args {
				fw.IPSets = append(fw.IPSets, a.Text)
			}
		}},
		"nftables": {Handle: func(c *ctx, kw token, args []token) {
			fw := &c.vg().Firewall
			if fw.NFTables && fw.NFTablesTable != "" && !fw.IPTables {
				c.Report(kw.Pos, generalError, "nftables already specified - ignoring")
				return
			}
			name := "keepalived"
			if len(args) >= 1 {
				if len(args[0].Text) >= 255 {
					c.Report(args[0].Pos, generalError, "VRRP Error : nftables table name too long - ignored")
					return
				}
				name = args[0].Text
			}
			fw.NFTables, fw.NFTablesTable = true, name
		}},
		"nftables_priority": {Handle: func(c *ctx, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietInt(args[0], -2147483648, 2147483647)
			if !ok {
				c.Report(args[0].Pos, generalError, "invalid nftables chain priority '%s'", args[0].Text)
				return
			}
			c.vg().Firewall.NFTablesPriority = int(n)
		}},
		"nftables_ifindex":  {Handle: gBool("invalid nftables_ifindex value", func(c *ctx, v bool) { c.vg().Firewall.NFTablesIfIndex = v })},
		"nftables_counters": {Handle: gBool("invalid nftables_counters value", func(c *ctx, v bool) { c.vg().Firewall.NFTablesCounters = v })},
		"vmac_prefix": {Handle: func(c *ctx, kw token, args []token) {
			if c.Require(kw, args, 1) {
				c.vg().VMACPrefix = args[0].Text
			}
		}},
		"vmac_addr_prefix": {Handle: func(c *ctx, kw token, args []token) {
			if c.Require(kw, args, 1) {
				c.vg().VMACAddrPrefix = args[0].Text
			}
		}},
		"vrrp_netlink_cmd_rcv_bufs":           {Handle: gRcvBufs(func(c *ctx, n uint32) { c.vg().NetlinkCmdRcvBufs = n })},
		"vrrp_netlink_cmd_rcv_bufs_force":     {Handle: gRcvForce(func(c *ctx, v bool) { c.vg().NetlinkCmdRcvBufsForce = v })},
		"vrrp_netlink_monitor_rcv_bufs":       {Handle: gRcvBufs(func(c *ctx, n uint32) { c.vg().NetlinkMonitorRcvBufs = n })},
		"vrrp_netlink_monitor_rcv_bufs_force": {Handle: gRcvForce(func(c *ctx, v bool) { c.vg().NetlinkMonitorRcvBufsForce = v })},
		"process_monitor_rcv_bufs":            {Handle: gRcvBufs(func(c *ctx, n uint32) { c.vg().ProcessMonitorRcvBufs = n })},
		"process_monitor_rcv_bufs_force":      {Handle: gRcvForce(func(c *ctx, v bool) { c.vg().ProcessMonitorRcvBufsForce = v })},
		"vrrp_rx_bufs_policy":                 {Handle: rxBufsPolicy},
		"vrrp_rx_bufs_multiplier": {Handle: gUint("Invalid vrrp_rx_bufs_multiplier '%s'", 1, 1<<32-1, func(c *ctx, n uint64) {
			c.vg().RxBufsMultiplier = int(n)
		})},
	}
}

func gInterval(name string, set func(c *ctx, d time.Duration)) globalHandler {
	return func(c *ctx, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		v, ok := c.quietTimer(args[0], 6, time.Microsecond, 4294*time.Second)
		if !ok {
			c.decimalRangeDiag(args[0], 6, 1, 1<<32-1)
			c.Report(args[0].Pos, generalError, "%s '%s' is invalid", name, args[0].Text)
			return
		}
		set(c, v)
		if v >= time.Second {
			c.Report(args[0].Pos, info, "The %s is very large - %s seconds", name, args[0].Text)
		}
	}
}

func gGARPExtraIf(c *ctx, kw token, args []token) {
	if kw.Text == "vrrp_vmac_garp_intvl" {
		c.Report(kw.Pos, deprecated, "Keyword \"vrrp_vmac_garp_intvl\" is deprecated - please use \"vrrp_garp_extra_if\"")
	}
	var delay uint64
	g := c.vg()
	for _, a := range args {
		if a.Text == "all" {
			g.GARPExtraIfAll = true
			continue
		}
		n, ok := c.quietUint(a, 1, 86400)
		if !ok {
			c.Report(a.Pos, generalError, "%s '%s' invalid - ignoring", kw.Text, a.Text)
			return
		}
		delay = n
	}
	if delay == 0 {
		c.Report(kw.Pos, generalError, "%s specified without time - ignoring", kw.Text)
		return
	}
	g.GARPExtraIf = time.Duration(delay) * time.Second
}
