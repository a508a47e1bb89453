package parser

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// vrrp_instance NAME { ... } (keepalived's vrrp_parser.c instance handlers).

type instHandler func(c *ctx, d *instDraft, kw token, args []token)

// inInst runs h only while an instance is open: a skipped instance
// (duplicate or nameless) swallows its keywords as keepalived's skip_block.
func inInst(h instHandler) func(c *ctx, kw token, args []token) {
	return func(c *ctx, kw token, args []token) {
		if d := c.vrrp.inst; d != nil {
			h(c, d, kw, args)
		}
	}
}

func inInstItem(h func(c *ctx, d *instDraft, item []token)) func(c *ctx, item []token) {
	return func(c *ctx, item []token) {
		if d := c.vrrp.inst; d != nil && len(item) > 0 {
			h(c, d, item)
		}
	}
}

// flagKw is a keyword without arguments that sets something.
func flagKw(set func(d *instDraft)) func(c *ctx, kw token, args []token) {
	return inInst(func(c *ctx, d *instDraft, kw token, args []token) { set(d) })
}

// boolKw is an optional boolean ([on|off|true|false|yes|no], bare = true)
// with keepalived's per-keyword message on a bad value.
func boolKw(msg string, set func(d *instDraft, v bool)) func(c *ctx, kw token, args []token) {
	return inInst(func(c *ctx, d *instDraft, kw token, args []token) {
		v, ok := trueFalse(args)
		if !ok {
			c.Report(args[0].Pos, generalError, msg, d.in.Name, args[0].Text)
			return
		}
		set(d, v)
	})
}

// trueFalse is keepalived's check_true_false on an optional argument.
func trueFalse(args []token) (bool, bool) {
	if len(args) == 0 {
		return true, true
	}
	return kaTrueFalse(args[0].Text)
}

// instanceKeywords is every keyword of a vrrp_instance block.
func instanceKeywords() table {
	return tables(
		instLinkKeywords(),
		instUnicastKeywords(),
		instIdentityKeywords(),
		instAddressKeywords(),
		instModeKeywords(),
		instNotifyKeywords(),
		instGARPKeywords(),
		trackKeywords(instTrackers),
	)
}

// instTrackers opens the track_* blocks of the instance being read.
func instTrackers(c *ctx) (string, *[]config.Tracker, bool) {
	if d := c.vrrp.inst; d != nil {
		return d.in.Name, &d.in.Trackers, true
	}
	return "", nil, false
}

// instLinkKeywords: the instance's interface, VRF and VMAC/ipvlan.
func instLinkKeywords() table {
	return table{
		"use_vmac":       {Handle: inInst(vmacHandler)},
		"use_vmac_addr":  {Handle: flagKw(func(d *instDraft) { d.in.VMAC.AddrVMAC = true })},
		"vmac_xmit_base": {Handle: flagKw(func(d *instDraft) { d.in.VMAC.XmitBase = true })},
		"use_ipvlan":     {Handle: inInst(ipvlanHandler)},
		"native_ipv6": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if d.in.Family == config.IPv4 {
				c.Report(kw.Pos, generalError, "(%s) Cannot specify native_ipv6 with IPv4 addresses", d.in.Name)
				return
			}
			d.in.Family, d.version, d.in.NativeIPv6 = config.IPv6, 3, true
		})},
		"interface": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			name := args[0].Text
			if len(name) >= 16 {
				c.Report(args[0].Pos, generalError, "Interface name '%s' too long - ignoring", name)
				return
			}
			if !c.lookupIf(args[0].Pos, name, "WARNING - interface %s for vrrp_instance %s doesn't exist", name, d.in.Name) {
				d.in.Interface, d.hasIf, d.ifMissing = name, true, true
				return
			}
			if c.ifLoopback(name) {
				c.Report(args[0].Pos, generalError, "(%s) cannot use a loopback interface (%s) for vrrp - ignoring", d.in.Name, name)
				d.in.Interface, d.hasIf = "", false
				return
			}
			d.in.Interface, d.hasIf, d.ifMissing = name, true, false
		})},
		"vrf": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			name := args[0].Text
			switch {
			case len(name) >= 16:
				c.Report(args[0].Pos, generalError, "(%s) VRF interface name '%s' too long - ignoring", d.in.Name, name)
			case d.hasIf:
				c.Report(args[0].Pos, generalError, "(%s) Cannot specify VRF interface and interface - ignoring", d.in.Name)
			case d.in.VRF != "":
				c.Report(args[0].Pos, generalError, "(%s) VRF interface already specified as '%s' - ignoring", d.in.Name, d.in.VRF)
			default:
				c.lookupIf(args[0].Pos, name, "(%s) WARNING - VRF interface %s doesn't exist", d.in.Name, name)
				d.in.VRF = name
			}
		})},
		"dont_track_primary": {Handle: flagKw(func(d *instDraft) { d.in.DontTrackPrimary = true })},
	}
}

