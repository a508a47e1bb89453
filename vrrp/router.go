package vrrp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/dsas/keepalived-go/vrrp/ah"
)

// Options are the ports a Router runs on.
type Options struct {
	Listen Listener // required
	// ListenAH opens an interface's protocol-51 Conn for auth_type AH
	// instances; unlike Listen's, its Conn reads and writes whole IPv4
	// datagrams (the AH ICV covers the IP header). Needed only to start
	// a configuration with AH.
	ListenAH func(ifname string) (Conn, error)
	// RcvBuf, when set, is the receive buffer a link's socket has to
	// have under the current configuration (0: the kernel's default).
	// Reload applies it to the sockets it keeps, whose Conn has a
	// SetRcvBuf method: keepalived reopens every socket on reload, so
	// the new vrrp_rx_bufs_policy and kernel_rx_buf_size apply at once.
	RcvBuf   func(ifname string, ipv6, ah bool) int
	Network  Network  // required
	Notifier Notifier // nil: events are dropped
	Clock    Clock    // nil: one timer goroutine for the whole Router (see timerLoop)
	Logger   *slog.Logger
	// NetTimeout bounds each Network call; keepalived's netlink calls are
	// synchronous too, so a stuck kernel must not wedge the engine forever.
	NetTimeout time.Duration
	// Rejected, when set, is told of the adverts refused for the reasons
	// keepalived sends its RFC notifications for; it must not block.
	Rejected func(Rejection)
	// Late, with the default clock, hears of every timer that ran more
	// than LateAfter after its deadline (keepalived's scheduler check
	// behind min_auto_priority_delay / max_auto_priority). It runs on
	// the timer goroutine, before the timer's callback.
	Late      func(late time.Duration)
	LateAfter time.Duration
	// IntervalLowered, when set, is told that a VRRPv3 instance adopted
	// a master's shorter advert interval; it cuts the interface's
	// interface_up_down_delays to what the master-down timer now allows
	// (keepalived's check_debounce_timers) and reports whether it did.
	// It is called with the router locked and must not call it back.
	IntervalLowered func(ic InstanceConfig, interval time.Duration) bool
}

type linkKey struct {
	ifname string
	ipv6   bool
	ah     bool // protocol 51 (auth_type AH), a socket of its own as in keepalived
}

// link is one shared socket and the instances that listen on it.
type link struct {
	key    linkKey
	conn   Conn
	byVRID [256]*instance
	closed bool // dropped by a reload
	stale  bool // the interface was re-created and re-opening failed
	// created: the interface is one the VRRP side makes (a use_ipvlan
	// link); when the kernel refused it, the socket waits for it as
	// with dynamic_interfaces and the instance stays in FAULT, as
	// keepalived's (its sockpool entry has no descriptor).
	created bool
}

type scriptState struct {
	cfg        ScriptConfig
	known      bool
	good       bool
	run        int // consecutive results disagreeing with good
	lastStatus int // for "Script `x` now returning N" (keepalived starts at 0)
}

type syncGroup struct {
	name    string
	members []*instance
	state   State
	// held: at start, waiting for members' first track_script results
	// (keepalived's num_member_init); cleared when the group moves.
	held bool
	// startFault: at start, a member's own trackers fault it, so every
	// member starts in FAULT.
	startFault bool
}

// Router owns every VRRP instance of the process.
type Router struct {
	mu sync.Mutex
	// garpFree is when each interface may send its next paced GARP
	// (NA), under garp_interval (gna_interval), whatever the instance.
	garpFree map[garpSlot]time.Time
	opt      Options
	clock    Clock
	log      *slog.Logger
	startup  time.Duration
	// logUnknown is log_unknown_vrids.
	logUnknown bool
	// dynamicIfs is dynamic_interfaces: a socket that cannot be opened
	// (no such interface yet) waits for the interface.
	dynamicIfs bool
	// fifoOnReload is fifo_write_vrrp_states_on_reload.
	fifoOnReload bool
	// epoch is the origin of the masters' advert grid (see armAdvert).
	epoch time.Time

	insts   []*instance
	byName  map[string]*instance
	links   map[linkKey]*link
	groups  []*syncGroup
	scripts map[string]*scriptState
	files   map[string]int
	procs   map[string]bool
	bfds    map[string]bool // bfd_instance up, from BFDState
	ifUp    map[string]bool
	// vipOwners maps every VIP and excluded VIP to its instances.
	vipOwners map[netip.Addr][]*instance
	// srcOwners maps each configured source address to the track_src_ip
	// instances that send from it.
	srcOwners map[netip.Addr][]*instance

	started, stopped bool
	// rxNow is the clock reading of the batch of packets being handled;
	// zero outside one.
	rxNow       time.Time
	txBuf       []byte
	unknownVRID uint64
	rxErrors    uint64
	wg          sync.WaitGroup
}

