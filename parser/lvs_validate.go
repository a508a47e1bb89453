package parser

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// validateLVS applies keepalived's link_vsg_to_vs and validate_check_config
// fix-ups and checks, then publishes the resolved model in c.Cfg.LVS.
func validateLVS(c *ctx) {
	if c.Aborted() {
		return
	}
	g := &c.Cfg.Global.LVS
	if !c.lvs.snmpVSSet {
		g.SNMPVSStatsInterval = 5 * time.Second
	}
	c.Cfg.LVS.Groups = c.lvs.groups
	for _, b := range c.lvs.bfds {
		c.Cfg.LVS.CheckerBFDs = append(c.Cfg.LVS.CheckerBFDs, b.Name)
	}

	// keepalived links and numbers every group's virtual servers before
	// validating any, so a virtual server dropped by validation keeps
	// its number and the messages name the numbered server.
	var linked []*lvsVSBuild
	seq := map[string]uint16{}
	for _, b := range c.lvs.vss {
		if !lvsLinkGroup(c, b) {
			continue
		}
		if v := b.v; v.Kind == config.VSGroup {
			v.GroupSeq = seq[v.GroupName]
			seq[v.GroupName]++
		}
		linked = append(linked, b)
	}
	var out []*config.VirtualServer
	for _, b := range linked {
		if lvsValidateVS(c, b) {
			out = append(out, b.v)
		}
	}
	c.Cfg.LVS.VirtualServers = out
	lvsCheckScripts(c, out)
}

// lvsLinkGroup is link_vsg_to_vs: groups may be defined after the virtual
// server that names them. keepalived logs these at INFO level only.
func lvsLinkGroup(c *ctx, b *lvsVSBuild) bool {
	v := b.v
	if v.Kind != config.VSGroup {
		return true
	}
	grp := c.Cfg.LVS.Group(v.GroupName)
	if grp == nil {
		c.Report(b.pos, info, "Virtual server group %s specified but not configured - ignoring virtual server %s", v.GroupName, lvsFmtVS(v))
		return false
	}
	v.Group = grp
	var have4, have6, noFamily bool
	for _, r := range grp.Ranges {
		if r.First.Is4() {
			have4 = true
		} else {
			have6 = true
		}
	}
	for _, f := range grp.Fwmarks {
		switch f.Family {
		case config.IPv4:
			have4 = true
		case config.IPv6:
			have6 = true
		default:
			noFamily = true
		}
	}
	gf := config.FamilyUnspec
	if have4 != have6 {
		gf = config.IPv6
		if have4 {
			gf = config.IPv4
		}
	}
	switch {
	case have4 && have6 && v.Family != config.FamilyUnspec:
		c.Report(b.pos, info, "%s: virtual server group with IPv4 & IPv6 doesn't match virtual server %s - ignoring", v.GroupName, lvsFmtVS(v))
		return false
	case (have4 && v.Family == config.IPv6) || (have6 && v.Family == config.IPv4):
		c.Report(b.pos, info, "%s: address family doesn't match virtual server %s - ignoring", v.GroupName, lvsFmtVS(v))
		return false
	case gf != config.FamilyUnspec:
		v.Family = gf
	case v.Family == config.FamilyUnspec && noFamily:
		c.Report(b.pos, info, "%s: Virtual server %s address family cannot be determined, defaulting to IPv4", v.GroupName, lvsFmtVS(v))
	}
	return true
}

// lvsValidateVS is one iteration of validate_check_config's virtual server
// loop; false drops the virtual server. The phases keep keepalived's order.
func lvsValidateVS(c *ctx, b *lvsVSBuild) bool {
	v := b.v
	if len(b.rss) == 0 {
		c.Report(b.pos, generalError, "Virtual server %s has no real servers - ignoring", lvsFmtVS(v))
		return false
	}
	lvsVSService(c, b)
	weightSum := lvsVSRealServers(c, b)
	if s := v.Sorry; s != nil && !b.sorryFwd {
		lvsDefaultForwarding(c, b)
		s.Forwarding = v.Forwarding
	}
	lvsVSQuorum(c, b, weightSum)
	lvsFixPorts(c, b)
	for _, rb := range b.rss {
		var cks []*config.Checker
		for _, ck := range rb.checkers {
			lvsResolveChecker(ck, v)
			cks = append(cks, ck.c)
		}
		rb.r.Checkers = cks
		v.RealServers = append(v.RealServers, rb.r)
	}
	return true
}

