package vrrp

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/dsas/keepalived-go/vrrp/wire"
)

const historyLen = 32

type instance struct {
	r     *Router
	cfg   InstanceConfig
	link  *link
	group *syncGroup

	state    State
	effPrio  int
	owner    bool
	ownFault bool

	masterAdverInt time.Duration // learned from the master (v3), else own
	masterAddr     netip.Addr
	preemptAt      time.Time

	// One timer drives the protocol: advert timer as MASTER, master-down
	// timer as BACKUP. armed/deadline make a late firing of a reset timer
	// harmless.
	timer    Timer
	armed    bool
	deadline time.Time
	onTimer  func()

	garpTimer    Timer
	garpArmed    bool
	garpDeadline time.Time
	onGARP       func()
	bursts       []burst
	refreshAt    time.Time
	lastLowerRx  time.Time
	masterSince  time.Time // last transition to MASTER

	tx       wire.Packet
	txSrc    netip.Addr // address the checksum is computed with
	dsts     []netip.Addr
	unicast  bool
	rx       wire.Packet
	wireOpt  wire.Options
	stats    Stats
	history  []Transition
	histNext int
}

type burst struct {
	at    time.Time
	left  int
	lower bool
}

func newInstance(r *Router, c InstanceConfig) *instance {
	in := &instance{r: r, cfg: c, state: StateInit, owner: c.Priority == 255}
	in.effPrio = c.Priority
	in.masterAdverInt = c.AdvertInt
	in.onTimer = in.fire
	in.onGARP = in.fireGARP
	in.wireOpt = wire.Options{V3ChecksumAsV2: c.V3ChecksumAsV2}
	in.tx = wire.Packet{Version: c.Version, Type: wire.TypeAdvertisement, VRID: c.VRID}
	if c.Version == 2 {
		in.tx.AdvertInt = uint16(c.AdvertInt / time.Second)
		if c.AuthType == wire.AuthPass {
			in.tx.AuthType = wire.AuthPass
			copy(in.tx.Auth[:], c.AuthPass)
		}
	} else {
		in.tx.AdvertInt = uint16(c.AdvertInt / (10 * time.Millisecond))
	}
	for _, v := range c.VIPs {
		in.tx.Addrs = append(in.tx.Addrs, v.Prefix.Addr())
	}
	in.txSrc = c.SrcIP
	if !in.txSrc.IsValid() {
		// Only reachable for v2 (checksum has no pseudo-header) and IPv6
		// (the kernel fills the checksum in), so any address of the family
		// gives the same bytes the kernel will send.
		in.txSrc = netip.IPv4Unspecified()
		if c.IPv6 {
			in.txSrc = netip.IPv6Unspecified()
		}
	}
	if len(c.UnicastPeers) > 0 {
		in.unicast = true
		for _, p := range c.UnicastPeers {
			in.dsts = append(in.dsts, p.Addr)
		}
	} else {
		in.dsts = []netip.Addr{c.McastGroup}
	}
	return in
}

func (in *instance) now() time.Time {
	if !in.r.rxNow.IsZero() {
		return in.r.rxNow
	}
	return in.r.clock.Now()
}

// skew is Skew_Time: (256-prio)/256 of a second in v2, of the master's
// advert interval in v3.
func (in *instance) skew() time.Duration {
	base := time.Second
	if in.cfg.Version == 3 {
		base = in.masterAdverInt
	}
	return time.Duration(256-in.effPrio) * base / 256
}

func (in *instance) masterDown() time.Duration {
	return time.Duration(in.cfg.DownTimerAdverts)*in.masterAdverInt + in.skew()
}

func (in *instance) arm(d time.Duration) { in.armFrom(in.now(), d) }

// armAdvert arms a master's advert timer for the next point of its advert
// interval's grid (whole intervals since the router started): never more
// than one interval after the advert just sent, and the same instant for
// every instance with that interval. keepalived's instances drift apart
// by their processing time and re-arm from the one loop time they share;
// re-arming each from its own clock reading kept the skew of start-up
// forever, so 255 masters sent over 22 ms, woke their own loop and each
// backup several times a second. On the grid they leave in one burst.
// Only the instant after a master's first advert moves (earlier, by less
// than an interval); the interval between the adverts that follow is
// exact, and a backup's timers are not on any grid.
func (in *instance) armAdvert() {
	now := in.now()
	iv := in.cfg.AdvertInt
	since := now.Sub(in.r.epoch)
	in.armFrom(now, (since/iv+1)*iv-since)
}