// instUnicastKeywords: unicast peers and the source and destination
// addresses of adverts.
func instUnicastKeywords() table {
	return table{
		"unicast_peer": {Kind: kwItemBlock, Handle: flagKw(func(d *instDraft) { d.in.UnicastConfigured = true }), Item: inInstItem(unicastPeerItem)},
		"unicast_fault_no_peer": {Handle: flagKw(func(d *instDraft) {
			d.in.UnicastConfigured, d.in.UnicastFaultNoPeer = true, true
		})},
		"check_unicast_src": {Handle: flagKw(func(d *instDraft) {
			d.in.UnicastConfigured, d.in.CheckUnicastSrc = true, true
		})},
		"old_unicast_checksum": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			d.in.UnicastConfigured = true
			if len(args) >= 1 {
				if args[0].Text == "never" {
					d.in.OldUnicastChecksumNever = true
				} else {
					c.Report(args[0].Pos, generalError, "(%s) Unknown old_unicast_chksum mode %s - ignoring", d.in.Name, args[0].Text)
				}
				return
			}
			d.in.OldUnicastChecksum = true
		})},
		"mcast_src_ip": {Handle: inInst(srcIPHandler)},
		"unicast_src_ip": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			d.in.UnicastConfigured = true
			srcIPHandler(c, d, kw, args)
		})},
		"mcast_dst_ip": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			a, ok := stoAddr(args[0].Text)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s) malformed mcast dest address %s. Skipping...", d.in.Name, args[0].Text)
				return
			}
			f := config.FamilyOf(a)
			if d.in.Family == config.FamilyUnspec {
				d.in.Family = f
			} else if f != d.in.Family {
				c.Report(args[0].Pos, generalError, "(%s) mcast dest address %s MUST match VRRP instance family. Skipping...", d.in.Name, args[0].Text)
				return
			}
			if (f == config.IPv4 && !a.IsMulticast()) || (f == config.IPv6 && !a.IsLinkLocalMulticast()) {
				ll := ""
				if f == config.IPv6 {
					ll = " link-local"
				}
				c.Report(args[0].Pos, generalError, "(%s) mcast_dst_ip %s not%s multicast. Skipping...", d.in.Name, args[0].Text, ll)
				return
			}
			d.in.McastDst = a
		})},
		"track_src_ip": {Handle: flagKw(func(d *instDraft) { d.in.TrackSrcIP = true })},
		"unicast_ttl": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietUint(args[0], 0, 255)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s): TTL '%s' not valid - must be between 0 & 255", d.in.Name, args[0].Text)
				return
			}
			d.ttl = int(n)
		})},
	}
}

// instIdentityKeywords: state, VRID, version, priority, advert interval
// and authentication.
func instIdentityKeywords() table {
	return table{
		"state": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			switch args[0].Text {
			case "MASTER":
				d.wantState = config.StateMaster
			case "BACKUP":
				if d.wantState == config.StateMaster {
					c.Report(args[0].Pos, generalError, "(%s) state previously set as MASTER - ignoring BACKUP", d.in.Name)
				} else {
					d.wantState = config.StateBackup
				}
			default:
				c.Report(args[0].Pos, generalError, "(%s) unknown state '%s', defaulting to BACKUP", d.in.Name, args[0].Text)
				d.wantState = config.StateBackup
			}
		})},
		"virtual_router_id": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietUint(args[0], 1, 255)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s): VRID '%s' not valid - must be between 1 & 255", d.in.Name, args[0].Text)
				return
			}
			d.in.VRID = int(n)
		})},
		"version": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietUint(args[0], 2, 3)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s): Version must be either 2 or 3", d.in.Name)
				return
			}
			if (d.version != 0 && d.version != int(n)) || (n == 2 && d.in.Family == config.IPv6) {
				c.Report(args[0].Pos, generalError, "(%s) vrrp_version %d conflicts with configured or deduced version %d; ignoring.", d.in.Name, n, d.version)
				return
			}
			d.version = int(n)
		})},
		"priority": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			// read_unsigned_strvec without ignore_error: its own line
			// first, and no number read by its prefix, -t or not.
			n, ok := c.kaUnsigned(args[0], 1, 255, false)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s) Priority not valid! must be between 1 & %d. Using default %d", d.in.Name, 255, 100)
				n = 100
			}
			d.priority = int(n)
		})},
		"advert_int": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			v, ok := c.quietTimer(args[0], 6, 10*time.Millisecond, 255*time.Second)
			if !ok || v <= 0 {
				c.decimalRangeDiag(args[0], 6, 10000, 255000000)
				c.Report(args[0].Pos, generalError, "(%s) Advert interval (%s) not valid! Must be > 0 - ignoring", d.in.Name, args[0].Text)
				return
			}
			d.in.AdvertInt, d.advertSet = v, true
		})},
		"authentication": {Kind: kwBlock, Sub: table{
			"auth_type": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
				if !c.Require(kw, args, 1) {
					return
				}
				switch args[0].Text {
				case "AH":
					d.auth = config.AuthAH
				case "PASS":
					d.auth = config.AuthPass
				default:
					c.Report(args[0].Pos, generalError, "(%s) unknown authentication type '%s'", d.in.Name, args[0].Text)
				}
			})},
			"auth_pass": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
				if !c.Require(kw, args, 1) {
					return
				}
				p := args[0].Text
				if len(p) > 8 {
					c.Report(args[0].Pos, generalError, "Truncating auth_pass to %d characters", 8)
					p = p[:8]
				}
				d.authPass = p
			})},
		}},
	}
}

