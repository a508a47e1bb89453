package parser

import (
	"time"

	"github.com/dsas/keepalived-go/config"
)

// validateVRRP completes and checks the VRRP side after parsing, in the
// order keepalived's VRRP process does (start_vrrp, vrrp_complete_init,
// vrrp_complete_instance, check_vrid_conflicts, sync_group_tracking_init).
// Where keepalived stops the VRRP process, the remaining completion still
// runs so the model is usable, but silently: keepalived prints nothing more.
func validateVRRP(c *ctx) {
	g := c.vg()
	if g.GARPLowerPrioRepeat < 0 {
		g.GARPLowerPrioRepeat = g.GARPMasterRepeat
	}
	if g.GARPLowerPrioDelay < 0 {
		g.GARPLowerPrioDelay = g.GARPMasterDelay
	}
	c.completeStatic()

	stopped := c.reportMissingInterfaces()
	quiet := func() func() {
		n := len(c.diags)
		return func() { c.diags = c.diags[:n] }
	}
	var restore func()
	if stopped {
		restore = quiet()
	}

	if !stopped {
		c.vrrpScriptSecurity()
	}

	// chk_min_cfg stops the process at the first instance lacking the
	// minimum.
	for _, d := range c.vrrp.insts {
		if restore != nil {
			break
		}
		if !c.minConfig(d) {
			restore = quiet()
		}
	}
	c.resolveSyncGroups()
	for _, d := range c.vrrp.insts {
		if !c.completeInstance(d) && restore == nil {
			restore = quiet()
		}
	}
	if restore == nil && c.vridConflicts() {
		restore = quiet()
		c.Cfg.VRRP.RefusedCompleted = true
	}
	c.syncGroupTracking()
	if restore != nil {
		restore()
		c.Cfg.VRRP.Refused = true
	}

	c.Cfg.VRRP.Instances = c.Cfg.VRRP.Instances[:0]
	for _, d := range c.vrrp.insts {
		c.Cfg.VRRP.Instances = append(c.Cfg.VRRP.Instances, d.in)
	}
	c.Cfg.VRRP.SyncGroups = c.Cfg.VRRP.SyncGroups[:0]
	for _, s := range c.vrrp.sgs {
		s.g.SMTPAlert = s.smtp.or(c.smtpDefault())
		if s.notifyPri.set {
			s.g.NotifyPriorityChanges = 0
			if s.notifyPri.v {
				s.g.NotifyPriorityChanges = 1
			}
		}
		if len(s.g.Members) > 0 {
			c.Cfg.VRRP.SyncGroups = append(c.Cfg.VRRP.SyncGroups, s.g)
		}
	}
}

// vrrpScriptSecurity is check_vrrp_script_security: with no instance
// keepalived checks nothing; insecure or missing track scripts are removed
// with their tracker lines, notify scripts that cannot run are dropped.
func (c *ctx) vrrpScriptSecurity() {
	if len(c.vrrp.insts) == 0 {
		return
	}
	bad := map[string]bool{}
	scripts := c.Cfg.VRRP.Scripts[:0]
	for _, s := range c.Cfg.VRRP.Scripts {
		f := c.CheckScript(procVRRP, &s.Command)
		switch {
		case f&scriptInhibit != 0:
			c.Report(c.vrrp.scriptPosOf[s.Name], generalError, "Disabling track script %s due to insecure", s.Name)
			bad[s.Name] = true
		case f&scriptNotFound != 0:
			c.Report(c.vrrp.scriptPosOf[s.Name], generalError, "Disabling track script %s since not found/accessible", s.Name)
			bad[s.Name] = true
		case f&(scriptExecutable|scriptSystem) == 0:
			bad[s.Name] = true
		default:
			scripts = append(scripts, s)
		}
	}
	c.Cfg.VRRP.Scripts = scripts
	notify := func(n *config.Notify) {
		for _, p := range []**config.Command{&n.Backup, &n.Master, &n.Fault, &n.Stop, &n.Deleted, &n.Generic, &n.MasterRxLowerPri} {
			if *p != nil && c.CheckScript(procVRRP, *p).Disabled() {
				*p = nil
			}
		}
	}
	dropBad := func(l []config.Tracker) []config.Tracker {
		out := l[:0]
		for _, t := range l {
			if t.Kind != config.TrackScript || !bad[t.Name] {
				out = append(out, t)
			}
		}
		return out
	}
	for _, d := range c.vrrp.insts {
		notify(&d.in.Notify)
		d.in.Trackers = dropBad(d.in.Trackers)
	}
	for _, s := range c.vrrp.sgs {
		notify(&s.g.Notify)
		s.g.Trackers = dropBad(s.g.Trackers)
	}
	g := &c.Cfg.Global
	for _, f := range []*config.FIFO{&g.NotifyFIFO, &g.VRRPNotifyFIFO} {
		if f.Script != nil && c.CheckScript(procVRRP, f.Script).Disabled() {
			f.Script, f.DroppedByVRRP = nil, f.Script
		}
	}
}