// New validates cfg and builds the engine; nothing touches the host until
// Start.
func New(cfg Config, opt Options) (*Router, error) {
	if opt.Listen == nil || opt.Network == nil {
		return nil, errors.New("vrrp: Listen and Network ports are required")
	}
	if opt.Clock == nil {
		l := newTimerLoop()
		l.late, l.lateAfter = opt.Late, opt.LateAfter
		opt.Clock = l
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.NetTimeout <= 0 {
		opt.NetTimeout = 5 * time.Second
	}
	r := &Router{
		opt:          opt,
		clock:        opt.Clock,
		log:          opt.Logger,
		startup:      cfg.StartupDelay,
		logUnknown:   cfg.LogUnknownVRIDs,
		dynamicIfs:   cfg.DynamicInterfaces,
		fifoOnReload: cfg.FIFOStatesOnReload,
		byName:       make(map[string]*instance),
		garpFree:     make(map[garpSlot]time.Time),
		links:        make(map[linkKey]*link),
		scripts:      make(map[string]*scriptState),
		files:        make(map[string]int),
		procs:        make(map[string]bool),
		ifUp:         make(map[string]bool),
		txBuf:        make([]byte, 0, 4200),
	}
	r.epoch = r.clock.Now()
	for _, s := range cfg.Scripts {
		if s.Rise < 1 || s.Fall < 1 {
			return nil, fmt.Errorf("vrrp_script %s: rise %d, fall %d (vrrpconf.Complete sets at least 1)", s.Name, s.Rise, s.Fall)
		}
		r.scripts[s.Name] = &scriptState{cfg: s, good: !s.InitFail}
	}
	for _, ic := range cfg.Instances {
		if err := ic.validate(); err != nil {
			return nil, err
		}
		// The engine's copies: the caller's slices stay untouched.
		ic.VIPs, ic.ExcludedVIPs = slices.Clone(ic.VIPs), slices.Clone(ic.ExcludedVIPs)
		if _, dup := r.byName[ic.Name]; dup {
			return nil, fmt.Errorf("vrrp %s: duplicate instance", ic.Name)
		}
		for _, ts := range ic.TrackScripts {
			if _, ok := r.scripts[ts.Name]; !ok {
				return nil, fmt.Errorf("vrrp %s: track_script %s is not a vrrp_script", ic.Name, ts.Name)
			}
		}
		in := newInstance(r, ic)
		key := keyOf(&ic)
		l := r.links[key]
		if l == nil {
			l = &link{key: key}
			r.links[key] = l
		}
		if l.byVRID[ic.VRID] != nil {
			return nil, fmt.Errorf("vrrp %s: VRID %d already used on %s by %s", ic.Name, ic.VRID, ic.Interface, l.byVRID[ic.VRID].cfg.Name)
		}
		l.byVRID[ic.VRID] = in
		l.created = l.created || ic.BaseInterface != "" && ic.Interface != ic.BaseInterface
		in.link = l
		r.insts = append(r.insts, in)
		r.byName[ic.Name] = in
	}
	for _, gc := range cfg.SyncGroups {
		g := &syncGroup{name: gc.Name, state: StateInit}
		for _, m := range gc.Members {
			in, ok := r.byName[m]
			if !ok {
				return nil, fmt.Errorf("vrrp sync group %s: unknown instance %s", gc.Name, m)
			}
			if in.group != nil {
				return nil, fmt.Errorf("vrrp sync group %s: %s is already in %s", gc.Name, m, in.group.name)
			}
			in.group = g
			g.members = append(g.members, in)
		}
		if len(g.members) > 0 {
			r.groups = append(r.groups, g)
		}
	}
	r.indexVIPs()
	return r, nil
}

// Start opens the sockets, reads link states and puts every instance into
// its initial state. Received packets are read in one goroutine per socket.
func (r *Router) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return errors.New("vrrp: already started")
	}
	r.started = true
	waits := map[string]bool{}
	for key, l := range r.links {
		c, err := r.listen(key)
		if err != nil && (r.dynamicIfs || l.created) {
			waits[key.ifname] = true
			// Opened when the interface comes up (LinkChanged).
			l.stale = true
			if !l.created { // the VRRP side logged why it is missing
				r.log.Debug(fmt.Sprintf("Interface %s: VRRP socket waits for the interface: %v", key.ifname, err))
			}
			continue
		}
		if err != nil {
			r.closeLocked()
			return fmt.Errorf("vrrp %s: open socket: %w", key.ifname, err)
		}
		l.conn = c
	}
	for _, name := range r.interfaces() {
		up, err := r.opt.Network.LinkUp(name)
		switch {
		case err == nil, waits[name] && !r.dynamicIfs:
			// Known, or a link the VRRP side could not create (it said so).
		case r.dynamicIfs:
			// Most likely not created yet; keepalived says so at parse time.
			r.log.Debug("vrrp: link state unknown, assuming down", "interface", name, "err", err)
		default:
			r.log.Warn("vrrp: link state unknown, assuming down", "interface", name, "err", err)
		}
		r.ifUp[name] = up
	}
	for _, l := range r.links {
		if l.conn == nil {
			continue
		}
		r.wg.Add(1)
		go r.readLoop(l, l.conn)
	}
	if r.startup > 0 {
		r.clock.AfterFunc(r.startup, func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			if !r.stopped {
				r.initAll()
			}
		})
		return nil
	}
	r.initAll()
	return nil
}