// instAddressKeywords: the virtual addresses, routes and rules.
func instAddressKeywords() table {
	return table{
		"virtual_ipaddress":          {Kind: kwItemBlock, Item: inInstItem(vipItem(false))},
		"virtual_ipaddress_excluded": {Kind: kwItemBlock, Item: inInstItem(vipItem(true))},
		"no_virtual_ipaddress":       {Handle: flagKw(func(d *instDraft) { d.in.AllowNoVIPs = true })},
		"promote_secondaries":        {Handle: flagKw(func(d *instDraft) { d.in.PromoteSecondaries = true })},
		"linkbeat_use_polling": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			d.in.LinkbeatUsePolling = true
			c.Report(kw.Pos, generalError, "(%s) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block", d.in.Name)
		})},
		"v3_checksum_as_v2": {Handle: boolKw("(%s) invalid v3_checksum_as_v2 %s specified", func(d *instDraft, v bool) { d.v3ChecksumAsV2.put(v) })},
		"virtual_routes": {Kind: kwItemBlock, Item: inInstItem(func(c *ctx, d *instDraft, item []token) {
			if r, ok := c.parseRoute(item, false); ok {
				d.in.Routes = append(d.in.Routes, r)
			}
		})},
		"virtual_rules": {Kind: kwItemBlock, Item: inInstItem(func(c *ctx, d *instDraft, item []token) {
			if r, ok := c.parseRule(item, false); ok {
				d.in.Rules = append(d.in.Rules, r)
			}
		})},
	}
}

// instModeKeywords: accept, strict and preemption modes, which adverts
// are sent and heeded, debug level and receive buffer.
func instModeKeywords() table {
	return table{
		"accept":    {Handle: flagKw(func(d *instDraft) { d.accept.put(true) })},
		"no_accept": {Handle: flagKw(func(d *instDraft) { d.accept.put(false) })},
		// keepalived sets the flag for any valid argument, even "off".
		"skip_check_adv_addr": {Handle: boolKw("(%s) invalid skip_check_adv_addr %s specified", func(d *instDraft, v bool) { d.skipCheckAdvAddr.put(true) })},
		"strict_mode":         {Handle: boolKw("(%s) invalid strict_mode %s specified", func(d *instDraft, v bool) { d.strict.put(v) })},
		"preempt":             {Handle: flagKw(func(d *instDraft) { d.in.NoPreempt = false })},
		"nopreempt":           {Handle: flagKw(func(d *instDraft) { d.in.NoPreempt = true })},
		"preempt_delay": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			v, ok := c.quietTimer(args[0], 6, 0, 1000*time.Second)
			if !ok {
				c.decimalRangeDiag(args[0], 6, 0, 1000000000)
				c.Report(args[0].Pos, generalError, "(%s) Preempt_delay not valid! must be between 0-%d", d.in.Name, 1000)
				v = 0
			}
			d.in.PreemptDelay = v
		})},
		"lower_prio_no_advert": {Handle: boolKw("(%s) invalid lower_prio_no_advert %s specified", func(d *instDraft, v bool) {
			d.lowerPrioNoAdvert.put(v)
		})},
		"higher_prio_send_advert": {Handle: boolKw("(%s) invalid higher_prio_send_advert %s specified", func(d *instDraft, v bool) {
			d.higherPrioSendAdvert.put(v)
		})},
		"owner_ignore_adverts": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			v, ok := trueFalse(args)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s) invalid %s %s specified", d.in.Name, kw.Text, args[0].Text)
				return
			}
			d.ownerIgnore.put(v)
		})},
		"debug": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietUint(args[0], 0, 4)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s) Debug value '%s' not valid; must be between 0-4", d.in.Name, args[0].Text)
				return
			}
			d.in.Debug = int(n)
		})},
		"kernel_rx_buf_size": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if len(args) == 1 {
				if n, err := strconv.ParseUint(args[0].Text, 10, 32); err == nil {
					d.in.KernelRxBufSize = uint32(n)
					return
				}
			}
			c.Report(kw.Pos, generalError, "(%s) invalid kernel_rx_buf_size specified", d.in.Name)
		})},
	}
}

