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
	// srcLost: the interface's address this instance sent from went and
	// no other came (keepalived's down_instance on RTM_DELADDR).
	srcLost bool
	// protoErr is the last protocol error an advert was refused for.
	protoErr ProtoError
	// initHold: in FAULT only while a weight-0 track_script has not
	// reported yet. keepalived enters that FAULT silently (logged, no
	// notify), so a restart pages no one.
	initHold bool
	// starting: reevalTracking runs for the start-up decision.
	starting bool
	// wantMaster is keepalived's wantstate MASTER for a sync group
	// member: its master-down timer ran out and no master was heard since.
	wantMaster bool
	// silent: in FAULT without its event sent (initHold at start).
	silent bool
	// faulting: this instance's own trackers are faulting it (not its
	// sync group), while it leaves MASTER.
	faulting bool
	// zeroOnLeave makes the next leaving of MASTER send a priority-0
	// advert whatever the new state (keepalived's set_vrrp_backup).
	zeroOnLeave bool

	masterAdverInt time.Duration // learned from the master (v3), else own
	masterAddr     netip.Addr
	masterPrio     int // priority of the last advert from masterAddr
	// saddrMaster and saddrPrio are keepalived's master_saddr and
	// master_priority (InstanceStatus.SaddrMaster).
	saddrMaster netip.Addr
	saddrPrio   int
	// totalPrio is keepalived's total_priority: base plus the trackers'
	// weights, before effPrio's clamp to 1..254; totalSet once the
	// trackers were applied.
	totalPrio int
	totalSet  bool
	// fileFault is, per TrackFiles entry, whether its status faults the
	// instance (fileStatus).
	fileFault []bool
	preemptAt time.Time

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
	extraAt      time.Time // next garp_extra_if round
	lastLowerRx  time.Time
	masterSince  time.Time // last transition to MASTER

	tx      wire.Packet
	txSrc   netip.Addr // address the checksum is computed with
	dsts    []netip.Addr
	unicast bool
	// oldCsum: unicast v3 adverts carry keepalived 1.3.6's checksum
	// (oldchecksum.go).
	oldCsum bool
	// srcMissing: track_src_ip and the configured source address was
	// deleted (hostevents.go).
	srcMissing bool
	rx         wire.Packet
	ah         *ahState // auth_type AH only (authah.go)
	wireOpt    wire.Options
	stats      Stats
	drops      dropLog
	history    []Transition
	histNext   int
	// advertSent marks the first advert of a take-over already sent by
	// takeOver, which enterMaster must not repeat.
	advertSent bool
}

type burst struct {
	at      time.Time
	left    int
	lower   bool
	started bool // a round has been sent (the first one logs)
	// Under garp_interval: the next IPv4 and IPv6 address of the round,
	// and whether the burst's first round has been logged (its first
	// message may wait for another instance's on the same interface).
	pos, pos6 int
	logged    bool
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
	in.initAH()
	in.oldCsum = c.OldUnicastChecksum == ChecksumOld
	in.txSrc = checksumSource(c.SrcIP, c.IPv6)
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

// checksumSource is the address an advert's checksum is computed with:
// the source, or without one the family's unspecified address. That is
// only reachable for v2 (its checksum has no pseudo-header) and IPv6 (the
// kernel fills the checksum in), so any address of the family gives the
// bytes the kernel will send.
func checksumSource(src netip.Addr, ipv6 bool) netip.Addr {
	switch {
	case src.IsValid():
		return src
	case ipv6:
		return netip.IPv6Unspecified()
	default:
		return netip.IPv4Unspecified()
	}
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
		if in.stalled() {
			return
		}
		in.sendAdvert(in.effPrio)
		in.armAdvert()
	case StateBackup:
		r.takeOver(in)
	}
}

// stalled is keepalived 2.3's timer_expired_backup: a MASTER whose
// advert timer fires so late that a backup of the given priority has
// taken over meanwhile steps down to BACKUP rather than fight it.
func (in *instance) stalled() bool {
	n := in.cfg.TimerExpiredBackup
	if n <= 0 {
		return false
	}
	base := time.Second
	if in.cfg.Version == 3 {
		base = in.cfg.AdvertInt
	}
	lastSent := in.deadline.Add(-in.cfg.AdvertInt)
	late := in.now().Sub(lastSent)
	if late < 3*in.cfg.AdvertInt+time.Duration(256-n)*base/256 {
		return false
	}
	over := in.now().Sub(in.deadline)
	in.r.log.Info(fmt.Sprintf("VRRP thread timer expired %d.%06d seconds ago", over/time.Second, over%time.Second/time.Microsecond))
	in.r.transition(in, StateBackup, "advert timer expired (timer_expired_backup)")
	return true
}