// armFrom arms the protocol timer for now + d, now being a clock reading
// the caller has just taken (a BACKUP re-arms on every advert: one clock
// read per advert, not two).
func (in *instance) armFrom(now time.Time, d time.Duration) {
	in.deadline = now.Add(d)
	in.armed = true
	if lt, ok := in.timer.(*loopTimer); ok {
		lt.resetAt(in.deadline)
		return
	}
	if in.timer == nil {
		in.timer = in.r.clock.AfterFunc(d, in.onTimer)
		return
	}
	in.timer.Reset(d)
}

func (in *instance) disarm() {
	in.armed = false
	if in.timer != nil {
		in.timer.Stop()
	}
}

func (in *instance) fire() {
	r := in.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped || !in.armed || in.now().Before(in.deadline) {
		return
	}
	in.armed = false
	switch in.state {
	case StateMaster:
		in.sendAdvert(in.effPrio)
		in.armAdvert()
	case StateBackup:
		in.logf("Receive advertisement timeout")
		r.transition(in, StateMaster, "master down timer")
	}
}

// init is the start-up decision of keepalived's vrrp_init_state, with one
// deliberate reading of the measurements: `state MASTER` below 255 waits a
// full Master_Down_Interval, exactly like `state BACKUP` (baseline §4.1).
func (in *instance) init() {
	in.reevalTracking()
	switch {
	case in.ownFault:
		if in.noSource() {
			in.logf("entering FAULT state (src address not configured)")
		}
		in.setState(StateFault, "tracking at start")
	case in.owner && in.cfg.InitialState == StateMaster:
		in.setState(StateMaster, "address owner")
	default:
		// A previous run killed with -9 may have left the VIPs behind.
		in.removeVIPs()
		in.setState(StateBackup, "start")
	}
}

// reevalTracking recomputes ownFault and the effective priority from the
// tracker states (grammar §5.2).
func (in *instance) reevalTracking() {
	r := in.r
	fault := false
	sum := 0
	apply := func(ok bool, weight int, reverse bool) {
		if reverse {
			ok = !ok
		}
		switch {
		case weight == 0:
			if !ok {
				fault = true
			}
		case weight > 0 && ok, weight < 0 && !ok:
			sum += weight
		}
	}
	if !in.cfg.DontTrackPrimary && !r.ifUp[in.cfg.Interface] {
		fault = true
	}
	if in.noSource() {
		fault = true
	}
	for _, t := range in.cfg.TrackInterfaces {
		apply(r.ifUp[t.Name], t.Weight, t.Reverse)
	}
	for _, v := range in.cfg.VIPs {
		if !v.NoTrack && v.Dev != in.cfg.Interface && !r.ifUp[v.Dev] {
			fault = true
		}
	}
	for _, t := range in.cfg.TrackScripts {
		s := r.scripts[t.Name]
		if !s.known && t.Weight == 0 {
			fault = true // held until the first result
			continue
		}
		apply(s.good, t.Weight, t.Reverse)
	}
	for _, t := range in.cfg.TrackProcesses {
		apply(r.procs[t.Name], t.Weight, t.Reverse)
	}
	for _, t := range in.cfg.TrackFiles {
		v := r.files[t.Name]
		if t.Weight == 0 {
			if v != 0 {
				fault = true
			}
			continue
		}
		w := v * t.Weight
		if t.Reverse {
			w = -w
		}
		if w < -253 {
			fault = true
		}
		sum += w
	}
	in.ownFault = fault
	old := in.effPrio
	if in.owner {
		in.effPrio = 255
	} else {
		in.effPrio = min(max(in.cfg.Priority+sum, 1), 254)
	}
	if old != in.effPrio && in.state != StateInit {
		in.logf("Changing effective priority from %d to %d", old, in.effPrio)
	}
}

// noSource reports a VRRPv3 IPv4 instance without the source address its
// checksum needs.
func (in *instance) noSource() bool {
	return in.cfg.Version == 3 && !in.cfg.IPv6 && !in.cfg.SrcIP.IsValid()
}

// NeedsSource lists the instances held in FAULT for want of a source
// address (VRRPv3 over IPv4 on an interface without one), so the wiring
// can reload once the interface has an address.
func (r *Router) NeedsSource() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, in := range r.insts {
		if in.noSource() {
			out = append(out, in.cfg.Name)
		}
	}
	return out
}

// logf logs one of keepalived's per-instance lines, "(VI_1) ...", so that
// log alerts written for keepalived keep matching.
func (in *instance) logf(format string, args ...any) {
	in.r.log.Info(fmt.Sprintf("(%s) "+format, append([]any{in.cfg.Name}, args...)...), "instance", in.cfg.Name)
}