// instNotifyKeywords: notify scripts and alerts.
func instNotifyKeywords() table {
	notify := func(slot func(n *config.Notify) **config.Command, name string) *keyword {
		return &keyword{Script: true, Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			p := slot(&d.in.Notify)
			if *p != nil {
				c.Report(kw.Pos, generalError, "(%s) %s script already specified - ignoring %s", d.in.Name, name, firstText(args))
				return
			}
			if cmd, ok := c.Command(kw, args, true); ok {
				*p = &cmd
			}
		})}
	}
	return table{
		"notify_backup":              notify(func(n *config.Notify) **config.Command { return &n.Backup }, "notify_backup"),
		"notify_master":              notify(func(n *config.Notify) **config.Command { return &n.Master }, "notify_master"),
		"notify_fault":               notify(func(n *config.Notify) **config.Command { return &n.Fault }, "notify_fault"),
		"notify_stop":                notify(func(n *config.Notify) **config.Command { return &n.Stop }, "notify_stop"),
		"notify":                     notify(func(n *config.Notify) **config.Command { return &n.Generic }, "notify"),
		"notify_master_rx_lower_pri": notify(func(n *config.Notify) **config.Command { return &n.MasterRxLowerPri }, "notify_master_rx_lower_pri"),
		"notify_deleted": {Script: true, Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if d.in.Notify.NotifyDeleted {
				c.Report(kw.Pos, generalError, "(%s) notify_deleted already specified - ignoring %s", d.in.Name, firstText(args))
				return
			}
			if len(args) > 0 {
				if cmd, ok := c.Command(kw, args, true); ok {
					d.in.Notify.Deleted = &cmd
				}
			}
			d.in.Notify.NotifyDeleted = true
		})},
		"smtp_alert": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			v, ok := trueFalse(args)
			if !ok {
				c.Report(args[0].Pos, generalError, "Invalid vrrp_instance smtp_alert parameter %s", args[0].Text)
				return
			}
			d.smtpAlert.put(v)
		})},
		"notify_priority_changes": {Handle: boolKw("(%s) Invalid value '%s' for notify_priority_changes specified", func(d *instDraft, v bool) { d.notifyPrio.put(v) })},
		"lvs_sync_daemon_interface": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			c.Report(kw.Pos, generalError, "(%s) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.", d.in.Name)
			c.Report(kw.Pos, generalError, "      %sPlease use global lvs_sync_daemon", strings.Repeat(" ", max(len(d.in.Name)-2, 0)))
			if !c.Require(kw, args, 1) {
				return
			}
			// Deprecated, not ignored: keepalived's vrrp_lvs_syncd_handler
			// runs the sync daemon on the interface, following this
			// instance, unless lvs_sync_daemon came first.
			g := &c.Cfg.Global.LVS
			if g.SyncDaemon != nil {
				c.Report(kw.Pos, generalError, "(%s) lvs_sync_daemon_interface has already been specified as %s - ignoring", d.in.Name, g.SyncDaemon.Interface)
				return
			}
			g.SyncDaemon = &config.SyncDaemon{Interface: args[0].Text, Instance: d.in.Name, ByInstance: true}
		})},
	}
}

// instGARPKeywords: gratuitous ARP/NA timings and backup timers.
func instGARPKeywords() table {
	return table{
		"garp_master_delay": {Handle: instUint("(%s): garp_master_delay '%s' invalid - ignoring", 0, 1<<32/1000000-1, func(d *instDraft, n uint64) {
			d.garpMasterDelay.put(int64(n))
		})},
		"garp_master_refresh": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.quietUint(args[0], 0, 1<<32-1)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s): Invalid garp_master_refresh '%s' - ignoring", d.in.Name, args[0].Text)
				n = 0
			}
			d.garpMasterRefresh.put(int64(n))
		})},
		"garp_master_repeat": {Handle: instRepeat("garp_master_repeat", func(d *instDraft, n int) { d.garpMasterRepeat.put(n) })},
		"garp_master_refresh_repeat": {Handle: instRepeat("garp_master_refresh_repeat", func(d *instDraft, n int) {
			d.garpMasterRefreshRepeat.put(n)
		})},
		"garp_lower_prio_delay": {Handle: instUint("(%s): garp_lower_prio_delay '%s' invalid - ignoring", 0, 1<<32/1000000-1, func(d *instDraft, n uint64) {
			d.garpLowerPrioDelay.put(int64(n))
		})},
		"garp_lower_prio_repeat": {Handle: instUint("(%s): Invalid garp_lower_prio_repeat '%s'", 0, 1<<31-1, func(d *instDraft, n uint64) {
			d.garpLowerPrioRepeat.put(int(n))
		})},
		"down_timer_adverts": {Handle: instUint("(%s): Invalid down_timer_adverts [1:100] '%s'", 1, 100, func(d *instDraft, n uint64) {
			d.downTimerAdverts.put(int(n))
		})},
		"timer_expired_backup": {Handle: inInst(timerExpiredBackup)},
		"thread_timer_expired": {Handle: inInst(func(c *ctx, d *instDraft, kw token, args []token) {
			c.Report(kw.Pos, generalError, "(%s) thread_timer_expired - please replace with keyword 'timer_expired_backup'", d.in.Name)
			timerExpiredBackup(c, d, kw, args)
		})},
		"garp_extra_if":   {Handle: inInst(garpExtraIf)},
		"vmac_garp_intvl": {Handle: inInst(garpExtraIf)},
	}
}

func firstText(args []token) string {
	if len(args) == 0 {
		return ""
	}
	return args[0].Text
}

// quietUint / quietTimer read a number without a diagnostic of their own
// on failure: keepalived's handlers print one message with their own text.
// The lenient numeric-prefix form outside -t still warns, as keepalived.
func (c *ctx) quietUint(t token, lo, hi uint64) (uint64, bool) {
	n, err := strconv.ParseUint(t.Text, 10, 64)
	if err != nil {
		p, ok := numericPrefix(t.Text)
		if !ok || strings.HasPrefix(p, "-") || strings.HasPrefix(p, "+") || (c.Opts != nil && c.Opts.TestMode) {
			return 0, false
		}
		c.Report(t.Pos, invalidNumber, "invalid number '%s', using %s", t.Text, p)
		n, _ = strconv.ParseUint(p, 10, 64)
	}
	return n, n >= lo && n <= hi
}