// lvsVSService checks the service itself: ha_suspend, protocol, ports,
// scheduler, and its smtp_alert default.
func lvsVSService(c *ctx, b *lvsVSBuild) {
	v := b.v
	grp := v.Group
	hasFwmarks := v.Kind == config.VSFwmark || (grp != nil && len(grp.Fwmarks) > 0)
	if v.HASuspend && hasFwmarks {
		c.Report(b.pos, generalError, "Virtual server %s: cannot use ha_suspend with fwmarks - clearing ha_suspend", lvsFmtVS(v))
		v.HASuspend = false
	}
	if v.Kind == config.VSAddress || (grp != nil && len(grp.Ranges) > 0) {
		lvsVSAddressService(c, b)
	}
	if v.PersistenceTimeout == 0 && grp != nil {
		for _, r := range grp.Ranges {
			if r.Port == 0 {
				c.Report(b.pos, generalError, "Virtual server %s: zero port only valid for persistent services - setting", lvsFmtVS(v))
				v.PersistenceTimeout = lvsPersistentDefault
				break
			}
		}
	}
	fwmarkOnly := v.Kind == config.VSFwmark || (grp != nil && len(grp.Ranges) == 0 && len(grp.Fwmarks) > 0)
	if v.Protocol != config.ProtoNone && fwmarkOnly {
		c.Report(b.pos, generalError, "Warning: Virtual server %s: protocol specified for fwmark - protocol will be ignored", lvsFmtVS(v))
		v.Protocol = config.ProtoNone
	}
	if v.Scheduler == "" {
		c.Report(b.pos, generalError, "Virtual server %s: no scheduler set, setting default '%s'", lvsFmtVS(v), lvsDefaultScheduler)
		v.Scheduler = lvsDefaultScheduler
	}
	if b.smtpAlert != nil {
		v.SMTPAlert = *b.smtpAlert
	} else if gv, ok := c.globalSMTPAlertChecker(); ok {
		v.SMTPAlert = gv
	}
}

// lvsVSAddressService: a service by address needs a protocol, and a port
// unless persistent.
func lvsVSAddressService(c *ctx, b *lvsVSBuild) {
	v := b.v
	if v.Protocol == config.ProtoNone {
		// the kernel would default to UDP, so keepalived says so
		c.Report(b.pos, generalError, "Virtual server %s: no protocol set - defaulting to UDP", lvsFmtVS(v))
		v.Protocol = config.ProtoUDP
	}
	if v.Flags&config.SvcOnePacket != 0 && v.Protocol != config.ProtoUDP {
		c.Report(b.pos, generalError, "Virtual server %s: one packet scheduling requires UDP - resetting", lvsFmtVS(v))
		v.Flags &^= config.SvcOnePacket
	}
	if v.PersistenceTimeout == 0 && v.Kind == config.VSAddress && v.Addr.Port() == 0 {
		c.Report(b.pos, generalError, "Virtual server %s: zero port only valid for persistent services - setting", lvsFmtVS(v))
		v.PersistenceTimeout = lvsPersistentDefault
	}
}

// lvsDefaultForwarding gives the virtual server keepalived's default
// forwarding method, NAT, the first time one is needed.
func lvsDefaultForwarding(c *ctx, b *lvsVSBuild) {
	if !b.fwdSet {
		c.Report(b.pos, generalError, "Virtual server %s: no forwarding method set, setting default NAT", lvsFmtVS(b.v))
		b.v.Forwarding, b.fwdSet = config.Forwarding{Method: config.FwdNAT}, true
	}
}