// takeOver makes first MASTER on its master-down timeout, and with it
// every other BACKUP whose timer has run out too: their first adverts go
// out before any of their transitions, then each transition (log, VIPs,
// GARPs, notification) runs in turn, in timer order. keepalived sends
// each instance's advert first too, but one instance after the other,
// and so did we: when many instances time out together (at start-up they
// all wait one Master_Down_Interval from one instant) the last ones'
// adverts waited for the netlink work and GARPs of all the ones before,
// 150-250 ms for 512 instances on a loaded host. That is longer than the
// 195 ms by which a priority-150 master's timers run out before a
// priority-100 backup's, so the backup took over the instances whose
// adverts were late. Instances of a sync group move with their group and
// are left to the one-by-one path.
func (r *Router) takeOver(first *instance) {
	if g := first.group; g != nil && g.groupWaits(first) {
		// keepalived logs the timeout of every member, and waits again.
		first.detailf("Receive advertisement timeout")
		first.armFrom(first.now(), first.masterDown())
		return
	}
	due := r.dueBackups(first)
	for _, in := range due {
		in.ahEnterMaster()
		in.sendAdvert(in.effPrio)
		in.advertSent = true
	}
	for _, in := range due {
		if in == first || (in.state == StateBackup && !in.armed) {
			// A -D line in keepalived (vrrp_dispatcher_read_timeout).
			in.detailf("Receive advertisement timeout")
			r.transition(in, StateMaster, "master down timer")
		}
		// Otherwise a transition of an earlier one has moved it on.
		in.advertSent = false
	}
}

// dueBackups returns first and, unless it is in a sync group, every other
// ungrouped BACKUP whose master-down timer has run out, in deadline order
// (ties in configuration order), their timers disarmed: first's callback
// handles them all, and theirs then find nothing to do.
func (r *Router) dueBackups(first *instance) []*instance {
	due := []*instance{first}
	if first.group != nil {
		return due
	}
	now := first.now()
	for _, in := range r.insts {
		if in == first || in.group != nil || in.state != StateBackup || !in.armed || now.Before(in.deadline) {
			continue
		}
		in.disarm()
		due = append(due, in)
	}
	slices.SortStableFunc(due[1:], func(a, b *instance) int { return a.deadline.Compare(b.deadline) })
	return due
}

// init is the start-up decision of keepalived's vrrp_init_state, with one
// deliberate reading of the measurements: `state MASTER` below 255 waits a
// full Master_Down_Interval, exactly like `state BACKUP` (baseline §4.1).
func (in *instance) init() {
	in.reevalAtStart()
	switch {
	case in.ownFault || in.groupHeld() || (in.group != nil && in.group.startFault):
		if in.noSource() {
			in.logf("entering FAULT state (src address not configured)")
		}
		in.setState(StateFault, "tracking at start")
		// keepalived's vrrp_init_state then restores the interface of
		// every instance that does not start MASTER, FAULT ones too.
		in.removeVIPsAtStart()
	case in.owner && in.cfg.InitialState == StateMaster:
		// keepalived gets there through a 1 µs master-down timer, so
		// its -D timeout line comes first.
		in.detailf("Receive advertisement timeout")
		in.setState(StateMaster, "address owner")
	default:
		// A previous run killed with -9 may have left the VIPs behind.
		in.removeVIPsAtStart()
		in.setState(StateBackup, "start")
	}
}

// announceFault sends the FAULT events held back at start, for the
// instance and, if its sync group was waiting, for the whole group.
func (in *instance) announceFault() {
	r := in.r
	now := in.now()
	members := []*instance{in}
	g := in.group
	held := g != nil && g.held
	if held {
		members = g.members
		g.held = false
		g.state = StateFault
		r.log.Info(fmt.Sprintf("VRRP_Group(%s) Syncing instances to %s state", g.name, StateFault), "group", g.name)
	}
	for _, m := range members {
		if m.silent {
			m.silent = false
			r.emit(Event{Name: m.cfg.Name, State: StateFault, Priority: m.effPrio, Time: now})
		}
	}
	if held {
		r.emit(Event{Group: true, Name: g.name, State: StateFault, Time: now})
	}
}