// detailf is logf for what keepalived logs only with --log-detail.
func (in *instance) detailf(format string, args ...any) {
	in.r.log.Debug(fmt.Sprintf("(%s) "+format, append([]any{in.cfg.Name}, args...)...), "instance", in.cfg.Name)
}

func (in *instance) reevaluate(reason string) {
	r := in.r
	in.reevalTracking()
	switch {
	case in.ownFault && in.state != StateFault:
		r.transition(in, StateFault, reason)
	case !in.ownFault && in.state == StateFault:
		if g := in.group; g != nil {
			for _, m := range g.members {
				if m.ownFault {
					return
				}
			}
		}
		to := StateBackup
		if in.owner && in.cfg.InitialState == StateMaster {
			to = StateMaster
		}
		r.transition(in, to, reason)
	}
}

func (in *instance) setState(to State, reason string) {
	from := in.state
	if from == to {
		return
	}
	r := in.r
	now := in.now()
	if to != StateMaster && from == StateInit {
		in.logf("Entering %s STATE (init)", to)
	} else {
		in.logf("Entering %s STATE", to)
	}
	if from == StateMaster {
		in.leaveMaster(to)
	}
	in.state = to
	in.record(Transition{At: now, From: from, To: to, Reason: reason})
	switch to {
	case StateMaster:
		in.enterMaster(now)
		r.emit(Event{Name: in.cfg.Name, State: to, Priority: in.effPrio, Time: now})
	case StateBackup:
		in.preemptAt = time.Time{}
		if from != StateMaster {
			in.masterAdverInt = in.cfg.AdvertInt
		}
		in.arm(in.masterDown())
		r.emit(Event{Name: in.cfg.Name, State: to, Priority: in.effPrio, Time: now})
	case StateFault:
		in.disarm()
		r.emit(Event{Name: in.cfg.Name, State: to, Priority: in.effPrio, Time: now})
	}
}

func (in *instance) record(t Transition) {
	if len(in.history) < historyLen {
		in.history = append(in.history, t)
		return
	}
	in.history[in.histNext] = t
	in.histNext = (in.histNext + 1) % historyLen
}

// enterMaster follows keepalived's order: advert, VIPs, GARPs, notify.
func (in *instance) enterMaster(now time.Time) {
	in.stats.BecomeMaster++
	in.masterSince = now
	in.masterAddr = netip.Addr{}
	in.masterAdverInt = in.cfg.AdvertInt
	in.preemptAt = time.Time{}
	in.sendAdvert(in.effPrio)
	in.armAdvert()
	in.addVIPs()
	g := in.cfg.GARP
	in.bursts = in.bursts[:0]
	in.bursts = append(in.bursts, burst{at: now, left: max(g.MasterRepeat, 1)})
	if g.MasterDelay > 0 && g.MasterRepeat > 0 {
		in.bursts = append(in.bursts, burst{at: now.Add(g.MasterDelay), left: g.MasterRepeat})
	}
	in.refreshAt = time.Time{}
	if g.MasterRefresh > 0 {
		in.refreshAt = now.Add(g.MasterRefresh)
	}
	if len(in.cfg.VIPs) > 0 {
		v := in.cfg.VIPs[0]
		what := "gratuitous ARPs"
		if in.cfg.IPv6 {
			what = "unsolicited neighbour advertisements"
		}
		in.logf("Sending/queueing %s on %s for %s", what, v.Dev, v.Prefix.Addr())
	}
	in.runBursts(now)
}

func (in *instance) leaveMaster(to State) {
	in.stats.ReleaseMaster++
	in.bursts = in.bursts[:0]
	in.refreshAt = time.Time{}
	in.garpArmed = false
	if in.garpTimer != nil {
		in.garpTimer.Stop()
	}
	if to == StateFault && in.r.ifUp[in.cfg.Interface] {
		// Tell the backups now instead of making them wait for the
		// master-down timer; keepalived does the same when a tracker
		// faults a master whose link is still up.
		in.sendAdvert(0)
	}
	if to != StateStop {
		in.removeVIPs()
	}
}

func (in *instance) stop(keepVIPs bool) {
	in.leave(keepVIPs, StateStop)
}