func (c *ctx) quietInt(t token, lo, hi int64) (int64, bool) {
	n, err := strconv.ParseInt(t.Text, 10, 64)
	if err != nil {
		p, ok := numericPrefix(t.Text)
		if !ok || (c.Opts != nil && c.Opts.TestMode) {
			return 0, false
		}
		c.Report(t.Pos, invalidNumber, "invalid number '%s', using %s", t.Text, p)
		n, _ = strconv.ParseInt(p, 10, 64)
	}
	return n, n >= lo && n <= hi
}

// quietTimer reads a <TIMER> with at most digits decimals (more: rounded,
// as keepalived's read_decimal_unsigned).
func (c *ctx) quietTimer(t token, digits int, lo, hi time.Duration) (time.Duration, bool) {
	s := t.Text
	ip, frac, _ := strings.Cut(s, ".")
	if s == "" || (ip == "" && frac == "") || !allDigits(ip) || !allDigits(frac) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f > 1e9 {
		return 0, false
	}
	unit := time.Second
	for i := 0; i < digits; i++ {
		unit /= 10
	}
	d := time.Duration(f*float64(time.Second)/float64(unit)+0.5) * unit
	return d, d >= lo && d <= hi
}

// decimalRangeDiag reports what keepalived's read_decimal_unsigned (with
// ignore_error, as its timers are read) says about t before the
// keyword's own message: a negative number, too many decimal places, not
// a number, or outside [lo, hi] (in units of 10^-shift). Outside -t each
// reads "WARNING - ...".
func (c *ctx) decimalRangeDiag(t token, shift int, lo, hi uint64) {
	warn := ""
	if !c.Opts.TestMode {
		warn = "WARNING - "
	}
	s := t.Text
	if strings.HasPrefix(s, "-") {
		c.Report(t.Pos, invalidNumber, "%snegative number '%s'", warn, s)
		return
	}
	ip, frac, _ := strings.Cut(s, ".")
	if len(frac) > shift {
		c.Report(t.Pos, invalidNumber, "%snumber '%s' has too many decimal places", warn, s)
		frac = frac[:shift]
	}
	digits := ip + frac + strings.Repeat("0", shift-len(frac))
	v, err := strconv.ParseUint(digits, 10, 64)
	switch {
	case !allDigits(ip) || !allDigits(frac) || digits == "":
		c.Report(t.Pos, invalidNumber, "%sinvalid number '%s'", warn, s)
	case err != nil:
		c.Report(t.Pos, invalidNumber, "%snumber '%s' outside unsigned decimal range", warn, s)
	case v < lo || v > hi:
		unit := uint64(1)
		for range shift {
			unit *= 10
		}
		c.Report(t.Pos, invalidNumber, "%snumber '%s' outside range [%d.%0*d, %d.%0*d]", warn, s, lo/unit, shift, lo%unit, hi/unit, shift, hi%unit)
	}
}

func instUint(msg string, lo, hi uint64, set func(d *instDraft, n uint64)) func(c *ctx, kw token, args []token) {
	return inInst(func(c *ctx, d *instDraft, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		n, ok := c.quietUint(args[0], lo, hi)
		if !ok {
			c.Report(args[0].Pos, generalError, msg, d.in.Name, args[0].Text)
			return
		}
		set(d, n)
	})
}

// instRepeat: 0 was valid before 2.0.7; keepalived now bumps it to 1.
func instRepeat(name string, set func(d *instDraft, n int)) func(c *ctx, kw token, args []token) {
	return inInst(func(c *ctx, d *instDraft, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		n, ok := c.quietUint(args[0], 0, 1<<32-1)
		if !ok {
			c.Report(args[0].Pos, generalError, "(%s): %s '%s' invalid - ignoring", d.in.Name, name, args[0].Text)
			return
		}
		if n == 0 {
			c.Report(args[0].Pos, generalError, "(%s): %s must be greater than 0, setting to 1", d.in.Name, name)
			n = 1
		}
		set(d, int(n))
	})
}

func timerExpiredBackup(c *ctx, d *instDraft, kw token, args []token) {
	n := uint64(254)
	if len(args) >= 1 {
		v, ok := c.quietUint(args[0], 1, 254)
		if !ok {
			c.Report(args[0].Pos, generalError, "(%s) timer_expired_backup highest_other_priority not valid! must be between 1 & %d", d.in.Name, 254)
			return
		}
		n = v
	}
	d.in.TimerExpiredBackup = int(n)
}

func garpExtraIf(c *ctx, d *instDraft, kw token, args []token) {
	if kw.Text == "vmac_garp_intvl" {
		c.Report(kw.Pos, deprecated, "Keyword \"vmac_garp_intvl\" is deprecated - please use \"garp_extra_if\"")
	}
	delay := int64(-1)
	all := false
	for _, a := range args {
		if a.Text == "all" {
			all = true
			continue
		}
		n, ok := c.quietUint(a, 0, 86400)
		if !ok {
			c.Report(a.Pos, generalError, "(%s): %s '%s' invalid - ignoring", d.in.Name, kw.Text, a.Text)
			return
		}
		delay = int64(n)
	}
	if all {
		// keepalived sets the "all" flag as it reads the word, even when
		// the keyword is then rejected.
		d.in.GARPExtraIfAll = true
	}
	if delay < 0 {
		c.Report(kw.Pos, generalError, "(%s): %s specified without time - ignoring", d.in.Name, kw.Text)
		return
	}
	d.garpExtraIf.put(delay)
}