// groupHeld reports whether the instance's sync group waits at start for
// members' first script results.
func (in *instance) groupHeld() bool { return in.group != nil && in.group.held }

// reevalTracking recomputes ownFault and the effective priority from the
// tracker states (grammar §5.2).
func (in *instance) reevalTracking() {
	r := in.r
	fault := false
	sum := 0
	// keepalived's arithmetic (initialise_*_tracking_priorities): weight 0
	// faults while down (reverse: while up); otherwise a positive weight
	// counts while up and a negative one while down, and reverse only
	// negates the amount. Flipping up/down instead gives the same
	// differences but priorities off by the weight, which a keepalived
	// peer would see in every election.
	apply := func(ok bool, weight int, reverse bool) {
		m := 1
		if reverse {
			m = -1
		}
		switch {
		case weight == 0:
			if ok == reverse {
				fault = true
			}
		case weight > 0 && ok, weight < 0 && !ok:
			sum += weight * m
		}
	}
	if !in.cfg.DontTrackPrimary && !r.ifUp[in.cfg.Interface] {
		fault = true
	}
	if in.noSource() || in.srcLost || in.srcMissing || in.cfg.ConfigFault != "" {
		fault = true
	}
	for _, t := range in.cfg.TrackInterfaces {
		apply(r.ifUp[t.Name], t.Weight, t.Reverse)
	}
	for _, d := range in.cfg.trackedDevs() {
		if !r.ifUp[d.name] {
			fault = true
		}
	}
	held := false
	for _, t := range in.cfg.TrackScripts {
		s := r.scripts[t.Name]
		if !s.known && !s.cfg.InitFail {
			// keepalived counts a script from its first result: a
			// weight-0 one holds the instance until then, a weighted
			// one adds nothing yet. init_fail starts it failed.
			held = held || t.Weight == 0
			continue
		}
		apply(s.good, t.Weight, t.Reverse)
	}
	for _, t := range in.cfg.TrackProcesses {
		apply(r.procs[t.Name], t.Weight, t.Reverse)
	}
	bfdSum, bfdFault := in.bfdTracking()
	sum += bfdSum
	fault = fault || bfdFault
	fileSum, fileFault, fileIn, fileOut := in.fileTracking()
	sum += fileSum
	fault = fault || fileFault
	in.ownFault = fault || held
	in.initHold = held && !fault
	old, oldTotal, wasSet := in.effPrio, in.totalPrio, in.totalSet
	in.totalPrio, in.totalSet = in.cfg.Priority+sum, true
	switch {
	case in.owner:
		in.effPrio = 255
	case in.state != StateInit && (fileIn || (wasSet && oldTotal == in.totalPrio && !fileOut)):
		// keepalived sets effective_priority from total_priority only
		// when a tracker changes the total or a weighted file leaves
		// -254, and its down_instance for a weighted file reaching -254
		// takes the file's old status off total_priority but leaves
		// effective_priority as it was.
	default:
		in.effPrio = min(max(in.cfg.Priority+sum, 1), 254)
	}
	// keepalived logs the change from the configured priority that the
	// trackers known at start make (vrrp_set_effective_priority in
	// initialise_tracking_priorities), then every later change; tracker
	// events before the start-up decision (vrrp_startup_delay) are only
	// folded into that first line.
	if old != in.effPrio && (in.state != StateInit || in.starting) {
		in.logf("Changing effective priority from %d to %d", old, in.effPrio)
		if in.cfg.NotifyPriorityChanges {
			r.emit(Event{Kind: EventPriorityChange, Name: in.cfg.Name, State: in.state, Priority: in.effPrio, Time: r.clock.Now()})
		}
	}
}

// fileStatus is keepalived's status of a track_file of value v for one
// tracker (update_track_file_status): with weight 0, -254 when the value
// is non-zero (reverse: when it is zero), else 0; otherwise the value
// times the weight, negated by reverse, within -254..253. -254 faults the
// instance and adds nothing to its priority.
func fileStatus(v int, t TrackRef) int {
	if t.Weight == 0 {
		if (v != 0) != t.Reverse {
			return -254
		}
		return 0
	}
	w := int64(v) * int64(t.Weight)
	if t.Reverse {
		w = -w
	}
	return int(min(max(w, -254), 253))
}