// lvsVSRealServers drops duplicate real servers, lets the others inherit
// from the virtual server, and returns the sum of their weights.
func lvsVSRealServers(c *ctx, b *lvsVSBuild) uint64 {
	v := b.v
	var weightSum uint64
	var kept []*lvsRSBuild
	for _, rb := range b.rss {
		if lvsHasRS(kept, rb) {
			c.Report(rb.pos, generalError, "VS %s: real server %s is duplicated - removing second rs", lvsFmtVS(v), lvsFmtAddrPort(rb.r.Addr, v.Protocol))
			continue
		}
		kept = append(kept, rb)
		lvsInheritRS(c, b, rb)
		weightSum += uint64(rb.r.Weight)
		lvsSorryRS(c, b, rb)
	}
	b.rss = kept
	return weightSum
}

func lvsHasRS(l []*lvsRSBuild, rb *lvsRSBuild) bool {
	for _, k := range l {
		if k.r.Addr == rb.r.Addr {
			return true
		}
	}
	return false
}

// lvsInheritRS fills what a real server left unset from its virtual
// server or the globals.
func lvsInheritRS(c *ctx, b *lvsVSBuild, rb *lvsRSBuild) {
	v, r := b.v, rb.r
	if !rb.fwdSet {
		lvsDefaultForwarding(c, b)
		r.Forwarding = v.Forwarding
	}
	r.Alpha = lvsDerefOr(rb.alpha, v.Alpha)
	r.InhibitOnFailure = lvsDerefOr(rb.inhibit, v.InhibitOnFailure)
	if r.Retry == nil {
		r.Retry = v.Retry
	}
	r.ConnectTimeout = lvsDerefOr(rb.connectTimeout, v.ConnectTimeout)
	r.DelayLoop = lvsDerefOr(rb.delayLoop, v.DelayLoop)
	if r.Warmup == nil {
		r.Warmup = v.Warmup
	}
	if r.DelayBeforeRetry == nil {
		r.DelayBeforeRetry = v.DelayBeforeRetry
	}
	r.Weight = lvsDerefOr(rb.weight, v.Weight)
	switch {
	case rb.smtpAlert != nil:
		r.SMTPAlert = *rb.smtpAlert
	default:
		if gv, ok := c.globalSMTPAlertChecker(); ok {
			r.SMTPAlert = gv
		} else {
			// keepalived's historical default, unlike everything else
			r.SMTPAlert = true
		}
	}
}

// lvsSorryRS: a real server that is also the sorry server makes the sorry
// server follow its inhibit setting.
func lvsSorryRS(c *ctx, b *lvsVSBuild, rb *lvsRSBuild) {
	v, r := b.v, rb.r
	s := v.Sorry
	if s == nil || s.Addr != r.Addr {
		return
	}
	if s.Inhibit != r.InhibitOnFailure {
		verb := "clear"
		if r.InhibitOnFailure {
			verb = "sett"
		}
		c.Report(rb.pos, generalError, "Virtual server %s: real server %s matches sorry server, but inhibit setting differs, %sing on sorry server", lvsFmtVS(v), lvsFmtAddrPort(r.Addr, v.Protocol), verb)
		s.Inhibit = r.InhibitOnFailure
	}
	v.SorryIsRealServer = true
}

// lvsVSQuorum bounds the quorum by the real servers' weight, and the
// hysteresis by the quorum.
func lvsVSQuorum(c *ctx, b *lvsVSBuild, weightSum uint64) {
	v := b.v
	if uint64(v.Quorum) > weightSum {
		c.Report(b.pos, generalError, "Warning - quorum %d for %s exceeds total weight of real servers %d, reducing quorum to %d", v.Quorum, lvsFmtVS(v), weightSum, weightSum)
		v.Quorum = uint32(weightSum)
	}
	if v.Hysteresis >= v.Quorum {
		c.Report(b.pos, generalError, "Virtual server %s: hysteresis %d >= quorum %d; setting hysteresis to %d", lvsFmtVS(v), v.Hysteresis, v.Quorum, int64(v.Quorum)-1)
		// keepalived underflows to UINT_MAX when the quorum is 0; 0 is
		// what that means in practice (no hysteresis possible).
		if v.Quorum > 0 {
			v.Hysteresis = v.Quorum - 1
		} else {
			v.Hysteresis = 0
		}
	}
}

