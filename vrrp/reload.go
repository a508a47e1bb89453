package vrrp

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
)

// Reload applies cfg to a running Router, changing only what differs, so
// that a reload is invisible on the wire for what it does not touch:
//
//   - an instance with the same name, interface, family and VRID is kept:
//     its state, timers, counters and history carry on; if it is MASTER,
//     only the VIPs, routes and rules that were removed or added change
//     (nothing flaps), and the next advert carries the new settings;
//   - an instance that is gone (or whose identity changed) leaves as on
//     Stop: a priority-0 advert if MASTER, VIPs removed; it is reported
//     DELETED with notify_deleted, else FAULT, as keepalived does;
//   - a new instance starts as at Start;
//   - vrrp_script states carry over by name.
//
// cfg is validated first; on error nothing has changed. Sockets that no
// instance uses any more are closed, new ones opened with the Listener of
// the Options the Router was built with.
func (r *Router) Reload(cfg Config) error {
	nr, err := New(cfg, r.opt)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started || r.stopped {
		return errors.New("vrrp: reload of a router that is not running")
	}

	// Open what is new first, so a failure leaves the old set running.
	opened := map[linkKey]Conn{}
	for key := range nr.links {
		if old := r.links[key]; old != nil && old.conn != nil {
			continue
		}
		c, err := r.listen(key)
		if err != nil && (nr.dynamicIfs || nr.links[key].created) {
			continue // opened when the interface comes up (stale below)
		}
		if err != nil {
			for _, c := range opened {
				c.Close()
			}
			return fmt.Errorf("vrrp %s: open socket: %w", key.ifname, err)
		}
		opened[key] = c
	}

	r.carryScripts(nr)
	r.scripts = nr.scripts
	r.logUnknown = nr.logUnknown
	r.dynamicIfs = nr.dynamicIfs
	r.fifoOnReload = nr.fifoOnReload

	// Instances that go.
	keep := map[string]*instance{}
	for _, in := range r.insts {
		n := nr.byName[in.cfg.Name]
		if n != nil && sameIdentity(in.cfg, n.cfg) {
			keep[in.cfg.Name] = in
			continue
		}
		in.leave(false, StateFault)
		in.disarm()
	}

	// Links: reuse the sockets of unchanged (interface, family) pairs.
	links := map[linkKey]*link{}
	for key := range nr.links {
		l := r.links[key]
		if l == nil || l.conn == nil {
			l = &link{key: key, conn: opened[key]}
			if l.conn == nil {
				l.stale = true // dynamic_interfaces: no such interface yet
			} else {
				r.wg.Add(1)
				go r.readLoop(l, l.conn)
			}
		} else {
			r.joinNewGroups(l, nr.links[key])
			r.resize(l)
		}
		l.byVRID = [256]*instance{}
		l.created = nr.links[key].created
		links[key] = l
	}
	for key, l := range r.links {
		if _, ok := links[key]; !ok && l.conn != nil {
			l.closed = true
			l.conn.Close()
		}
	}
	r.links = links

	for _, name := range nr.interfaces() {
		if _, ok := r.ifUp[name]; ok {
			continue
		}
		up, err := r.opt.Network.LinkUp(name)
		if err != nil {
			r.log.Warn("vrrp: link state unknown, assuming down", "interface", name, "err", err)
		}
		r.ifUp[name] = up
	}

	var fresh []*instance
	insts := make([]*instance, 0, len(nr.insts))
	byName := make(map[string]*instance, len(nr.insts))
	for _, n := range nr.insts {
		in := keep[n.cfg.Name]
		if in != nil {
			in.update(n)
		} else {
			in = n
			in.r = r
			fresh = append(fresh, in)
		}
		in.group = nil
		in.link = links[keyOf(&in.cfg)]
		in.link.byVRID[in.cfg.VRID] = in
		insts = append(insts, in)
		byName[in.cfg.Name] = in
	}
	r.insts, r.byName = insts, byName
	r.indexVIPs()

	newGroups := r.regroup(nr, byName)
	for _, in := range fresh {
		in.init()
	}
	r.startGroups(newGroups)
	before := r.statesBefore(keep)
	r.reevaluateAll("reload")
	r.repeatStates(before)
	return nil
}