// fileTracking is the track files' part of reevalTracking: the sum of
// their statuses, whether one faults the instance, and whether a weighted
// one started (entered) or stopped (left) faulting it.
func (in *instance) fileTracking() (sum int, fault, entered, left bool) {
	if len(in.fileFault) != len(in.cfg.TrackFiles) {
		in.fileFault = make([]bool, len(in.cfg.TrackFiles))
	}
	for i, t := range in.cfg.TrackFiles {
		st := fileStatus(in.r.files[t.Name], t)
		f := st == -254
		if t.Weight != 0 && f != in.fileFault[i] {
			entered, left = entered || f, left || !f
		}
		in.fileFault[i] = f
		if f {
			fault = true
			continue
		}
		sum += st
	}
	return sum, fault, entered, left
}

// reevalAtStart is reevalTracking for the start-up decision, which logs
// a priority changed by the trackers as keepalived does at start.
func (in *instance) reevalAtStart() {
	in.starting = true
	in.reevalTracking()
	in.starting = false
}

// noSource reports a VRRPv3 IPv4 instance without the source address its
// checksum needs, or an AH one without the address its SPI and ICV need.
func (in *instance) noSource() bool {
	return (in.cfg.Version == 3 || in.ah != nil) && !in.cfg.IPv6 && !in.cfg.SrcIP.IsValid()
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
		in.faulting = true
		r.transition(in, StateFault, reason)
		in.faulting = false
	case in.ownFault && !in.initHold && in.silent:
		// The first script result is a failure: the FAULT entered
		// silently at start is now a real one, and is told (keepalived's
		// down_instance from INIT sends the notification then).
		in.announceFault()
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
		in.announceSource()
	}
}

// announceSource sends one gratuitous ARP / unsolicited NA for a unicast
// instance's own source address as it comes up from FAULT (or from
// waiting for its scripts), as keepalived's try_up_instance does: the
// master may have lost this host from its ARP cache, and could not send
// it adverts before resolving it again, so this host would time out and
// become a second master.
func (in *instance) announceSource() {
	src := in.cfg.SrcIP
	if !in.unicast || !src.IsValid() {
		return
	}
	r := in.r
	ifname := in.cfg.Interface
	if in.cfg.BaseInterface != "" {
		ifname = in.cfg.BaseInterface
	}
	var err error
	if src.Is6() && !src.Is4In6() {
		r.log.Debug(fmt.Sprintf("%s: sending gratuitous NA for %s", in.cfg.Name, src), "instance", in.cfg.Name)
		err = r.opt.Network.UnsolicitedNA(ifname, src)
	} else {
		r.log.Debug(fmt.Sprintf("%s: sending gratuitous ARP for %s", in.cfg.Name, src), "instance", in.cfg.Name)
		r.log.Debug(fmt.Sprintf("Sending gratuitous ARP on %s for %s", ifname, src))
		err = r.opt.Network.GratuitousARP(ifname, src.Unmap())
	}
	if err != nil {
		r.log.Debug("vrrp: announce of the source address failed", "instance", in.cfg.Name, "src", src, "err", err)
	}
}