func (r *Router) interfaces() []string {
	seen := make(map[string]bool)
	var out []string
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, in := range r.insts {
		add(in.cfg.Interface)
		for _, t := range in.cfg.TrackInterfaces {
			add(t.Name)
		}
		for _, v := range in.cfg.VIPs {
			add(v.Dev)
		}
		for _, d := range in.cfg.trackedDevs() {
			add(d.name)
		}
	}
	return out
}

func (r *Router) initAll() {
	// A sync group whose only trouble is a member waiting for its first
	// track_script result waits as a whole, silently, as keepalived's
	// num_member_init does: no FAULT notification at every start.
	for _, g := range r.groups {
		g.held = false
		real := false
		for _, m := range g.members {
			m.reevalAtStart()
			g.held = g.held || m.initHold
			real = real || (m.ownFault && !m.initHold)
		}
		g.held = g.held && !real
		g.startFault = real
		if !g.held && !real && g.ownersGroup() {
			g.state = StateMaster
		}
	}
	for _, in := range r.insts {
		in.init()
	}
	// A sync group starts consistent: one fault faults all, one owner
	// that went straight to MASTER takes the others with it.
	for _, g := range r.groups {
		if g.held {
			continue
		}
		var to State = StateBackup
		for _, m := range g.members {
			if m.state == StateFault {
				to = StateFault
				break
			}
			if m.state == StateMaster {
				to = StateMaster
			}
		}
		switch to {
		case StateBackup:
			// keepalived's vrrp_init_state notifies a group that starts
			// in BACKUP but logs no "Syncing instances" line for it.
			r.groupToQuiet(g, to, "sync group start")
		case StateFault:
			// keepalived names the first member found in FAULT
			// (initialise_tracking_priorities); the others started in
			// FAULT with it (g.startFault), not through BACKUP.
			for _, m := range g.members {
				if m.ownFault {
					r.log.Info(fmt.Sprintf("VRRP_Group(%s): Syncing %s to FAULT state", g.name, m.cfg.Name), "group", g.name)
					break
				}
			}
			r.groupToQuiet(g, to, "sync group start")
		default:
			r.groupTo(g, to, "sync group start")
		}
	}
	r.armBackups()
}