// lvsFixPorts: unless NAT, real and virtual servers must share the port; a
// fwmark service has no port at all.
func lvsFixPorts(c *ctx, b *lvsVSBuild) {
	v := b.v
	vport := v.Addr.Port()
	setPort := func(ap *netip.AddrPort, p uint16) { *ap = netip.AddrPortFrom(ap.Addr(), p) }
	if grp := v.Group; grp != nil {
		if len(grp.Fwmarks) > 0 {
			for _, rb := range b.rss {
				if rb.r.Forwarding.Method != config.FwdNAT && rb.r.Addr.Port() != 0 {
					c.Report(rb.pos, generalError, "WARNING - fwmark virtual server %s, real server %s has port specified - port will be ignored", lvsFmtVS(v), lvsFmtAddrPort(rb.r.Addr, v.Protocol))
				}
			}
			if s := v.Sorry; s != nil && s.Forwarding.Method != config.FwdNAT && s.Addr.Port() != 0 {
				c.Report(b.pos, generalError, "WARNING - fwmark virtual server %s, sorry server has port specified - port will be ignored", lvsFmtVS(v))
			}
		}
		for _, r := range grp.Ranges {
			for _, rb := range b.rss {
				if rb.r.Forwarding.Method == config.FwdNAT {
					continue
				}
				if p := rb.r.Addr.Port(); p != 0 && p != r.Port {
					c.Report(rb.pos, generalError, "virtual server %s:[%s] and real server %s ports don't match", lvsFmtVS(v), fmtVSGE(r), lvsFmtAddrPort(rb.r.Addr, v.Protocol))
				}
			}
			if s := v.Sorry; s != nil && s.Forwarding.Method != config.FwdNAT && s.Addr.Port() != 0 && s.Addr.Port() != r.Port {
				c.Report(b.pos, generalError, "WARNING - virtual server %s, sorry server has port specified - port will be ignored", lvsFmtVS(v))
			}
		}
		return
	}
	fwm := v.Kind == config.VSFwmark
	for _, rb := range b.rss {
		r := rb.r
		ap := r.Addr
		switch {
		case r.Forwarding.Method == config.FwdNAT:
			if !fwm && r.Addr.Port() == 0 {
				setPort(&ap, vport)
			}
		case fwm:
			if r.Addr.Port() != 0 {
				c.Report(rb.pos, generalError, "WARNING - fwmark virtual server %s, real server %s has port specified - clearing", lvsFmtVS(v), lvsFmtAddrPort(r.Addr, v.Protocol))
				setPort(&ap, 0)
			}
		case r.Addr.Port() == 0:
			setPort(&ap, vport)
		case r.Addr.Port() != vport:
			c.Report(rb.pos, generalError, "WARNING - virtual server %s and real server %s ports don't match - resetting", lvsFmtVS(v), lvsFmtAddrPort(r.Addr, v.Protocol))
			setPort(&ap, vport)
		}
		r.Addr = ap
	}
	if s := v.Sorry; s != nil && s.Forwarding.Method != config.FwdNAT {
		ap := s.Addr
		switch {
		case fwm:
			if s.Addr.Port() != 0 {
				c.Report(b.pos, generalError, "WARNING - virtual server %s, sorry server has port specified - clearing", lvsFmtVS(v))
				setPort(&ap, 0)
			}
		case s.Addr.Port() == 0:
			setPort(&ap, vport)
		case s.Addr.Port() != vport:
			c.Report(b.pos, generalError, "WARNING - virtual server %s and sorry server ports don't match - resetting", lvsFmtVS(v))
			setPort(&ap, vport)
		}
		s.Addr = ap
	}
}

