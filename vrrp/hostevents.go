package vrrp

import (
	"fmt"
	"net/netip"
)

// This file is how the engine follows the host under it, as keepalived's
// netlink reflector does: an interface re-created under the same name, a
// VIP deleted behind its back, the primary address that is its source
// coming and going. The wiring's watcher calls these.

// LinkReplaced tells the engine the name ifname now belongs to another
// interface (deleted and created again, or renamed onto it). The sockets
// on the old one hear and send nothing, so they are opened again; if that
// fails (the name went again), the next replacement retries.
func (r *Router) LinkReplaced(ifname string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started || r.stopped {
		return
	}
	for _, l := range r.links {
		if l.key.ifname == ifname && !l.closed {
			r.reopen(l)
		}
	}
}

// MTUChanged tells the engine an interface's MTU changed: its sockets
// get the receive buffer the host plans for them now (Options.RcvBuf), as
// keepalived's update_mtu recomputes them under vrrp_rx_bufs_policy MTU.
func (r *Router) MTUChanged(ifname string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started || r.stopped {
		return
	}
	for _, l := range r.links {
		if l.key.ifname == ifname && !l.closed && l.conn != nil {
			r.resize(l)
		}
	}
}

// reopen replaces l's socket; the old read loop ends when its socket is
// closed.
func (r *Router) reopen(l *link) {
	c, err := r.listen(l.key)
	if err != nil {
		// Retried when the interface comes up (LinkChanged).
		l.stale = true
		r.log.Warn(fmt.Sprintf("Interface %s re-created but its VRRP socket cannot be opened: %v", l.key.ifname, err))
		return
	}
	l.stale = false
	r.log.Debug(fmt.Sprintf("Interface %s re-created, VRRP socket re-opened", l.key.ifname))
	old := l.conn
	l.conn = c
	if old != nil {
		old.Close()
	}
	r.wg.Add(1)
	go r.readLoop(l, c)
}

// AddressRemoved tells the engine an address was deleted from ifname. A
// MASTER whose tracked VIP it was leaves MASTER as keepalived's
// set_vrrp_backup does (priority-0 advert, remaining VIPs removed, BACKUP)
// with a master-down timer of Skew_Time only, so it comes back at once
// and puts every VIP back, announced. present is asked before acting:
// the event may be older than the engine's own re-adding.
func (r *Router) AddressRemoved(ifname string, a netip.Addr, present func() bool) {
	r.trackedSource(a, true, present)
	r.removed(func() []*instance { return r.vipOwners[a] },
		func(in *instance) bool { return in.tracksVIP(ifname, a) }, present,
		fmt.Sprintf("Netlink reflector reports IP %s removed from %s", a, ifname))
}

// AddressAdded tells the engine an address was added to ifname: an
// instance with track_src_ip whose configured source it is comes back
// from FAULT.
func (r *Router) AddressAdded(ifname string, a netip.Addr) {
	r.trackedSource(a, false, func() bool { return true })
}

// trackedSource is keepalived's track_src_ip: the configured source
// address (mcast_src_ip/unicast_src_ip) deleted puts the instance in FAULT
// (down_instance), its return lets it run again.
func (r *Router) trackedSource(a netip.Addr, gone bool, present func() bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started || r.stopped {
		return
	}
	changed := false
	for _, in := range r.srcOwners[a] {
		if in.srcMissing != gone {
			if gone && present() {
				continue
			}
			in.srcMissing = gone
			changed = true
		}
	}
	if changed {
		r.reevaluateAll("source address " + a.String())
	}
}

// tracksVIP reports whether a on ifname is one of in's VIPs or excluded
// VIPs that is not no_track.
func (in *instance) tracksVIP(ifname string, a netip.Addr) bool {
	for _, set := range [][]Address{in.cfg.VIPs, in.cfg.ExcludedVIPs} {
		for _, v := range set {
			if v.Prefix.Addr() == a && v.Dev == ifname && !v.NoTrack {
				return true
			}
		}
	}
	return false
}

// yieldToRestore is keepalived's set_vrrp_backup: every MASTER of the
// instance's sync group goes to BACKUP with a priority-0 advert and comes
// back after Skew_Time unless a better master speaks first.
func (r *Router) yieldToRestore(in *instance) {
	members := []*instance{in}
	if in.group != nil {
		members = in.group.members
	}
	var masters []*instance
	for _, m := range members {
		if m.state == StateMaster {
			m.zeroOnLeave = true
			masters = append(masters, m)
		}
	}
	r.transition(in, StateBackup, "virtual address removed")
	for _, m := range masters {
		if m.state == StateBackup {
			m.arm(m.skew())
		}
	}
}