// leave ends the instance: a priority-0 advert and the VIPs removed if it
// is MASTER, then the event: STOP on shutdown; on a reload that removed
// the instance, DELETED with notify_deleted, else FAULT (keepalived's old
// way, kept as its default), not repeated for an instance already in
// FAULT.
func (in *instance) leave(keepVIPs bool, ev State) {
	r := in.r
	now := in.now()
	in.disarm()
	if ev == StateFault && in.cfg.NotifyDeleted {
		ev = StateDeleted
	}
	notify := ev != StateFault || in.state != StateFault
	if in.state == StateMaster {
		// With --dont-release-vrrp keepalived leaves the interfaces as
		// they are: no priority-0 advert either, so the backups do not
		// take over addresses this host keeps.
		if !keepVIPs {
			in.sendAdvert(0)
			in.logf("sent 0 priority")
		}
		in.bursts = in.bursts[:0]
		if in.garpTimer != nil {
			in.garpTimer.Stop()
		}
		r.emit(Event{Name: in.cfg.Name, State: ev, Priority: in.effPrio, Time: now})
		if !keepVIPs {
			in.removeVIPs()
		}
	} else if notify {
		r.emit(Event{Name: in.cfg.Name, State: ev, Priority: in.effPrio, Time: now})
	}
	in.record(Transition{At: now, From: in.state, To: StateStop, Reason: "stop"})
	in.state = StateInit
}

func (in *instance) sendAdvert(prio int) {
	l := in.link
	if l == nil || l.conn == nil {
		return
	}
	r := in.r
	in.tx.Priority = uint8(prio)
	sent := false
	for _, dst := range in.dsts {
		b, err := in.tx.AppendEncode(r.txBuf[:0], in.txSrc, dst, in.wireOpt)
		if err == nil {
			err = l.conn.WriteTo(b, in.cfg.SrcIP, dst)
		}
		if err != nil {
			in.stats.SendErr++
			r.log.Debug("vrrp: send advert failed", "instance", in.cfg.Name, "dst", dst, "err", err)
			continue
		}
		sent = true
	}
	if sent {
		in.stats.AdvertSent++
		if prio == 0 {
			in.stats.PriZeroSent++
		}
	}
}

func (in *instance) addVIPs() {
	r := in.r
	in.detailf("setting VIPs.")
	ctx, cancel := r.netCtx()
	defer cancel()
	n := r.opt.Network
	for _, set := range [][]Address{in.cfg.VIPs, in.cfg.ExcludedVIPs} {
		for _, a := range set {
			if err := n.AddAddress(ctx, a); err != nil {
				r.log.Warn("vrrp: add VIP", "instance", in.cfg.Name, "vip", a.Prefix, "err", err)
			}
		}
	}
	for _, rt := range in.cfg.Routes {
		if err := n.AddRoute(ctx, rt); err != nil {
			r.log.Warn("vrrp: add route", "instance", in.cfg.Name, "route", rt.Dst, "err", err)
		}
	}
	for _, ru := range in.cfg.Rules {
		if err := n.AddRule(ctx, ru); err != nil {
			r.log.Warn("vrrp: add rule", "instance", in.cfg.Name, "err", err)
		}
	}
}

func (in *instance) removeVIPs() {
	r := in.r
	in.detailf("removing VIPs.")
	ctx, cancel := r.netCtx()
	defer cancel()
	n := r.opt.Network
	for _, ru := range slices.Backward(in.cfg.Rules) {
		_ = n.DelRule(ctx, ru)
	}
	for _, rt := range slices.Backward(in.cfg.Routes) {
		_ = n.DelRoute(ctx, rt)
	}
	for _, set := range [][]Address{in.cfg.ExcludedVIPs, in.cfg.VIPs} {
		for _, a := range set {
			// Absent addresses are the normal case at start-up.
			_ = n.DelAddress(ctx, a)
		}
	}
}

func (in *instance) status() InstanceStatus {
	st := InstanceStatus{
		Name:              in.cfg.Name,
		Interface:         in.cfg.Interface,
		VRID:              in.cfg.VRID,
		IPv6:              in.cfg.IPv6,
		State:             in.state,
		BasePriority:      in.cfg.Priority,
		EffectivePriority: in.effPrio,
		MasterAdvertInt:   in.masterAdverInt,
		Stats:             in.stats,
	}
	if in.masterAddr.IsValid() {
		st.MasterAddr = in.masterAddr.String()
	}
	if in.group != nil {
		st.SyncGroup = in.group.name
	}
	st.History = make([]Transition, 0, len(in.history))
	st.History = append(st.History, in.history[in.histNext:]...)
	st.History = append(st.History, in.history[:in.histNext]...)
	return st
}