// stoAddr is inet_stosockaddr: anything from '-' or '/' is dropped.
func stoAddr(s string) (netip.Addr, bool) {
	if i := strings.IndexAny(s, "-/"); i >= 0 {
		s = s[:i]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func srcIPHandler(c *ctx, d *instDraft, kw token, args []token) {
	if !c.Require(kw, args, 1) {
		return
	}
	a, ok := stoAddr(args[0].Text)
	if !ok {
		c.Report(args[0].Pos, generalError, "Configuration error: VRRP instance[%s] malformed src address[%s]. Skipping...", d.in.Name, args[0].Text)
		return
	}
	f := config.FamilyOf(a)
	if d.in.Family == config.FamilyUnspec {
		d.in.Family = f
	} else if f != d.in.Family {
		c.Report(args[0].Pos, generalError, "Configuration error: VRRP instance[%s] and src address[%s] MUST be of the same family !!! Skipping...", d.in.Name, args[0].Text)
		d.in.SrcIP, d.saddrFromConfig = netip.Addr{}, false
		return
	}
	d.in.SrcIP, d.saddrFromConfig = a, true
}

func unicastPeerItem(c *ctx, d *instDraft, item []token) {
	d.in.UnicastConfigured = true
	a, ok := stoAddr(item[0].Text)
	if !ok {
		c.Report(item[0].Pos, generalError, "Configuration error: VRRP instance[%s] malformed unicast peer address[%s]. Skipping...", d.in.Name, item[0].Text)
		return
	}
	f := config.FamilyOf(a)
	if d.in.Family == config.FamilyUnspec {
		d.in.Family = f
	} else if f != d.in.Family {
		c.Report(item[0].Pos, generalError, "Configuration error: VRRP instance[%s] and unicast peer address[%s] MUST be of the same family !!! Skipping...", d.in.Name, item[0].Text)
		return
	}
	p := config.UnicastPeer{Addr: a, MaxTTL: 255}
	for i := 1; i < len(item); i += 2 {
		if i+1 >= len(item) {
			c.Report(item[i].Pos, generalError, "(%s) %s - %s is missing a value", d.in.Name, item[0].Text, item[i].Text)
			break
		}
		n, err := strconv.ParseUint(item[i+1].Text, 10, 64)
		if err != nil || n > 255 {
			c.Report(item[i+1].Pos, invalidNumber, "invalid number '%s'", item[i+1].Text)
			continue
		}
		switch item[i].Text {
		case "min_ttl":
			p.MinTTL = int(n)
		case "max_ttl":
			p.MaxTTL = int(n)
		default:
			c.Report(item[i].Pos, generalError, "(%s) %s - unknown unicast_peer option %s", d.in.Name, item[0].Text, item[i].Text)
			i = len(item)
			continue
		}
		d.in.CheckUnicastSrc = true
	}
	for _, e := range d.in.UnicastPeers {
		if e.Addr == a {
			c.Report(item[0].Pos, generalError, "(%s) %s - duplicate unicast_peer", d.in.Name, item[0].Text)
			return
		}
	}
	if p.MinTTL > p.MaxTTL {
		c.Report(item[0].Pos, generalError, "(%s) %s - min_ttl %d > max_ttl %d - all packets will be discarded", d.in.Name, item[0].Text, p.MinTTL, p.MaxTTL)
	}
	d.in.UnicastPeers = append(d.in.UnicastPeers, p)
}

func vipItem(excluded bool) func(c *ctx, d *instDraft, item []token) {
	return func(c *ctx, d *instDraft, item []token) {
		a, ok := c.parseAddress(item, false)
		if !ok {
			return
		}
		f := config.FamilyOf(a.Prefix.Addr())
		if !excluded {
			if d.in.Family == config.FamilyUnspec {
				d.in.Family = f
			} else if f != d.in.Family {
				c.Report(item[0].Pos, generalError, "(%s): address family must match VRRP instance [%s] - ignoring", d.in.Name, item[0].Text)
				return
			}
		}
		// keepalived 2.2.7 keeps a VIP listed twice (2.3.3 made it a
		// configuration error): it is in the advert twice and gets its
		// gratuitous ARPs twice, and adding it again is an EEXIST that
		// keepalived ignores. We do the same, so a peer's address count
		// and the wire agree with keepalived's.
		d.addVIP(a, excluded, c.takeItemsAhead())
	}
}

// takeItemsAhead returns the item block's size bound once (see
// coreState.itemsAhead).
func (c *ctx) takeItemsAhead() int {
	n := c.core.itemsAhead
	c.core.itemsAhead = 0
	return n
}

// addVIP appends a to the VIPs or eVIPs, first making room for ahead
// more when ahead > 1 (65 535 VIPs: one 10 MB list, not 21 MB of
// doublings).
func (d *instDraft) addVIP(a config.Address, excluded bool, ahead int) {
	l := &d.in.VIPs
	if excluded {
		l = &d.in.ExcludedVIPs
	}
	if ahead > 1 && cap(*l)-len(*l) < ahead {
		*l = slices.Grow(*l, ahead)
	}
	*l = appendDoubling(*l, a)
}

// appendDoubling appends a, doubling the capacity when it is full. append
// grows large slices by a quarter, so 65 535 VIPs of ~170 bytes were
// copied about five times over (58 MB allocated for an 11 MB list);
// doubling copies each about once.
func appendDoubling(s []config.Address, a config.Address) []config.Address {
	if len(s) == cap(s) {
		s = slices.Grow(s, max(4, len(s)))
	}
	return append(s, a)
}

// devNameValid is the kernel's dev_valid_name.
func devNameValid(s string) bool {
	if s == "" || len(s) >= 16 || s == "." || s == ".." {
		return false
	}
	return !strings.ContainsAny(s, "/: \t\n\r\v\f")
}

// linkWords is what differs between use_vmac and use_ipvlan, whose words
// linkOptions reads.
type linkWords struct {
	what      string // "VMAC" or "ipvlan", in the group message
	needGroup bool   // a "group" without a value is reported
	// own reads a word only one of them knows; true: handled.
	own func(a token) bool
	// name checks and sets the interface name.
	name func(a token)
}

// linkOptions is the loop use_vmac and use_ipvlan share: "group G" sets
// the interface group, "name N" or any other word names the interface.
func (c *ctx) linkOptions(v *config.VMAC, args []token, w linkWords) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if w.own(a) {
			continue
		}
		switch a.Text {
		case "group":
			if i+1 >= len(args) {
				if w.needGroup {
					c.Report(a.Pos, generalError, "%s group %s not found", w.what, "")
				}
				continue
			}
			i++
			g, ok := rtLookup("group", args[i].Text, 1<<32-1)
			if !ok {
				c.Report(args[i].Pos, generalError, "%s group %s not found", w.what, args[i].Text)
				continue
			}
			v.Group, v.HasGroup = g, true
			continue
		case "name":
			if i+1 >= len(args) {
				continue
			}
			i++
			a = args[i]
		}
		w.name(a)
	}
}