// lvsResolveChecker takes the checker's unset values from its real server
// (which already inherited from the virtual server), then from the
// checker type's defaults.
func lvsResolveChecker(b *lvsChkBuild, v *config.VirtualServer) {
	ck, r := b.c, b.rs.r
	ck.Alpha = lvsDerefOr(b.alpha, r.Alpha)
	if ck.Type == config.CheckFile || ck.Type == config.CheckBFD {
		return
	}
	switch {
	case b.retry != nil:
		ck.Retry = *b.retry
	case r.Retry != nil:
		ck.Retry = *r.Retry
	default:
		ck.Retry = b.defRetry
	}
	if ck.Conn != nil && !b.timeoutSet && ck.Conn.Timeout == 0 {
		ck.Conn.Timeout = r.ConnectTimeout
	}
	ck.DelayLoop = lvsDerefOr(b.delayLoop, r.DelayLoop)
	switch {
	case b.warmup != nil:
		ck.Warmup = *b.warmup
	case r.Warmup != nil:
		ck.Warmup = *r.Warmup
	default:
		ck.Warmup = ck.DelayLoop
	}
	switch {
	case b.delayBeforeRetry != nil:
		ck.DelayBeforeRetry = *b.delayBeforeRetry
	case r.DelayBeforeRetry != nil:
		ck.DelayBeforeRetry = *r.DelayBeforeRetry
	case b.defDBR != 0:
		ck.DelayBeforeRetry = b.defDBR
	default:
		ck.DelayBeforeRetry = ck.DelayLoop
	}
	if ck.Misc != nil && ck.Misc.Timeout == 0 {
		// keepalived times the script out after the virtual server's
		// delay_loop (not the checker's).
		ck.Misc.Timeout = v.DelayLoop
	}
}

func lvsDerefOr[T any](p *T, def T) T {
	if p != nil {
		return *p
	}
	return def
}

// globalSMTPAlertChecker is global_defs smtp_alert_checker, else
// smtp_alert, when either is written.
func (c *ctx) globalSMTPAlertChecker() (bool, bool) {
	g := &c.Cfg.Global
	for _, o := range []config.OptBool{g.SMTPAlertChecker, g.SMTPAlert} {
		if o != config.Unset {
			return o == config.True, true
		}
	}
	return false, false
}

// lvsCheckScripts is check_check_script_security: every checker-process
// script goes through the security check; notify and quorum scripts that
// cannot run are dropped, MISC_CHECK scripts disabled (their checker is
// removed, as keepalived never schedules it).
func lvsCheckScripts(c *ctx, vs []*config.VirtualServer) {
	if len(vs) == 0 {
		return
	}
	for _, v := range vs {
		for _, r := range v.RealServers {
			var kept []*config.Checker
			for _, ck := range r.Checkers {
				if ck.Misc != nil {
					f := c.CheckScript(procChecker, &ck.Misc.Path)
					switch {
					case f&scriptInhibit != 0:
						c.Report(c.scriptPos(&ck.Misc.Path), info, "Disabling misc script %s due to insecure", ck.Misc.Path.Quoted())
						continue
					case f&scriptNotFound != 0:
						c.Report(c.scriptPos(&ck.Misc.Path), info, "Disabling misc script %s since not found/accessible", ck.Misc.Path.Quoted())
					}
					if f.Disabled() {
						continue
					}
				}
				kept = append(kept, ck)
			}
			r.Checkers = kept
		}
	}
	drop := func(p **config.Command) {
		if *p != nil && c.CheckScript(procChecker, *p).Disabled() {
			*p = nil
		}
	}
	for _, v := range vs {
		drop(&v.QuorumUp)
		drop(&v.QuorumDown)
		for _, r := range v.RealServers {
			drop(&r.NotifyUp)
			drop(&r.NotifyDown)
		}
	}
	// The checker process checks the FIFO scripts it runs: the global
	// one (which the VRRP pass checks and drops for both) and its own.
	g := &c.Cfg.Global
	if g.NotifyFIFO.Script != nil {
		c.CheckScript(procChecker, g.NotifyFIFO.Script)
	}
	if f := &g.LVSNotifyFIFO; f.Script != nil && c.CheckScript(procChecker, f.Script).Disabled() {
		f.Script, f.DroppedByChecker = nil, f.Script
	}
}

// fmtVSGE is keepalived's format_vsge for an address entry: FIRST,PORT or
// FIRST-LAST,PORT.
func fmtVSGE(r config.AddrRange) string {
	if r.First != r.Last {
		return fmt.Sprintf("%s-%s,%d", r.First, r.Last, r.Port)
	}
	return fmt.Sprintf("%s,%d", r.First, r.Port)
}