// regroup rebuilds the sync groups of a reloaded configuration over the
// running instances; a group that existed keeps its state. It returns
// the new groups.
func (r *Router) regroup(nr *Router, byName map[string]*instance) (newGroups []*syncGroup) {
	oldGroups := map[string]*syncGroup{}
	for _, g := range r.groups {
		oldGroups[g.name] = g
	}
	r.groups = r.groups[:0]
	for _, ng := range nr.groups {
		g := &syncGroup{name: ng.name, state: StateInit}
		if og := oldGroups[ng.name]; og != nil {
			g.state = og.state
		} else {
			newGroups = append(newGroups, g)
		}
		for _, m := range ng.members {
			in := byName[m.cfg.Name]
			in.group = g
			g.members = append(g.members, in)
		}
		r.groups = append(r.groups, g)
	}

	return newGroups
}

// startGroups puts the groups a reload added in their members' state, as
// at start.
func (r *Router) startGroups(newGroups []*syncGroup) {
	for _, g := range newGroups {
		to := StateBackup
		for _, m := range g.members {
			if m.state == StateFault {
				to = StateFault
				break
			}
			if m.state == StateMaster {
				to = StateMaster
			}
		}
		if to == StateBackup {
			r.groupToQuiet(g, to, "sync group start") // as at start
			continue
		}
		if to == StateMaster && g.ownersGroup() {
			g.state = to // as at start: MASTER before its members
		}
		r.groupTo(g, to, "sync group start")
	}
}

// statesBefore records the state of the kept instances and groups before
// a reload re-evaluates them.
func (r *Router) statesBefore(keep map[string]*instance) map[any]State {
	if !r.fifoOnReload {
		return nil
	}
	m := map[any]State{}
	for _, g := range r.groups {
		if g.state != StateInit {
			m[g] = g.state
		}
	}
	for _, in := range keep {
		m[in] = in.state
	}
	return m
}

// repeatStates writes, with fifo_write_vrrp_states_on_reload, the FIFO
// line of every group a reload left in its state, then of every BACKUP or
// FAULT instance it left so, as keepalived's vrrp_init_state does.
func (r *Router) repeatStates(before map[any]State) {
	if before == nil {
		return
	}
	now := r.clock.Now()
	for _, g := range r.groups {
		if st, ok := before[g]; ok && st == g.state {
			r.emit(Event{Kind: EventStateOnReload, Group: true, Name: g.name, State: g.state, Time: now})
		}
	}
	for _, in := range r.insts {
		// keepalived's vrrp_init_state keeps a MASTER as it is
		// (reload_master) and writes nothing for it; BACKUP and FAULT
		// instances get their line.
		if st, ok := before[in]; ok && st == in.state && st != StateMaster {
			r.emit(Event{Kind: EventStateOnReload, Name: in.cfg.Name, State: in.state, Priority: in.effPrio, Time: now})
		}
	}
}

// carryScripts keeps what a vrrp_script of the same name has reported,
// as keepalived's clear_diff_script does, logging its verdict; a script
// that has not reported yet stays waiting.
func (r *Router) carryScripts(nr *Router) {
	names := make([]string, 0, len(nr.scripts))
	for name := range nr.scripts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s, old := nr.scripts[name], r.scripts[name]
		if old == nil || !old.known {
			continue
		}
		s.known, s.good, s.lastStatus = true, old.good, old.lastStatus
		if old.cfg == s.cfg {
			s.run = old.run
		}
		verdict := "successful"
		if !s.good {
			verdict = "unsuccessful"
		}
		r.log.Info(fmt.Sprintf("VRRP_Script(%s) considered %s on reload", name, verdict), "script", name)
	}
}

// groupJoiner is implemented by Conns that can join more multicast groups
// (vrrpsock's do).
type groupJoiner interface {
	JoinGroup(group netip.Addr) error
}

// joinNewGroups joins, on a kept socket, the multicast groups (mcast_dst_ip)
// that instances of the reloaded configuration use and the running ones did
// not.
func (r *Router) joinNewGroups(l, next *link) {
	j, ok := l.conn.(groupJoiner)
	if !ok {
		return
	}
	had := map[netip.Addr]bool{}
	for _, in := range l.byVRID {
		if in != nil && !in.unicast {
			had[in.cfg.McastGroup] = true
		}
	}
	for _, in := range next.byVRID {
		if in == nil || in.unicast || had[in.cfg.McastGroup] {
			continue
		}
		had[in.cfg.McastGroup] = true
		if err := j.JoinGroup(in.cfg.McastGroup); err != nil {
			r.log.Warn("vrrp: join multicast group", "interface", l.key.ifname, "group", in.cfg.McastGroup, "err", err)
		}
	}
}