func (in *instance) setState(to State, reason string) {
	from := in.state
	if from == to {
		return
	}
	in.silent = false
	r := in.r
	now := in.now()
	switch {
	case from == StateInit && to == StateFault && (in.initHold || in.groupHeld()):
		// keepalived's vrrp_init_state logs nothing for an instance
		// waiting for its scripts.
	case from == StateInit && to == StateFault:
		in.logStartFault()
	case to != StateMaster && from == StateInit:
		in.logf("Entering %s STATE (init)", to)
	default:
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
		r.emit(Event{Name: in.cfg.Name, State: to, Priority: in.effPrio, Time: now, Reason: reason})
	case StateBackup:
		in.preemptAt = time.Time{}
		if from != StateMaster {
			in.masterAdverInt = in.cfg.AdvertInt
		}
		in.arm(in.masterDown())
		r.emit(Event{Name: in.cfg.Name, State: to, Priority: in.effPrio, Time: now, Reason: reason})
	case StateFault:
		in.disarm()
		in.silent = from == StateInit && (in.initHold || in.groupHeld())
		if !in.silent {
			r.emit(Event{Name: in.cfg.Name, State: to, Priority: in.effPrio, Time: now, Reason: reason})
		}
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
	if !in.advertSent {
		in.ahEnterMaster()
		in.sendAdvert(in.effPrio)
	}
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
	in.extraAt = time.Time{}
	if in.cfg.GARPExtraIfInterval > 0 && len(in.cfg.GARPExtraIfs) > 0 {
		in.extraAt = now.Add(in.cfg.GARPExtraIfInterval)
	}
	in.runBursts(now)
}

func (in *instance) leaveMaster(to State) {
	in.stats.ReleaseMaster++
	in.bursts = in.bursts[:0]
	in.refreshAt = time.Time{}
	in.extraAt = time.Time{}
	in.garpArmed = false
	if in.garpTimer != nil {
		in.garpTimer.Stop()
	}
	if in.zeroOnLeave {
		// A VIP was deleted behind our back: the backups may take over
		// after Skew_Time while this router puts everything back.
		in.zeroOnLeave = false
		in.sendZero()
		in.detailf("sent 0 priority")
	} else if to == StateFault && in.r.ifUp[in.cfg.Interface] {
		// Tell the backups now instead of making them wait for the
		// master-down timer, as keepalived does. keepalived's own fault
		// (down_instance) sends a second, counted one from
		// vrrp_restore_interface; a sync group member it faults sends
		// only the first.
		in.sendAdvert(0)
		if in.faulting {
			in.sendZero()
			in.detailf("sent 0 priority")
		}
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
			in.sendZero()
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

// sendZero sends the priority-0 advert of a master giving up its role
// (a stop, a VIP deleted behind its back), counted as keepalived's
// pri_zero_sent; the one sent on entering FAULT is not counted there, as
// in keepalived.
func (in *instance) sendZero() {
	in.sendAdvert(0)
	in.stats.PriZeroSent++
}

// write sends one advert, with the instance's unicast_ttl when it has
// one (keepalived sets it in each unicast packet).
func (in *instance) write(c Conn, b []byte, dst netip.Addr) error {
	if tc, ok := c.(TTLConn); ok && in.cfg.UnicastTTL > 0 && len(in.cfg.UnicastPeers) > 0 {
		return tc.WriteToTTL(b, in.cfg.SrcIP, dst, in.cfg.UnicastTTL)
	}
	return c.WriteTo(b, in.cfg.SrcIP, dst)
}

func (in *instance) sendAdvert(prio int) {
	in.flushDrops(in.now())
	l := in.link
	if l == nil || l.conn == nil {
		return
	}
	r := in.r
	in.tx.Priority = uint8(prio)
	sent := false
	for i, dst := range in.dsts {
		b, err := in.encodeAdvert(r.txBuf[:0], dst, i == 0)
		if err == nil {
			err = in.write(l.conn, b, dst)
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
	}
}

// addVIPs installs what a MASTER owns in keepalived's order and with its
// -D lines: firewall drop rule, VIPs, E-VIPs, routes, rules.
func (in *instance) addVIPs() {
	r := in.r
	ctx, cancel := r.netCtx()
	defer cancel()
	n := r.opt.Network
	if in.cfg.NoAccept && !in.owner {
		in.detailf("setting firewall drop rule")
	}
	for i, set := range [][]Address{in.cfg.VIPs, in.cfg.ExcludedVIPs} {
		if len(set) > 0 {
			in.detailf("setting %sVIPs.", [2]string{"", "E-"}[i])
		}
		for _, a := range set {
			if err := n.AddAddress(ctx, a); err != nil {
				r.log.Warn(netlinkError(rtmNewAddr, err), "instance", in.cfg.Name, "vip", a.Prefix, "err", err)
			}
		}
	}
	if len(in.cfg.Routes) > 0 {
		in.detailf("setting Virtual Routes")
	}
	for _, rt := range in.cfg.Routes {
		if err := n.AddRoute(ctx, rt); err != nil {
			r.log.Warn(netlinkError(rtmNewRoute, err), "instance", in.cfg.Name, "route", rt.Dst, "err", err)
		}
	}
	if len(in.cfg.Rules) > 0 {
		in.detailf("setting Virtual Rules")
	}
	for _, ru := range in.cfg.Rules {
		if err := n.AddRule(ctx, ru); err != nil {
			r.log.Warn(netlinkError(rtmNewRule, err), "instance", in.cfg.Name, "err", err)
		}
	}
}

// removeVIPsAtStart clears what a previous run may have left. keepalived
// does it (and logs it) only where config can be left over: a physical
// interface, or a VMAC that already existed (vipset at start); the VMAC
// it has just created is clean, so nothing is logged for it — a VMAC
// left by a crash is the one case read otherwise here.
func (in *instance) removeVIPsAtStart() {
	in.removeVIPsLogged(in.cfg.BaseInterface == "")
}

// removeVIPs is keepalived's vrrp_restore_interface order: rules,
// routes, VIPs, E-VIPs, firewall drop rule.
func (in *instance) removeVIPs() { in.removeVIPsLogged(true) }

func (in *instance) removeVIPsLogged(logged bool) {
	detailf := in.detailf
	if !logged {
		detailf = func(string, ...any) {}
	}
	r := in.r
	ctx, cancel := r.netCtx()
	defer cancel()
	n := r.opt.Network
	if len(in.cfg.Rules) > 0 {
		detailf("removing Virtual Rules")
	}
	for _, ru := range slices.Backward(in.cfg.Rules) {
		_ = n.DelRule(ctx, ru)
	}
	if len(in.cfg.Routes) > 0 {
		detailf("removing Virtual Routes")
	}
	for _, rt := range slices.Backward(in.cfg.Routes) {
		_ = n.DelRoute(ctx, rt)
	}
	for i, set := range [][]Address{in.cfg.VIPs, in.cfg.ExcludedVIPs} {
		if len(set) > 0 {
			detailf("removing %sVIPs.", [2]string{"", "E-"}[i])
		}
		for _, a := range set {
			// Absent addresses are the normal case at start-up.
			_ = n.DelAddress(ctx, a)
		}
	}
	if in.cfg.NoAccept && !in.owner {
		detailf("removing firewall drop rule")
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
		NextExtraGARP:     in.extraAt,
		ProtoErr:          in.protoErr,
		NoPreempt:         in.cfg.Nopreempt,
	}
	if in.masterAddr.IsValid() {
		st.MasterAddr = in.masterAddr.String()
		st.MasterPriority = in.masterPrio
	}
	if in.saddrMaster.IsValid() {
		st.SaddrMaster = in.saddrMaster.String()
	}
	st.SaddrPriority = in.saddrPrio
	st.TotalPriority, st.TotalPrioritySet = in.totalPrio, true
	if !in.totalSet {
		st.TotalPriority = in.effPrio // trackers not applied yet
	}
	if in.group != nil {
		st.SyncGroup = in.group.name
	}
	st.Trackers = in.trackers()
	if in.state == StateFault {
		st.FaultReasons, st.FaultCount = in.faultSources()
	}
	st.History = make([]Transition, 0, len(in.history))
	st.History = append(st.History, in.history[in.histNext:]...)
	st.History = append(st.History, in.history[:in.histNext]...)
	return st
}

// trackers reports every tracked object of the instance with its current
// verdict, for operators asking why the effective priority moved.
func (in *instance) trackers() []TrackerStatus {
	r := in.r
	var out []TrackerStatus
	for _, t := range in.cfg.TrackInterfaces {
		out = append(out, TrackerStatus{Kind: "interface", Name: t.Name, Weight: t.Weight, Reverse: t.Reverse,
			Known: true, OK: r.ifUp[t.Name]})
	}
	for _, t := range in.cfg.TrackScripts {
		s := r.scripts[t.Name]
		out = append(out, TrackerStatus{Kind: "script", Name: t.Name, Weight: t.Weight, Reverse: t.Reverse,
			Known: s.known, OK: s.good})
	}
	for _, t := range in.cfg.TrackFiles {
		v, seen := r.files[t.Name]
		out = append(out, TrackerStatus{Kind: "file", Name: t.Name, Weight: t.Weight, Reverse: t.Reverse,
			Known: seen, OK: fileStatus(v, t) > -254, Value: v})
	}
	for _, t := range in.cfg.TrackProcesses {
		ok, seen := r.procs[t.Name]
		out = append(out, TrackerStatus{Kind: "process", Name: t.Name, Weight: t.Weight, Reverse: t.Reverse,
			Known: seen, OK: ok})
	}
	for _, t := range in.cfg.TrackBFDs {
		up, seen := r.bfds[t.Name]
		out = append(out, TrackerStatus{Kind: "bfd", Name: t.Name, Weight: t.Weight, Reverse: t.Reverse,
			Known: seen, OK: up})
	}
	return out
}

// logStartFault logs what keepalived logs for an instance that starts in
// FAULT: a line per tracker that faults it (initialise_tracking_priorities)
// and "(VI) entering FAULT state" (vrrp_complete_init); its
// vrrp_init_state logs no "Entering FAULT STATE (init)" for it, as the
// instance is already in FAULT there.
func (in *instance) logStartFault() {
	r := in.r
	if in.cfg.ConfigFault != "" {
		// keepalived's num_config_faults: its line was logged with the
		// configuration ("Cannot use unicast without any peers - going
		// to fault state"); no FAULT line follows.
		return
	}
	down := func(name string) {
		in.r.log.Info(fmt.Sprintf("(%s): entering FAULT state (interface %s down)", in.cfg.Name, name), "instance", in.cfg.Name)
	}
	if !in.cfg.DontTrackPrimary && !r.ifUp[in.cfg.Interface] {
		down(in.cfg.Interface)
	}
	for _, t := range in.cfg.TrackInterfaces {
		if t.Weight == 0 && r.ifUp[t.Name] == t.Reverse {
			down(t.Name)
		}
	}
	for _, t := range in.cfg.TrackFiles {
		v := r.files[t.Name]
		// keepalived logs the unclamped product here
		// (initialise_vrrp_file_tracking_priorities).
		status := v * t.Weight
		if t.Reverse {
			status = -status
		}
		if t.Weight == 0 {
			status = fileStatus(v, t)
		}
		if status <= -254 {
			in.r.log.Info(fmt.Sprintf("(%s): entering FAULT state (tracked file %s has status %d)", in.cfg.Name, t.Name, status), "instance", in.cfg.Name)
		}
	}
	for _, t := range in.cfg.TrackProcesses {
		if ok, seen := r.procs[t.Name]; t.Weight == 0 && seen && ok == t.Reverse {
			in.logf("entering FAULT state (tracked process %s quorum not achieved)", t.Name)
		}
	}
	in.logf("entering FAULT state")
}

// faultSources explains a FAULT state in words, following the rules of
// reevalTracking (it is only read by observers, never by the engine), and
// says how many of its reasons keepalived counts in num_script_if_fault:
// one per failing interface, weight-0 script, file, process or BFD, for a
// missing source address and for a configuration fault (keepalived starts
// the count at num_config_faults).
// A script with no result yet (num_script_init) and a sync group's other
// member are kept apart.
func (in *instance) faultSources() (reasons []string, counted int) {
	r := in.r
	add := func(counts bool, reason string) {
		reasons = append(reasons, reason)
		if counts {
			counted++
		}
	}
	if !in.cfg.DontTrackPrimary && !r.ifUp[in.cfg.Interface] {
		add(true, "interface "+in.cfg.Interface+" down")
	}
	if in.noSource() || in.srcLost {
		add(true, "no source address on "+in.cfg.Interface)
	}
	if in.srcMissing {
		add(true, "source address "+in.cfg.SrcIP.String()+" missing (track_src_ip)")
	}
	if in.cfg.ConfigFault != "" {
		add(true, in.cfg.ConfigFault)
	}
	for _, d := range in.cfg.trackedDevs() {
		if !r.ifUp[d.name] {
			// keepalived tracks an interface once per instance, so one
			// that is also a track_interface counts there only.
			add(!in.tracksInterface(d.name), d.what+" interface "+d.name+" down")
		}
	}
	for _, t := range in.trackers() {
		if t.Weight != 0 && t.Kind != "file" {
			continue
		}
		switch {
		case t.Kind == "file" && !t.OK:
			add(true, fmt.Sprintf("track_file %s is %d", t.Name, t.Value))
		case t.Kind == "file":
		case t.Kind == "script" && !t.Known:
			add(false, "track_script "+t.Name+" has no result yet")
		case t.OK == t.Reverse:
			add(true, "track_"+t.Kind+" "+t.Name+" failed")
		}
	}
	if g := in.group; g != nil && !in.ownFault {
		add(false, "sync group "+g.name+" has a member in FAULT")
	}
	return reasons, counted
}

// tracksInterface says whether name is one of the instance's
// track_interface entries.
func (in *instance) tracksInterface(name string) bool {
	return slices.ContainsFunc(in.cfg.TrackInterfaces, func(t TrackInterface) bool { return t.Name == name })
}