// completeStatic puts static addresses without dev on default_interface
// (keepalived's get_default_if, a CONFIG_FATAL when it does not exist).
func (c *ctx) completeStatic() {
	def := c.vg().DefaultInterface
	out := c.Cfg.VRRP.StaticAddresses[:0]
	for i, a := range c.Cfg.VRRP.StaticAddresses {
		if !a.DevSet {
			if !c.ifExists(def) && !c.vg().DynamicInterfaces {
				t := c.vrrp.staticPos[i]
				c.Report(t.Pos, fatal, "Static address %s requires either an interface or default interface must exist", t.Text)
				continue
			}
			a.Dev = def
		}
		out = append(out, a)
	}
	c.Cfg.VRRP.StaticAddresses = out
}

// reportMissingInterfaces judges the remembered references to interfaces
// that do not exist. Without dynamic_interfaces each is an error, and any
// instance-side one makes keepalived's VRRP process stop with BAD_IF
// before completing instances (-t then exits 5 because of the accompanying
// general errors). It reports whether the VRRP process stops.
func (c *ctx) reportMissingInterfaces() bool {
	g := c.vg()
	var first *missingIf
	for i := range c.vrrp.missing {
		m := &c.vrrp.missing[i]
		if g.DynamicInterfaces {
			if m.flags {
				c.Report(m.pos, info, "Configuration specifies interface %s which doesn't currently exist - will use if created", m.name)
				c.atLine()
			}
			continue
		}
		c.Report(m.pos, m.class, "%s", m.msg)
		c.atLine()
		if m.flags && first == nil {
			first = m
		}
	}
	if first != nil {
		c.Report(first.pos, badIf, "Non-existent interface specified in configuration")
		return true
	}
	return false
}

func (c *ctx) minConfig(d *instDraft) bool {
	if d.in.VRID == 0 {
		c.Report(d.pos, generalError, "(%s) the virtual router id must be set", d.in.Name)
		return false
	}
	if !d.hasIf {
		if !d.in.UnicastConfigured {
			c.Report(d.pos, generalError, "(%s) Unknown interface!", d.in.Name)
			return false
		}
		if d.in.VMAC.Enabled {
			c.Report(d.pos, generalError, "(%s) cannot use VMAC if no interface specified", d.in.Name)
			return false
		}
		// keepalived 2.2.7 tested the unicast flag before setting it, so
		// it rejected every instance without an interface; 2.2.8 fixed
		// that. We follow 2.2.8 (the instance works) and say so: this is
		// the one verdict where our -t is deliberately more lenient.
		c.Report(d.pos, info, "(%s) unicast instance without interface: keepalived 2.2.7 rejects it (\"Unknown interface!\"), 2.2.8 and later accept it", d.in.Name)
	}
	return true
}

func (c *ctx) draft(name string) *instDraft {
	for _, d := range c.vrrp.insts {
		if d.in.Name == name {
			return d
		}
	}
	return nil
}

// resolveSyncGroups is vrrp_sync_set_group: members are looked up by name
// now that every instance is known.
func (c *ctx) resolveSyncGroups() {
	for _, s := range c.vrrp.sgs {
		var master, backup bool
		for _, m := range s.members {
			d := c.draft(m.Text)
			if d == nil {
				c.Report(m.Pos, generalError, "Virtual router %s specified in sync group %s doesn't exist - ignoring", m.Text, s.g.Name)
				continue
			}
			if d.in.SyncGroup != "" {
				c.Report(m.Pos, generalError, "Virtual router %s cannot exist in more than one sync group; ignoring %s", m.Text, s.g.Name)
				continue
			}
			d.in.SyncGroup = s.g.Name
			s.g.Members = append(s.g.Members, m.Text)
			// The group starts MASTER only if its members are all explicit
			// address owners in state MASTER (read before completion).
			if master && d.wantState == config.StateBackup {
				c.Report(m.Pos, generalError, "Sync group %s has some member(s) as address owner and some not as address owner. This won't work.", s.g.Name)
			}
			if !backup {
				master = d.wantState == config.StateMaster && d.priority == 255
				backup = !master
			}
		}
		switch len(s.g.Members) {
		case 0:
			c.Report(s.pos, generalError, "Sync group %s, no matching virtual router found in group declaration - removing", s.g.Name)
		case 1:
			c.Report(s.pos, generalError, "Sync group %s has only 1 virtual router(s) - this probably isn't what you want", s.g.Name)
		}
	}
}

func (c *ctx) syncDraftOf(d *instDraft) *syncDraft {
	if d.in.SyncGroup == "" {
		return nil
	}
	for _, s := range c.vrrp.sgs {
		if s.g.Name == d.in.SyncGroup {
			return s
		}
	}
	return nil
}