func vmacHandler(c *ctx, d *instDraft, kw token, args []token) {
	v := &d.in.VMAC
	v.Enabled = true
	c.linkOptions(v, args, linkWords{
		what:      "VMAC",
		needGroup: true,
		own: func(a token) bool {
			switch {
			case strings.Contains(a.Text, ":"):
				c.vmacAddress(v, a)
			case a.Text == "netlink_notify_msg":
				v.NetlinkNotify = true
			default:
				return false
			}
			return true
		},
		name: func(a token) {
			switch {
			case v.IfName != "":
				c.Report(a.Pos, generalError, "VMAC interface name already specified")
			case !devNameValid(a.Text):
				c.Report(a.Pos, generalError, "VMAC interface name '%s' too long or invalid characters - ignoring", a.Text)
			default:
				c.setLinkName(d, a)
				c.checkLinkReusable(d, a, false)
			}
		},
	})
}

// checkLinkReusable drops the use_vmac/use_ipvlan name a just set when an
// interface of that name exists that keepalived would not take over.
func (c *ctx) checkLinkReusable(d *instDraft, a token, ipvlan bool) {
	v := &d.in.VMAC
	if c.Opts == nil || c.Opts.LinkReusable == nil || v.IfName != a.Text {
		return
	}
	if exists, ok := c.Opts.LinkReusable(a.Text, ipvlan); !exists || ok {
		return
	}
	what := "a private macvlan; ignoring vmac"
	if ipvlan {
		what = "an l2 ipvlan; ignoring ipvlan"
	}
	c.Report(a.Pos, generalError, "(%s) interface %s already exists and is not %s if_name", d.in.Name, a.Text, what)
	v.IfName = ""
}

// vmacAddress is use_vmac's MAC address word.
func (c *ctx) vmacAddress(v *config.VMAC, a token) {
	if v.MACSet {
		c.Report(a.Pos, generalError, "VMAC interface address already specified")
		return
	}
	mac, useVRID, ok := parseVMAC(a.Text)
	switch {
	case !ok:
		c.Report(a.Pos, generalError, "VMAC invalid MAC address %s - ignored", a.Text)
	case mac[0]&1 != 0:
		c.Report(a.Pos, generalError, "VMAC MAC address is multicast %s - ignoring", a.Text)
	case mac[0] == 0 && mac[1] == 0 && mac[2] == 0x5e && mac[3] == 0 && (mac[4] == 1 || mac[4] == 2):
		c.Report(a.Pos, generalError, "VMAC MAC address not allowed to be RFC5798 address (%s) - ignoring", a.Text)
	default:
		v.MAC, v.MACSet, v.MACUseVRID = mac, true, useVRID
	}
}

// setLinkName names the VMAC/ipvlan interface unless another instance
// already uses the name.
func (c *ctx) setLinkName(d *instDraft, a token) {
	if o := c.vmacNameUser(a.Text); o != "" {
		c.Report(a.Pos, generalError, "(%s) VRRP instance %s is already using %s - ignoring name", d.in.Name, o, a.Text)
		return
	}
	d.in.VMAC.IfName = a.Text
}

func (c *ctx) vmacNameUser(name string) string {
	for _, o := range c.vrrp.insts {
		if o.in.VMAC.IfName == name {
			return o.in.Name
		}
	}
	return ""
}