// rcvBufSetter is a Conn whose receive buffer can be set again.
type rcvBufSetter interface {
	SetRcvBuf(n int) error
}

// resize gives a kept socket the receive buffer of the reloaded
// configuration, as keepalived's reopened one has.
func (r *Router) resize(l *link) {
	s, ok := l.conn.(rcvBufSetter)
	if !ok || r.opt.RcvBuf == nil {
		return
	}
	if err := s.SetRcvBuf(r.opt.RcvBuf(l.key.ifname, l.key.ipv6, l.key.ah)); err != nil {
		r.log.Warn("vrrp: set receive buffer", "interface", l.key.ifname, "err", err)
	}
}

// sameIdentity reports whether a reloaded instance is the same virtual
// router: anything else is a new one.
func sameIdentity(a, b InstanceConfig) bool {
	return a.Interface == b.Interface && a.IPv6 == b.IPv6 && a.VRID == b.VRID && a.Version == b.Version
}

// update moves a running instance to its new configuration (taken from n,
// built by New from the reloaded configuration), keeping its state.
func (in *instance) update(n *instance) {
	old := in.cfg
	c := n.cfg
	in.cfg = c
	in.owner = n.owner
	in.wireOpt = n.wireOpt
	in.tx = n.tx
	in.txSrc = n.txSrc
	in.srcLost = in.srcLost && !c.SrcIP.IsValid()
	in.dsts = n.dsts
	in.unicast = n.unicast
	// A switch to the old checksum learnt from the peer survives a
	// reload that keeps the automatic mode.
	in.oldCsum = n.oldCsum || (in.oldCsum && c.OldUnicastChecksum == ChecksumAuto && old.OldUnicastChecksum == ChecksumAuto)
	n.carryAH(in.ah)
	in.ah = n.ah
	if in.state != StateMaster {
		in.masterAdverInt = c.AdvertInt
		return
	}
	in.masterAdverInt = c.AdvertInt
	r := in.r
	ctx, cancel := r.netCtx()
	defer cancel()
	net := r.opt.Network
	// Remove first what goes (rules, routes, then addresses), then add
	// what comes (addresses, routes, rules): the same order as leaving and
	// entering MASTER, restricted to the difference.
	for _, ru := range slices.Backward(old.Rules) {
		if !slices.Contains(c.Rules, ru) {
			_ = net.DelRule(ctx, ru)
		}
	}
	for _, rt := range slices.Backward(old.Routes) {
		if !slices.ContainsFunc(c.Routes, rt.Equal) {
			_ = net.DelRoute(ctx, rt)
		}
	}
	oldAddrs := append(slices.Clone(old.VIPs), old.ExcludedVIPs...)
	newAddrs := append(slices.Clone(c.VIPs), c.ExcludedVIPs...)
	for _, a := range oldAddrs {
		if !slices.Contains(newAddrs, a) {
			_ = net.DelAddress(ctx, a)
		}
	}
	var added []Address
	for _, a := range newAddrs {
		if !slices.Contains(oldAddrs, a) {
			if err := net.AddAddress(ctx, a); err != nil {
				r.log.Warn(netlinkError(rtmNewAddr, err), "instance", c.Name, "vip", a.Prefix, "err", err)
			}
			added = append(added, a)
		}
	}
	for _, rt := range c.Routes {
		if !slices.ContainsFunc(old.Routes, rt.Equal) {
			if err := net.AddRoute(ctx, rt); err != nil {
				r.log.Warn(netlinkError(rtmNewRoute, err), "instance", c.Name, "route", rt.Dst, "err", err)
			}
		}
	}
	for _, ru := range c.Rules {
		if !slices.Contains(old.Rules, ru) {
			if err := net.AddRule(ctx, ru); err != nil {
				r.log.Warn(netlinkError(rtmNewRule, err), "instance", c.Name, "err", err)
			}
		}
	}
	// New addresses are announced as on becoming MASTER.
	for _, a := range added {
		ip := a.Prefix.Addr()
		if ip.Is6() && !ip.Is4In6() {
			_ = net.UnsolicitedNA(a.Dev, ip)
		} else {
			_ = net.GratuitousARP(a.Dev, ip)
		}
	}
	if old.AdvertInt != c.AdvertInt || old.Priority != c.Priority {
		in.reevalTracking()
		// Tell the backups at once rather than at the old interval.
		in.sendAdvert(in.effPrio)
		in.armAdvert()
	}
}
