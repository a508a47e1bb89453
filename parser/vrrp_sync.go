package parser

import (
	"os"

	"github.com/dsas/keepalived-go/config"
)

// vrrp_sync_group NAME { group { ... } ... }. Members are resolved after
// the whole file is read (validateVRRP).

func inSG(h func(c *ctx, g *syncDraft, kw token, args []token)) func(c *ctx, kw token, args []token) {
	return func(c *ctx, kw token, args []token) {
		if g := c.vrrp.sg; g != nil {
			h(c, g, kw, args)
		}
	}
}

func syncGroupKeywords() table {
	notify := func(slot func(n *config.Notify) **config.Command, name string) *keyword {
		return &keyword{Script: true, Handle: inSG(func(c *ctx, g *syncDraft, kw token, args []token) {
			p := slot(&g.g.Notify)
			if *p != nil {
				c.Report(kw.Pos, generalError, "vrrp group %s: %s script already specified - ignoring %s", g.g.Name, name, firstText(args))
				return
			}
			if cmd, ok := c.Command(kw, args, true); ok {
				*p = &cmd
			}
		})}
	}
	t := table{
		"group": {Kind: kwWordBlock, Words: func(c *ctx, words []token) {
			g := c.vrrp.sg
			if g == nil {
				return
			}
			if g.hasGroup {
				c.Report(g.pos, generalError, "Group list already specified for sync group %s", g.g.Name)
				return
			}
			g.hasGroup = len(words) > 0
			g.members = append(g.members, words...)
			if len(words) == 0 {
				c.Report(g.pos, generalError, "Warning - sync group %s has empty group block", g.g.Name)
			}
		}},
		"notify_backup": notify(func(n *config.Notify) **config.Command { return &n.Backup }, "notify_backup"),
		"notify_master": notify(func(n *config.Notify) **config.Command { return &n.Master }, "notify_master"),
		"notify_fault":  notify(func(n *config.Notify) **config.Command { return &n.Fault }, "notify_fault"),
		"notify_stop":   notify(func(n *config.Notify) **config.Command { return &n.Stop }, "notify_stop"),
		"notify":        notify(func(n *config.Notify) **config.Command { return &n.Generic }, "notify"),
		"smtp_alert": {Handle: inSG(func(c *ctx, g *syncDraft, kw token, args []token) {
			v, ok := trueFalse(args)
			if !ok {
				c.Report(args[0].Pos, generalError, "Invalid vrrp_group smtp_alert parameter %s", args[0].Text)
				return
			}
			g.smtp.put(v)
		})},
		"global_tracking": {Handle: inSG(func(c *ctx, g *syncDraft, kw token, args []token) {
			c.Report(kw.Pos, generalError, "(%s) global_tracking is deprecated. Use track_interface/script/file on the sync group", g.g.Name)
			g.g.TrackingWeight = true
		})},
		"sync_group_tracking_weight": {Handle: inSG(func(c *ctx, g *syncDraft, kw token, args []token) { g.g.TrackingWeight = true })},
		"notify_priority_changes": {Handle: inSG(func(c *ctx, g *syncDraft, kw token, args []token) {
			v, ok := trueFalse(args)
			if !ok {
				c.Report(args[0].Pos, generalError, "(%s) Invalid value '%s' for sync group notify_priority_changes specified", g.g.Name, args[0].Text)
				return
			}
			g.notifyPri.put(v)
		})},
	}
	merge(t, trackKeywords(syncTrackers))
	return t
}

// syncTrackers opens the track_* blocks of the sync group being read.
func syncTrackers(c *ctx) (string, *[]config.Tracker, bool) {
	if g := c.vrrp.sg; g != nil {
		return g.g.Name, &g.g.Trackers, true
	}
	return "", nil, false
}

func syncGroupStart(c *ctx, kw token, args []token) {
	c.vrrp.sg = nil
	if len(args) != 1 {
		c.Report(kw.Pos, generalError, "vrrp_sync_group must have a name - skipping")
		c.SkipBlock()
		return
	}
	for _, o := range c.vrrp.sgs {
		if o.g.Name == args[0].Text {
			c.Report(args[0].Pos, generalError, "vrrp sync group %s already defined", args[0].Text)
			c.SkipBlock()
			return
		}
	}
	c.vrrp.sg = &syncDraft{g: config.SyncGroup{Name: args[0].Text, NotifyPriorityChanges: -1}, pos: kw.Pos}
}

func syncGroupEnd(c *ctx) {
	g := c.vrrp.sg
	c.vrrp.sg = nil
	if g == nil {
		return
	}
	if !g.hasGroup {
		// keepalived finds it after the read (vrrp_complete_init), so
		// logs it bare.
		c.Report(g.pos, generalError, "Sync group %s has no virtual router(s). removing", g.g.Name)
		c.afterRead()
		return
	}
	c.vrrp.sgs = append(c.vrrp.sgs, g)
}

func dirExists(dir string) bool {
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}