// smtpDefault is smtp_alert_vrrp, else smtp_alert, else off.
func (c *ctx) smtpDefault() bool {
	g := &c.Cfg.Global
	if g.SMTPAlertVRRP != config.Unset {
		return g.SMTPAlertVRRP == config.True
	}
	return g.SMTPAlert == config.True
}

// completeAdvertInt rounds advert_int to what the version can carry.
func (c *ctx) completeAdvertInt(d *instDraft, rep func(Class, string, ...any)) {
	in := &d.in
	if in.AdvertInt == 0 {
		in.AdvertInt = time.Second
	}
	secs := in.AdvertInt.Seconds()
	if in.Version == 2 {
		switch {
		case in.AdvertInt >= 256*time.Second:
			rep(generalError, "(%s) VRRPv2 advertisement interval %.2fs is out of range. Must be less than %ds. Setting to %ds", secs, 256, 255)
			in.AdvertInt = 255 * time.Second
		case in.AdvertInt%time.Second != 0:
			rep(generalError, "(%s) VRRPv2 advertisement interval %fs must be an integer. rounding", secs)
			in.AdvertInt = (in.AdvertInt + time.Second/2) / time.Second * time.Second
			if in.AdvertInt == 0 {
				in.AdvertInt = time.Second
			}
		}
		return
	}
	const cs = 10 * time.Millisecond
	switch {
	case in.AdvertInt >= 4096*cs:
		rep(generalError, "(%s) VRRPv3 advertisement interval %.2fs is out of range. Must be less than %.2fs. Setting to %.2fs", secs, 40.96, 40.95)
		in.AdvertInt = 4095 * cs
	case in.AdvertInt%cs != 0:
		rep(generalError, "(%s) VRRPv3 advertisement interval %fs must be in units of 10ms - rounding", secs)
		in.AdvertInt = (in.AdvertInt + cs/2) / cs * cs
		if in.AdvertInt == 0 {
			in.AdvertInt = cs
		} else if in.AdvertInt == 4096*cs {
			in.AdvertInt = 4095 * cs
		}
	}
}

// vridConflicts is check_vrid_conflicts: true means keepalived stops.
func (c *ctx) vridConflicts() bool {
	had := false
	ds := c.vrrp.insts
	for i, a := range ds {
		for _, b := range ds[i+1:] {
			if a.in.Family != b.in.Family || a.in.VRID != b.in.VRID || a.in.Unicast != b.in.Unicast {
				continue
			}
			if a.in.Unicast {
				if a.in.Interface != "" && b.in.Interface != "" && a.in.Interface != b.in.Interface {
					continue
				}
				// Interface addresses are only known at runtime; compare
				// configured source addresses.
				if !a.saddrFromConfig || !b.saddrFromConfig || a.in.SrcIP != b.in.SrcIP {
					continue
				}
				matched := false
				for _, p := range a.in.UnicastPeers {
					for _, q := range b.in.UnicastPeers {
						if p.Addr == q.Addr {
							matched = true
						}
					}
				}
				if matched {
					c.Report(b.pos, generalError, "(%s) duplicate VRID conflict with %s VRID %d", a.in.Name, b.in.Name, a.in.VRID)
					had = true
				}
				continue
			}
			if a.in.Interface != b.in.Interface || a.in.McastDst != b.in.McastDst {
				continue
			}
			if c.vg().AllowIfChanges {
				continue
			}
			if c.ifExists(a.in.Interface) {
				c.Report(b.pos, generalError, "%s and %s both use VRID %d with IPv%d on interface %s", a.in.Name, b.in.Name, a.in.VRID, int(a.in.Family), a.in.Interface)
				had = true
			}
		}
	}
	return had
}

// syncGroupTracking is sync_group_tracking_init: a group with an address
// owner member cannot have weighted trackers.
func (c *ctx) syncGroupTracking() {
	for _, s := range c.vrrp.sgs {
		owner := false
		for _, m := range s.g.Members {
			if d := c.draft(m); d != nil && d.in.Priority == 255 {
				owner = true
			}
		}
		if !owner {
			continue
		}
		for i := range s.g.Trackers {
			t := &s.g.Trackers[i]
			if t.Weight == 0 {
				continue
			}
			what, action := "", "clearing weight"
			switch t.Kind {
			case config.TrackScript:
				what = "script"
			case config.TrackFileKind:
				what, action = "file", "setting weight 0"
			case config.TrackProcessKind:
				what, action = "process", "setting weight 0"
			case config.TrackBFD:
				what, action = "bfd", "setting weight 0"
			case config.TrackInterface:
				what = "interface"
			}
			c.Report(s.pos, generalError, "(%s) Cannot have weighted track %s '%s' with member having priority %d - %s", s.g.Name, what, t.Name, 255, action)
			t.Weight = 0
		}
	}
}