// armBackups restarts the master-down timer of every BACKUP from one
// clock reading taken once all instances have their state, as keepalived
// sets every instance's timer only after vrrp_init_state has dealt with
// all of them (vrrp_init_sands). Timers started one by one as the loop
// reached each instance began over the whole span of the start-up (the
// netlink work, logs and notifications of every instance before), so the
// last instances of a slow start-up timed out that much later than the
// first, and two hosts' instances no longer lined up.
func (r *Router) armBackups() {
	now := r.clock.Now()
	for _, in := range r.insts {
		if in.state == StateBackup && in.armed {
			in.armFrom(now, in.masterDown())
		}
	}
}

// readBatch bounds the packets read and handled per wake-up: a master's
// burst of adverts is read 16 at a time, with one system call and one
// engine lock.
const readBatch = 16

// The longest VRRP message a read must hold, so a buffer slot holds any
// valid one whole (a longer packet is cut and fails decoding as a length
// error): over IPv4 the raw socket delivers the IP header (at most 60
// bytes), then 8 bytes of header, 255 addresses and 8 of authentication
// data; over IPv6 the kernel strips the header. Slots sized by the
// protocol rather than the MTU keep a link's buffers at a few pages.
const (
	maxMessage4 = 60 + 8 + 255*4 + 8
	maxMessage6 = 8 + 255*16
)

// readLoop reads conn, l's socket when it started; it ends when the
// socket is closed (a stop, a reload that dropped the link, or the
// interface re-created and the socket replaced).
func (r *Router) readLoop(l *link, conn Conn) {
	defer r.wg.Done()
	bc, batched := conn.(BatchConn)
	n := 1
	if batched {
		n = readBatch
	}
	slot := maxMessage4
	if l.key.ipv6 {
		slot = maxMessage6
	}
	if l.key.ah {
		slot += ah.HeaderLen
	}
	ps := make([]Packet, n)
	for i, buf := 0, make([]byte, n*slot); i < n; i++ {
		ps[i].Buf = buf[i*slot : (i+1)*slot : (i+1)*slot]
	}
	for {
		var err error
		got := 1
		if batched {
			got, err = bc.ReadBatch(ps)
		} else {
			p := &ps[0]
			p.N, p.Src, p.Dst, p.TTL, err = conn.ReadFrom(p.Buf)
		}
		if err != nil {
			r.mu.Lock()
			stopped := r.stopped || l.closed || l.conn != conn
			r.rxErrors++
			r.mu.Unlock()
			if stopped || errors.Is(err, net.ErrClosed) {
				return
			}
			r.log.Warn("vrrp: receive failed", "interface", l.key.ifname, "err", err)
			// Do not spin on a socket stuck in an error state.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		r.mu.Lock()
		// The packets of one read arrived together: one clock reading
		// serves every timer they re-arm.
		r.rxNow = r.clock.Now()
		for _, p := range ps[:got] {
			r.handleLink(l, p.Buf[:p.N], p.Src, p.Dst, p.TTL)
		}
		r.rxNow = time.Time{}
		r.mu.Unlock()
	}
}

// HandlePacket feeds one received VRRP message (IP header stripped) into
// the engine. The read loops call it; tests and alternative transports may
// call it directly. b is not retained.
func (r *Router) HandlePacket(ifname string, ipv6 bool, b []byte, src, dst netip.Addr, ttl int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handleLink(r.links[linkKey{ifname: ifname, ipv6: ipv6}], b, src, dst, ttl)
}

// handleLink hands a message read on l to its instance. A read loop
// passes its own link: a reload keeps the link of an unchanged interface
// and family, and marks a dropped one closed.
func (r *Router) handleLink(l *link, b []byte, src, dst netip.Addr, ttl int) {
	if r.stopped {
		return
	}
	if l == nil || l.closed || len(b) < 2 {
		r.rxErrors++
		return
	}
	if l.key.ah {
		r.handleAH(l, b, src, dst, ttl)
		return
	}
	in := l.byVRID[b[1]]
	if in == nil {
		r.dropUnknownVRID(l, b[1])
		return
	}
	in.receive(b, src, dst, ttl)
}

// dropUnknownVRID counts an advert for a VRID no instance runs on l;
// keepalived logs it only with log_unknown_vrids, in these words.
func (r *Router) dropUnknownVRID(l *link, vrid byte) {
	r.unknownVRID++
	if r.logUnknown {
		r.log.Info(fmt.Sprintf("Unknown VRID(%d) received on interface(%s). ignoring...", vrid, l.key.ifname))
	}
}

// LinkChanged tells the engine an interface went up or down; the wiring
// calls it from its link watcher.
func (r *Router) LinkChanged(ifname string, up bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if up {
		for _, l := range r.links {
			if l.key.ifname == ifname && l.stale && !l.closed && !r.stopped {
				r.reopen(l)
			}
		}
	}
	if old, ok := r.ifUp[ifname]; ok && old == up {
		return
	}
	r.ifUp[ifname] = up
	r.reevaluateAll("interface " + ifname + map[bool]string{true: " up", false: " down"}[up])
}

// ScriptRun is how one run of a vrrp_script ended, for keepalived's log
// lines about it.
type ScriptRun struct {
	OK       bool
	TimedOut bool
	// Status is the exit status of a script that exited; Signal the
	// signal that ended one that did not (timeouts aside).
	Status, Signal int
}

// ScriptResult records one run of vrrp_script name: ok is exit status 0.
func (r *Router) ScriptResult(name string, ok bool) {
	run := ScriptRun{OK: ok}
	if !ok {
		run.Status = 1
	}
	r.ScriptRan(name, run)
}

// ScriptRan records one run of vrrp_script name; rise/fall decide when
// the script's state flips.
func (r *Router) ScriptRan(name string, run ScriptRun) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.scripts[name]
	if s == nil {
		return
	}
	if !run.TimedOut && run.Signal == 0 && run.Status != s.lastStatus {
		r.log.Info(fmt.Sprintf("Script `%s` now returning %d", name, run.Status), "script", name)
		s.lastStatus = run.Status
	}
	ok := run.OK
	changed := false
	switch {
	case !s.known:
		// The first result is taken as is, init_fail or not: init_fail
		// only makes the script count as failed until then. (keepalived
		// 2.2.7 comes up on the first success of an init_fail script
		// with rise 2 or 3, measured; corpus 114.) A first failure of an
		// init_fail script changes nothing, and keepalived logs none.
		s.known, changed = true, ok || !s.cfg.InitFail
		s.good, s.run = ok, 0
	case ok == s.good:
		s.known = true
		s.run = 0
	default:
		s.run++
		need := s.cfg.Fall
		if !s.good {
			need = s.cfg.Rise
		}
		if s.run >= need {
			s.good, s.run, changed = ok, 0, true
		}
		if !s.known {
			s.known, changed = true, true
		}
	}
	if changed {
		r.log.Info(fmt.Sprintf("VRRP_Script(%s) %s", name, run.outcome()), "script", name)
		r.reevaluateAll("script " + name)
	}
}