// parseVMAC reads a 6-octet MAC, or 5 octets (with or without a trailing
// ':') meaning "the VRID is the last octet".
func parseVMAC(s string) (mac [6]byte, useVRID bool, ok bool) {
	if strings.Trim(s, "0123456789abcdefABCDEF:") != "" {
		return mac, false, false
	}
	parts := strings.Split(strings.TrimSuffix(s, ":"), ":")
	if len(parts) != 5 && len(parts) != 6 {
		return mac, false, false
	}
	for i, p := range parts {
		if len(p) == 0 || len(p) > 2 {
			return mac, false, false
		}
		n, err := strconv.ParseUint(p, 16, 8)
		if err != nil {
			return mac, false, false
		}
		mac[i] = byte(n)
	}
	return mac, len(parts) == 5, true
}

var ipvlanModes = map[string]config.IPVLANMode{"bridge": config.IPVLANBridge, "private": config.IPVLANPrivate, "vepa": config.IPVLANVEPA}

func ipvlanHandler(c *ctx, d *instDraft, kw token, args []token) {
	v := &d.in.VMAC
	if v.IPVLAN {
		c.Report(kw.Pos, generalError, "(%s) use_ipvlan already specified", d.in.Name)
		return
	}
	v.IPVLAN = true
	hadMode := false
	c.linkOptions(v, args, linkWords{
		what: "ipvlan",
		own: func(a token) bool {
			switch a.Text {
			case "bridge", "private", "vepa":
				if hadMode {
					c.Report(a.Pos, generalError, "(%s) ipvlan type already specified - ignoring '%s'", d.in.Name, a.Text)
				} else {
					v.IPVLANMode, hadMode = ipvlanModes[a.Text], true
				}
				return true
			case "group", "name":
				return false
			}
			return c.ipvlanAddress(d, a)
		},
		name: func(a token) {
			switch {
			case v.IfName != "":
				c.Report(a.Pos, generalError, "(%s) IPVLAN interface already specified - ignoring '%s'", d.in.Name, a.Text)
			case len(a.Text) >= 16:
				c.Report(a.Pos, generalError, "(%s) IPVLAN interface name '%s' too long - ignoring", d.in.Name, a.Text)
			default:
				c.setLinkName(d, a)
				c.checkLinkReusable(d, a, true)
			}
		},
	})
}

// ipvlanAddress reads use_ipvlan's address word, which also gives the
// instance its family and source address; false: a is not an address.
func (c *ctx) ipvlanAddress(d *instDraft, a token) bool {
	p, ok := c.parsePrefixQuiet(a.Text)
	if !ok {
		return false
	}
	v := &d.in.VMAC
	if v.IPVLANAddr.IsValid() {
		c.Report(a.Pos, generalError, "(%s) ipvlan address already specified - ignoring '%s'", d.in.Name, a.Text)
		return true
	}
	f := config.FamilyOf(p.Addr())
	if d.in.Family == config.FamilyUnspec {
		d.in.Family = f
	} else if f != d.in.Family {
		c.Report(a.Pos, generalError, "(%s) ipvlan address[%s] MUST match vrrp instance family !!! Skipping...", d.in.Name, a.Text)
		return true
	}
	v.IPVLANAddr = p
	if !d.in.SrcIP.IsValid() {
		d.in.SrcIP, d.saddrFromConfig = p.Addr(), true
	}
	return true
}

// vrrpInstanceStart is the vrrp_instance NAME line.
func vrrpInstanceStart(c *ctx, kw token, args []token) {
	c.vrrp.inst = nil
	if len(args) != 1 {
		c.Report(kw.Pos, generalError, "vrrp_instance must have a name")
		c.SkipBlock()
		return
	}
	name := args[0].Text
	for _, o := range c.vrrp.insts {
		if o.in.Name == name {
			c.Report(args[0].Pos, generalError, "vrrp instance %s already defined", name)
			c.SkipBlock()
			return
		}
	}
	c.vrrp.inst = &instDraft{in: config.Instance{Name: name}, pos: kw.Pos, ttl: -1}
}

// vrrpInstanceEnd is keepalived's vrrp_end_handler.
func vrrpInstanceEnd(c *ctx) {
	d := c.vrrp.inst
	if d == nil {
		return
	}
	c.vrrp.inst = nil
	if d.in.UnicastConfigured && (d.in.VMAC.Enabled || d.in.VMAC.IPVLAN) {
		if !d.hasIf {
			c.Report(d.pos, generalError, "(%s): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac", d.in.Name)
			d.in.VMAC.Enabled, d.in.VMAC.IPVLAN, d.in.VMAC.IfName = false, false, ""
		} else if !d.in.VMAC.XmitBase {
			c.Report(d.pos, generalError, "(%s) unicast with use_vmac requires vmac_xmit_base - setting", d.in.Name)
			d.in.VMAC.XmitBase = true
		}
	}
	if len(d.in.UnicastPeers) == 0 && d.ttl != -1 {
		c.Report(d.pos, generalError, "(%s): Cannot use unicast_ttl without unicast peers - resetting", d.in.Name)
		d.ttl = 0
	}
	if !d.hasIf {
		d.in.LinkbeatUsePolling = false
	}
	c.vrrp.insts = append(c.vrrp.insts, d)
}