// SourceChanged tells the engine the primary address of ifname for a
// family (the zero Addr: none left). Instances taking their source from
// that interface follow it; one whose source went and found no other
// goes to FAULT, as keepalived's down_instance, and back when an address
// comes.
func (r *Router) SourceChanged(ifname string, ipv6 bool, src netip.Addr) {
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, in := range r.insts {
		if in.cfg.SrcFrom != ifname || in.cfg.IPv6 != ipv6 {
			continue
		}
		if in.setSource(src) {
			changed = true
		}
	}
	if changed {
		r.reevaluateAll("source address of " + ifname)
	}
}

// setSource moves the instance to a new source address and reports
// whether its tracking state may have changed.
func (in *instance) setSource(src netip.Addr) bool {
	if src == in.cfg.SrcIP {
		return false
	}
	lost := !src.IsValid() && in.cfg.SrcIP.IsValid()
	in.cfg.SrcIP = src
	in.srcLost = lost
	in.txSrc = checksumSource(src, in.cfg.IPv6)
	return true
}

// indexVIPs rebuilds the address → instances maps the address events look
// up (VIPs, and track_src_ip sources), so an event costs a map lookup
// even with thousands of instances.
func (r *Router) indexVIPs() {
	r.vipOwners = make(map[netip.Addr][]*instance)
	r.srcOwners = make(map[netip.Addr][]*instance)
	for _, in := range r.insts {
		if in.cfg.TrackSrcIP && in.cfg.SrcIP.IsValid() {
			r.srcOwners[in.cfg.SrcIP] = append(r.srcOwners[in.cfg.SrcIP], in)
		}
		for _, set := range [][]Address{in.cfg.VIPs, in.cfg.ExcludedVIPs} {
			for _, v := range set {
				a := v.Prefix.Addr()
				if owners := r.vipOwners[a]; len(owners) == 0 || owners[len(owners)-1] != in {
					r.vipOwners[a] = append(owners, in)
				}
			}
		}
	}
}

// LinkDeleted logs keepalived's line for a deleted interface that an
// instance uses; LinkChanged has already reported it down.
func (r *Router) LinkDeleted(ifname string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, used := r.ifUp[ifname]; used {
		r.log.Info(fmt.Sprintf("Interface %s deleted", ifname))
	}
}

// mainTable is RT_TABLE_MAIN, where a route without a table goes.
const mainTable = 254

// Matches reports whether deleted, a route the kernel reports removed
// (only Dst, Table and Metric set), is r as installed: keepalived's
// route_is_ours on destination, table and metric.
func (r Route) Matches(deleted Route) bool {
	table := r.Table
	if table == 0 {
		table = mainTable
	}
	return r.Dst.Masked() == deleted.Dst.Masked() && table == deleted.Table && r.Metric == deleted.Metric
}

// Matches reports whether deleted, a rule the kernel reports removed
// (family, preference, table, from, to and fwmark set), is r as
// installed. A rule without a preference gets one from the kernel, so
// the preference is compared only when r has one.
func (r Rule) Matches(deleted Rule) bool {
	return r.IPv6 == deleted.IPv6 && r.Table == deleted.Table && r.FwMark == deleted.FwMark &&
		(r.Priority == 0 || r.Priority == deleted.Priority) &&
		r.From.Masked() == deleted.From.Masked() && r.To.Masked() == deleted.To.Masked()
}

// RouteRemoved tells the engine a keepalived route was deleted: a MASTER
// whose tracked virtual route it was leaves and comes back as for a VIP
// (keepalived's netlink_route_filter).
func (r *Router) RouteRemoved(deleted Route, present func() bool) {
	r.removed(r.allInstances, func(in *instance) bool {
		for _, rt := range in.cfg.Routes {
			if !rt.NoTrack && rt.Matches(deleted) {
				return true
			}
		}
		return false
	}, present, "Netlink reflector reports route "+deleted.Dst.String()+" removed")
}

// RuleRemoved is RouteRemoved for virtual rules.
func (r *Router) RuleRemoved(deleted Rule, present func() bool) {
	r.removed(r.allInstances, func(in *instance) bool {
		for _, ru := range in.cfg.Rules {
			if !ru.NoTrack && ru.Matches(deleted) {
				return true
			}
		}
		return false
	}, present, "Netlink reflector reports rule removed")
}

// removed is the common part of the deletion reports: the MASTERs among
// candidates (read under the lock) that own what was deleted leave and
// come back, unless the kernel says it is there after all.
func (r *Router) removed(candidates func() []*instance, owns func(*instance) bool, present func() bool, line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started || r.stopped {
		return
	}
	var hit []*instance
	for _, in := range candidates() {
		if in.state == StateMaster && owns(in) {
			hit = append(hit, in)
		}
	}
	if len(hit) == 0 || (present != nil && present()) {
		return
	}
	r.log.Debug(line)
	for _, in := range hit {
		if in.state == StateMaster { // a group member may have moved already
			r.yieldToRestore(in)
		}
	}
}

func (r *Router) allInstances() []*instance { return r.insts }