// outcome is keepalived's wording: succeeded, timed_out, or failed with
// its reason.
func (run ScriptRun) outcome() string {
	switch {
	case run.OK:
		return "succeeded"
	case run.TimedOut:
		return "timed_out"
	case run.Signal != 0:
		return fmt.Sprintf("failed (due to signal %d)", run.Signal)
	default:
		return fmt.Sprintf("failed (exited with status %d)", run.Status)
	}
}

// FileValue records the current integer in track_file name.
func (r *Router) FileValue(name string, v int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.files[name]; ok && old == v {
		return
	}
	r.files[name] = v
	r.reevaluateAll("track_file " + name)
}

// ProcessRunning records whether vrrp_track_process name meets its quorum.
func (r *Router) ProcessRunning(name string, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, seen := r.procs[name]; seen && old == ok {
		return
	}
	r.procs[name] = ok
	r.reevaluateAll("track_process " + name)
}

func (r *Router) reevaluateAll(reason string) {
	if !r.started || r.stopped {
		return
	}
	for _, in := range r.insts {
		if in.state != StateInit {
			in.reevaluate(reason)
		}
	}
}

// Stop leaves VRRP gracefully: masters send a priority-0 advert so a
// backup takes over after its skew time and their VIPs go, unless keepVIPs
// (keepalived's --dont-release-vrrp: neither the advert nor the removal);
// every instance and group reports STOP.
func (r *Router) Stop(keepVIPs bool) error {
	r.mu.Lock()
	if r.stopped || !r.started {
		r.stopped = true
		r.mu.Unlock()
		return nil
	}
	for _, in := range r.insts {
		in.stop(keepVIPs)
	}
	for _, g := range r.groups {
		r.emit(Event{Group: true, Name: g.name, State: StateStop})
	}
	r.stopped = true
	err := r.closeLocked()
	r.mu.Unlock()
	r.wg.Wait()
	return err
}

func (r *Router) closeLocked() error {
	var errs []error
	for _, l := range r.links {
		if l.conn != nil {
			if err := l.conn.Close(); err != nil {
				errs = append(errs, fmt.Errorf("vrrp %s: close: %w", l.key.ifname, err))
			}
		}
	}
	return errors.Join(errs...)
}

func (r *Router) emit(ev Event) {
	if r.opt.Notifier == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = r.clock.Now()
	}
	r.opt.Notifier.Notify(ev)
}

func (r *Router) netCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), r.opt.NetTimeout)
}

// transition moves in, and its sync group with it, to state to. The
// instance that moves its group goes first (its VIPs, GARPs and
// notification), then the group's line and the other members in the
// group's order, as keepalived's vrrp_sync_master/backup/fault run after
// the instance's own transition. VIPs of one subnet in several members
// are then added in keepalived's order, so the same one is the primary
// address (issue 11 divergence 25).
func (r *Router) transition(in *instance, to State, reason string) {
	g := in.group
	if g == nil {
		in.setState(to, reason)
		return
	}
	g.held = false
	in.wantMaster = to == StateMaster
	in.setState(to, reason)
	r.groupTo(g, to, reason)
}

func (r *Router) groupTo(g *syncGroup, to State, reason string) {
	if g.state != to {
		r.log.Info(fmt.Sprintf("VRRP_Group(%s) Syncing instances to %s state", g.name, to), "group", g.name)
	}
	r.groupToQuiet(g, to, reason)
}

// groupToQuiet is groupTo without the "Syncing instances" line.
func (r *Router) groupToQuiet(g *syncGroup, to State, reason string) {
	g.held = false
	for _, m := range g.members {
		// keepalived's wantstate: a group that moves resets what each
		// member wanted (vrrp_sync_backup/vrrp_sync_master).
		m.wantMaster = to == StateMaster
		m.setState(to, reason)
	}
	if g.state != to {
		g.state = to
		r.emit(Event{Group: true, Name: g.name, State: to})
	}
}

// ownersGroup: every member is an address owner configured MASTER, so
// keepalived's vrrp_sync_set_group makes the group MASTER before the
// start; each member then goes MASTER on its own 1 µs timer and
// vrrp_sync_master returns at once: no "Syncing instances" line and no
// group notification, at start or for a group a reload adds.
func (g *syncGroup) ownersGroup() bool {
	for _, m := range g.members {
		if !m.owner || m.cfg.InitialState != StateMaster {
			return false
		}
	}
	return len(g.members) > 0
}

// groupWaits is keepalived's vrrp_sync_can_goto_master: a member whose
// master-down timer ran out wants MASTER, but its group goes only once
// every member wants it (each has timed out with no master heard since),
// which prefers BACKUP to thrashing.
func (g *syncGroup) groupWaits(in *instance) bool {
	in.wantMaster = true
	if g.state == StateMaster {
		return false
	}
	for _, m := range g.members {
		if m != in && !m.wantMaster {
			return true
		}
	}
	return false
}

// Status returns a snapshot of every instance, in configuration order.
func (r *Router) Status() []InstanceStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]InstanceStatus, 0, len(r.insts))
	for _, in := range r.insts {
		out = append(out, in.status())
	}
	return out
}

// InstanceStatus returns the snapshot of one instance.
func (r *Router) InstanceStatus(name string) (InstanceStatus, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	in, ok := r.byName[name]
	if !ok {
		return InstanceStatus{}, false
	}
	return in.status(), true
}

// DroppedUnknownVRID counts adverts for VRIDs no instance uses.
func (r *Router) DroppedUnknownVRID() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.unknownVRID
}
