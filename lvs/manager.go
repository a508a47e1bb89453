// Package lvs is keepalived's checker process without the process: it turns
// the LVS side of a keepalived.conf (virtual servers, groups, real and sorry
// servers, checkers, lvs_* globals) into the health-checker engine of
// package check and the IPVS table of package ipvs, and keeps the kernel in
// step with the checkers, reloads and hand edits.
//
// Each membership change the engine states is diffed against what was last
// programmed for that virtual server and only the difference is sent; a
// periodic full pass diffs the whole table against the kernel, so entries
// deleted or changed by hand are restored.
package lvs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/ipvs"
)

// DefaultResync is how often the whole table is compared with the kernel;
// a pass that takes long (10 000 services) stretches the period so that
// full passes use at most a tenth of the time.
const DefaultResync = 10 * time.Second

// Options tune a Manager.
type Options struct {
	// Logger receives IPVS changes (debug), transitions (info) and failures
	// (warn/error); nil discards.
	Logger *slog.Logger
	// Kernel is the IPVS table to program; nil dials the running kernel
	// (and closes it when Run returns).
	Kernel ipvs.Kernel
	// Clock drives the checker schedule and the resync timer; nil is the
	// system clock.
	Clock check.Clock
	// KeepOnExit leaves the IPVS table as it is when Run returns
	// (keepalived's --dont-release-ipvs).
	KeepOnExit bool
	// Resync is the period of full passes against the kernel; 0 means
	// DefaultResync and a negative value none.
	Resync time.Duration
	// Events, when set, is told of every real server and quorum transition
	// (notify FIFOs, metrics) after the configured script has been started.
	Events func(check.Event)
	// RunScript runs a notify_up/notify_down/quorum_up/quorum_down command;
	// nil runs it here, detached, as the configured (or script_user) user.
	RunScript func(cmd *config.Command)
	// EngineOptions are passed to check.New (jitter, in-flight bound...).
	EngineOptions []check.Option
	// BFDUp reports whether a bfd_instance is Up, for BFD_CHECK; nil
	// means no BFD side, and every BFD_CHECK fails.
	BFDUp func(name string) bool
}

// Manager runs the checkers of one configuration and programs IPVS from
// their verdicts. Create it with New, start it with Run.
type Manager struct {
	opt     Options
	log     *slog.Logger
	k       ipvs.Kernel
	dialed  *ipvs.Conn
	clock   check.Clock
	resync  time.Duration
	running atomic.Bool

	// lifeMu serialises Run's start and end with Reload.
	lifeMu sync.Mutex

	// mu guards the state below; kernel calls happen under it.
	mu      sync.Mutex
	plan    *plan
	gen     *generation
	members map[string][]check.Member
	// cache is what the kernel holds for our services, as far as we know.
	cache map[ipvs.ServiceKey]ipvs.Service
	// owned are the services this manager has meant to program, so a later
	// plan that drops one deletes it while foreign services stay.
	owned map[ipvs.ServiceKey]bool
	// origTimeouts are the kernel's timeouts before lvs_timeouts, to restore.
	origTimeouts *ipvs.Timeouts
	// syncd is the lvs_sync_daemon this manager started (checker-managed).
	syncd *config.SyncDaemon
	// seq counts membership applications; touched says when each virtual
	// server was last applied, so a full pass can tell stale reads.
	seq     uint64
	touched map[string]uint64
}

// admin is what a Kernel may offer beyond services: *ipvs.Conn has it all.
type admin interface {
	Flush() error
	Timeouts() (ipvs.Timeouts, error)
	SetTimeouts(ipvs.Timeouts) error
	StartSyncDaemon(ipvs.SyncDaemon) error
	StopSyncDaemon(ipvs.SyncState) error
}

// New translates cfg and prepares the checkers; nothing touches the kernel
// until Run. With Options.Kernel nil it connects to IPVS, and fails when
// that is impossible, but only if virtual servers are configured.
func New(cfg *config.Config, opt Options) (*Manager, error) {
	if cfg == nil {
		return nil, errors.New("lvs: nil configuration")
	}
	m := &Manager{
		opt:     opt,
		log:     opt.Logger,
		k:       opt.Kernel,
		clock:   opt.Clock,
		resync:  opt.Resync,
		members: map[string][]check.Member{},
		cache:   map[ipvs.ServiceKey]ipvs.Service{},
		owned:   map[ipvs.ServiceKey]bool{},
		touched: map[string]uint64{},
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.clock == nil {
		m.clock = check.SystemClock{}
	}
	if m.resync == 0 {
		m.resync = DefaultResync
	}
	p, err := translate(cfg, m.log, m.opt.BFDUp)
	if err != nil {
		return nil, err
	}
	g, err := m.newGeneration(p, nil, nil)
	if err != nil {
		return nil, err
	}
	m.plan, m.gen = p, g
	// Like keepalived, leave IPVS alone while no virtual server is
	// configured: the module need not even be loaded.
	if len(p.order) > 0 {
		if err := m.dial(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// dial connects to the running kernel unless a Kernel is already set.
func (m *Manager) dial() error {
	if m.k != nil {
		return nil
	}
	c, err := ipvs.Dial()
	if err != nil {
		return fmt.Errorf("lvs: %w", err)
	}
	m.k, m.dialed = c, c
	return nil
}

// Run programs IPVS, runs the checkers and keeps the kernel in step until
// ctx is cancelled. On return it removes what keepalived removes at
// shutdown (its virtual servers, or the whole table with lvs_flush_on_stop),
// unless Options.KeepOnExit, stops the sync daemon it started and restores
// the IPVS timeouts.
func (m *Manager) Run(ctx context.Context) error {
	if !m.running.CompareAndSwap(false, true) {
		return errors.New("lvs: already running")
	}
	m.lifeMu.Lock()
	m.mu.Lock()
	err := m.setup()
	m.mu.Unlock()
	if err != nil {
		m.lifeMu.Unlock()
		return err
	}
	m.gen.start()
	m.lifeMu.Unlock()

	var tick <-chan time.Time
	if m.resync > 0 {
		t := m.clock.NewTimer(m.resync)
		defer t.Stop()
		tick = t.C()
		for loop := true; loop; {
			select {
			case <-ctx.Done():
				loop = false
			case <-tick:
				// Full passes take at most a tenth of the time.
				t.Reset(max(m.resync, 10*m.fullPass()))
			}
		}
	} else {
		<-ctx.Done()
	}

	m.lifeMu.Lock()
	defer m.lifeMu.Unlock()
	m.gen.stop()
	m.mu.Lock()
	defer m.mu.Unlock()
	err = m.teardown()
	if m.dialed != nil {
		err = errors.Join(err, m.dialed.Close())
	}
	return err
}

// setup is keepalived's start_check up to init_services: flush, timeouts,
// the sync daemon, and what the kernel already holds.
func (m *Manager) setup() error {
	if m.k == nil {
		return nil
	}
	g := m.plan.global
	if g.Flush {
		if err := m.flushAll(); err != nil {
			return fmt.Errorf("lvs: lvs_flush: %w", err)
		}
	}
	m.applyGlobals(nil, m.plan)
	cur, err := m.k.Services()
	if err != nil {
		return fmt.Errorf("lvs: read IPVS table: %w", err)
	}
	for _, s := range cur {
		m.cache[s.ServiceKey.Normalize()] = s
	}
	for k := range m.plan.keys {
		m.owned[k] = true
	}
	return nil
}

// applyGlobals sets lvs_timeouts and the checker-managed sync daemon of p,
// undoing those of old (nil at start) that p no longer has.
func (m *Manager) applyGlobals(old, p *plan) {
	a, _ := m.k.(admin)
	var oldT config.LVSTimeouts
	if old != nil {
		oldT = old.global.Timeouts
	}
	if t := p.global.Timeouts; t != oldT {
		switch {
		case a == nil:
			m.log.Debug("kernel has no timeouts; lvs_timeouts ignored")
		case t != (config.LVSTimeouts{}):
			if m.origTimeouts == nil {
				if cur, err := a.Timeouts(); err == nil {
					m.origTimeouts = &cur
				}
			}
			want := ipvs.Timeouts{TCP: t.TCP, TCPFin: t.TCPFin, UDP: t.UDP}
			// keepalived sets the unset ones back to what they were.
			if o := m.origTimeouts; o != nil {
				want.TCP, want.TCPFin, want.UDP = or(want.TCP, o.TCP), or(want.TCPFin, o.TCPFin), or(want.UDP, o.UDP)
			}
			if err := a.SetTimeouts(want); err != nil {
				m.log.Warn("failed to set IPVS timeouts", "err", err)
			}
		case m.origTimeouts != nil:
			if err := a.SetTimeouts(*m.origTimeouts); err != nil {
				m.log.Warn("failed to restore IPVS timeouts", "err", err)
			}
		}
	}
	want := p.global.SyncDaemon
	if want != nil && want.Instance != "" {
		want = nil // the VRRP side drives it (SyncDaemonRole)
	}
	if sameSyncd(m.syncd, want) && old != nil {
		return
	}
	if a == nil {
		if want != nil {
			m.log.Debug("kernel has no sync daemon; lvs_sync_daemon ignored")
		}
		return
	}
	if m.syncd != nil || (old == nil && want != nil) {
		// Also clears one left running by an earlier, killed instance.
		_ = a.StopSyncDaemon(ipvs.SyncMaster)
		_ = a.StopSyncDaemon(ipvs.SyncBackup)
		m.syncd = nil
	}
	if want != nil {
		for _, st := range []ipvs.SyncState{ipvs.SyncMaster, ipvs.SyncBackup} {
			if err := a.StartSyncDaemon(syncDaemon(want, st, 0)); err != nil {
				m.log.Warn("failed to start the IPVS sync daemon", "state", st.String(), "err", err)
			}
		}
		w := *want
		m.syncd = &w
	}
}

func or(a, b uint32) uint32 {
	if a != 0 {
		return a
	}
	return b
}

func sameSyncd(a, b *config.SyncDaemon) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func syncDaemon(c *config.SyncDaemon, st ipvs.SyncState, defaultID uint8) ipvs.SyncDaemon {
	d := ipvs.SyncDaemon{State: st, Interface: c.Interface, SyncID: c.SyncID, MaxLen: c.MaxLen, Port: c.Port, TTL: c.TTL, Group: c.Group}
	if !c.SyncIDSet {
		d.SyncID = defaultID
	}
	return d
}

// SyncDaemonRole switches an lvs_sync_daemon that follows a VRRP instance to
// master or backup, as keepalived's VRRP process does on each transition
// (stop the other role, start this one). defaultID is the instance's
// virtual_router_id, used when no sync id is configured. It does nothing
// when no such daemon is configured.
func (m *Manager) SyncDaemonRole(st ipvs.SyncState, defaultID uint8) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.plan.global.SyncDaemon
	if c == nil || c.Instance == "" || m.k == nil {
		return nil
	}
	a, ok := m.k.(admin)
	if !ok {
		return nil
	}
	other := ipvs.SyncBackup
	if st == ipvs.SyncBackup {
		other = ipvs.SyncMaster
	}
	_ = a.StopSyncDaemon(other)
	_ = a.StopSyncDaemon(st)
	return a.StartSyncDaemon(syncDaemon(c, st, defaultID))
}

// teardown is keepalived's clear_services and ipvs_stop.
func (m *Manager) teardown() error {
	if m.k == nil {
		return nil
	}
	var err error
	if !m.opt.KeepOnExit {
		if m.plan.global.FlushOnStop == config.FlushFull {
			err = m.flushAll()
		} else {
			cur, rerr := m.k.Services()
			if rerr != nil {
				err = rerr
			}
			for _, s := range cur {
				k := s.ServiceKey.Normalize()
				if m.owned[k] {
					if derr := m.k.DeleteService(k); derr != nil {
						err = errors.Join(err, derr)
					}
				}
			}
		}
		clear(m.cache)
	}
	if a, ok := m.k.(admin); ok {
		if m.syncd != nil {
			_ = a.StopSyncDaemon(ipvs.SyncMaster)
			_ = a.StopSyncDaemon(ipvs.SyncBackup)
			m.syncd = nil
		}
		if m.origTimeouts != nil {
			if terr := a.SetTimeouts(*m.origTimeouts); terr != nil {
				err = errors.Join(err, terr)
			}
			m.origTimeouts = nil
		}
	}
	if err != nil {
		return fmt.Errorf("lvs: shutdown: %w", err)
	}
	return nil
}

func (m *Manager) flushAll() error {
	if a, ok := m.k.(admin); ok {
		err := a.Flush()
		clear(m.cache)
		return err
	}
	cur, err := m.k.Services()
	if err != nil {
		return err
	}
	for _, s := range cur {
		if derr := m.k.DeleteService(s.ServiceKey); derr != nil {
			err = errors.Join(err, derr)
		}
	}
	clear(m.cache)
	return err
}

// membersOf is the membership of a virtual server with carried weights
// (see generation.carriedWeight) in place of the engine's initial ones.
// mu is held.
func (m *Manager) membersOf(id string) []check.Member {
	ms := m.members[id]
	g := m.gen
	if len(g.carriedWeight) == 0 {
		return ms
	}
	var out []check.Member
	for i, mem := range ms {
		key := [2]string{id, mem.ID}
		c, ok := g.carriedWeight[key]
		if !ok || mem.Sorry || mem.Weight == 0 {
			continue
		}
		if slices.ContainsFunc(c.checkers, (*watched).ranSinceReset) {
			delete(g.carriedWeight, key)
			continue
		}
		if out == nil {
			out = slices.Clone(ms)
		}
		out[i].Weight = c.weight
	}
	if out == nil {
		return ms
	}
	return out
}

// applyVS brings the services of one virtual server to its membership,
// against the cache. mu is held.
func (m *Manager) applyVS(vp *vsPlan) {
	want := vp.table(m.membersOf(vp.id))
	cur := make([]ipvs.Service, 0, len(want))
	for _, s := range want {
		if c, ok := m.cache[s.ServiceKey.Normalize()]; ok {
			cur = append(cur, c)
		}
	}
	changes, err := ipvs.Diff(cur, want, nil)
	if err != nil {
		m.log.Error("IPVS table for virtual server rejected", "vs", vp.id, "err", err)
		return
	}
	m.apply(changes)
	for _, s := range want {
		m.cache[s.ServiceKey.Normalize()] = s
	}
}

// apply makes changes one by one, logging and skipping failures as
// keepalived does; the next full pass repairs what failed.
func (m *Manager) apply(changes []ipvs.Change) {
	for _, c := range changes {
		if _, err := ipvs.Apply(m.k, []ipvs.Change{c}); err != nil {
			m.log.Warn("IPVS change failed", "change", c.String(), "err", err)
			continue
		}
		if m.log.Enabled(context.Background(), slog.LevelDebug) {
			m.log.Debug("IPVS", "change", c.String())
		}
	}
}

// fullPass diffs every service against the kernel: what was deleted or
// changed by hand comes back, services of earlier plans go. Virtual
// servers whose membership is not known yet are left alone. The kernel is
// read without holding mu (10 000 services take seconds); virtual servers
// programmed meanwhile are left to the next pass. It returns how long the
// pass took.
func (m *Manager) fullPass() time.Duration {
	start := time.Now()
	m.mu.Lock()
	seq, k := m.seq, m.k
	m.mu.Unlock()
	if k == nil {
		return 0
	}
	cur, err := k.Services()
	if err != nil {
		m.log.Warn("cannot read the IPVS table", "err", err)
		return time.Since(start)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var want ipvs.Table
	skip := map[ipvs.ServiceKey]bool{}
	for _, id := range m.plan.order {
		vp := m.plan.byID[id]
		if _, ok := m.members[id]; !ok || m.touched[id] > seq {
			for _, s := range vp.services {
				skip[s.ServiceKey.Normalize()] = true
			}
			continue
		}
		want = append(want, vp.table(m.membersOf(id))...)
	}
	current := cur[:0]
	for _, s := range cur {
		if !skip[s.ServiceKey.Normalize()] {
			current = append(current, s)
		}
	}
	changes, err := ipvs.Diff(current, want, func(k ipvs.ServiceKey) bool {
		_, planned := m.plan.keys[k]
		return m.owned[k] && !planned
	})
	if err != nil {
		m.log.Error("IPVS table rejected", "err", err)
		return time.Since(start)
	}
	if len(changes) > 0 {
		m.log.Info("IPVS differs from the configuration; correcting", "changes", len(changes))
	}
	m.apply(changes)
	for _, c := range changes {
		if c.Op == ipvs.DeleteService {
			delete(m.cache, c.Service.ServiceKey.Normalize())
			delete(m.owned, c.Service.ServiceKey.Normalize())
		}
	}
	for _, s := range want {
		m.cache[s.ServiceKey.Normalize()] = s
	}
	return time.Since(start)
}

// Reload switches to cfg, applying only the difference: services and real
// servers that stay keep their checker state (a dead real server stays out
// without a new check), removed ones are deleted, new ones programmed. An
// unchanged configuration changes nothing in the kernel.
func (m *Manager) Reload(cfg *config.Config) error {
	if cfg == nil {
		return errors.New("lvs: nil configuration")
	}
	p, err := translate(cfg, m.log, m.opt.BFDUp)
	if err != nil {
		return err
	}
	m.lifeMu.Lock()
	defer m.lifeMu.Unlock()
	if len(p.order) > 0 && m.k == nil {
		if err := m.dial(); err != nil {
			return err
		}
	}
	old := m.gen
	running := old.started
	var oldStatus []check.ServiceStatus
	if running {
		old.quiet.Store(true) // a reload is not a shutdown: no omega notifies
		old.stop()
		oldStatus = old.eng.Status()
	}
	g, err := m.newGeneration(p, oldStatus, old.plan)
	if err != nil {
		if running {
			// Keep going with the old configuration.
			if g2, err2 := m.newGeneration(old.plan, oldStatus, old.plan); err2 == nil {
				m.mu.Lock()
				m.gen = g2
				m.mu.Unlock()
				g2.start()
			}
		}
		return err
	}

	m.mu.Lock()
	oldPlan := m.plan
	m.plan, m.gen = p, g
	if running && len(oldPlan.order) == 0 && len(p.order) > 0 && len(m.cache) == 0 {
		// IPVS is new to this run: start as keepalived's first start does.
		if err := m.setup(); err != nil {
			m.log.Error("IPVS setup failed", "err", err)
		}
	}
	if running {
		// Scripts and Options.Events run after the lock is released.
		defer m.notifyRemoved(oldPlan, p, oldStatus)
		// The new engine restates every membership as it starts.
		clear(m.members)
		// Services no longer configured go now; the rest follows the new
		// engine's first membership statement.
		for k := range m.owned {
			if _, planned := p.keys[k]; planned {
				continue
			}
			if _, inKernel := m.cache[k]; inKernel {
				m.apply([]ipvs.Change{{Op: ipvs.DeleteService, Service: ipvs.Service{ServiceKey: k}}})
				delete(m.cache, k)
			}
			delete(m.owned, k)
		}
		for k := range p.keys {
			m.owned[k] = true
		}
		m.applyGlobals(oldPlan, p)
	}
	m.mu.Unlock()
	if running {
		g.start()
	}
	return nil
}

// notifyRemoved runs notify_down for live real servers a reload removes, as
// keepalived's clear_diff_rs does.
func (m *Manager) notifyRemoved(old, p *plan, status []check.ServiceStatus) {
	for _, vs := range status {
		newVS := p.byID[vs.ID]
		for _, r := range vs.Reals {
			if !r.Alive {
				continue
			}
			if newVS != nil {
				if _, ok := newVS.reals[r.ID]; ok {
					continue
				}
			}
			ev := check.Event{Kind: check.RealServerDown, VS: vs.ID, RS: r.ID, Time: m.clock.Now()}
			if c := old.scripts[scriptKey{vs: vs.ID, rs: r.ID, kind: check.RealServerDown}]; c != nil {
				ev.Command = argv(c)
			}
			m.event(old, ev)
		}
	}
}

// VirtualServerStatus is one virtual server: its checker state and the IPVS
// services it programs, with the destinations as last programmed.
type VirtualServerStatus struct {
	check.ServiceStatus
	Services []ipvs.Service
}

// Status returns every virtual server in configuration order. IDs are
// keepalived's: `[10.0.0.1]:tcp:80`, `FWM 7`, `[GROUP]:N` (N-th virtual
// server of the group); real servers are `[ADDR]:proto:PORT`. Members are
// what the checkers want in IPVS; Services are the kernel entries that
// follows from (empty until the engine has stated its first membership).
func (m *Manager) Status() []VirtualServerStatus {
	m.mu.Lock()
	g, p := m.gen, m.plan
	tables := make(map[string]ipvs.Table, len(p.order))
	for _, id := range p.order {
		tables[id] = p.byID[id].table(m.membersOf(id))
	}
	m.mu.Unlock()
	var out []VirtualServerStatus
	for _, s := range g.eng.Status() {
		out = append(out, VirtualServerStatus{ServiceStatus: s, Services: tables[s.ID]})
	}
	return out
}

// generation is one engine over one plan; a reload starts a new one.
type generation struct {
	m       *Manager
	plan    *plan
	eng     *check.Engine
	started bool
	cancel  context.CancelFunc
	done    chan struct{}
	// quiet drops the events of an engine stopped for a reload.
	quiet atomic.Bool
	// carried are the virtual and real servers whose state came over from
	// the previous generation: their start-up notifications were made then.
	carriedVS map[string]bool
	carriedRS map[[2]string]bool
	// carriedWeight holds the effective weight of live real servers whose
	// dynamic checkers (misc_dynamic, FILE_CHECK) had moved it, until one
	// of their checkers has run in this generation: keepalived keeps
	// effective_weight across a reload, the new engine starts from the
	// configured one. Guarded by the Manager's mu.
	carriedWeight map[[2]string]carried
}

type carried struct {
	weight   int64
	checkers []*watched
}

// newGeneration builds the engine for p. With the status of a previous
// engine, checkers that stay keep their verdict: one that was down starts
// down (as alpha), one that was up starts up.
func (m *Manager) newGeneration(p *plan, prev []check.ServiceStatus, prevPlan *plan) (*generation, error) {
	g := &generation{m: m, plan: p, carriedVS: map[string]bool{}, carriedRS: map[[2]string]bool{}, carriedWeight: map[[2]string]carried{}}
	oldWeight := map[[2]string]int64{}
	type ckKey struct {
		vs, rs string
		i      int
	}
	was := map[ckKey]check.CheckerStatus{}
	for _, s := range prev {
		g.carriedVS[s.ID] = true
		for _, r := range s.Reals {
			g.carriedRS[[2]string{s.ID, r.ID}] = true
			if r.Alive {
				oldWeight[[2]string{s.ID, r.ID}] = r.Weight
			}
			for i, c := range r.Checkers {
				was[ckKey{s.ID, r.ID, i}] = c
			}
		}
	}
	oldBase := map[[2]string]int64{}
	if prevPlan != nil && len(oldWeight) > 0 {
		for _, vs := range prevPlan.vss {
			for _, rs := range vs.Reals {
				oldBase[[2]string{vs.ID, rs.ID}] = rs.Weight
			}
		}
	}
	vss := slices.Clone(p.vss)
	for i := range vss {
		vs := &vss[i]
		vs.Reals = slices.Clone(vs.Reals)
		for j := range vs.Reals {
			rs := &vs.Reals[j]
			rs.Checkers = slices.Clone(rs.Checkers)
			key := [2]string{vs.ID, rs.ID}
			if w, ok := oldWeight[key]; ok && dynamic(rs) && w != oldBase[key] {
				c := carried{weight: w}
				for _, ck := range rs.Checkers {
					if w, ok := ck.Probe.(*watched); ok {
						c.checkers = append(c.checkers, w)
					}
				}
				g.carriedWeight[key] = c
			}
			for k := range rs.Checkers {
				c := &rs.Checkers[k]
				if old, ok := was[ckKey{vs.ID, rs.ID, k}]; ok && old.Kind == c.Kind && old.Checks > 0 {
					// A checker restarted down keeps a pending HTTP
					// confirmation, as keepalived's checker does.
					c.Timing.Alpha, c.Confirming = !old.Up, old.Confirming
				}
				if w, ok := c.Probe.(*watched); ok {
					w.reset()
				}
			}
		}
	}
	opts := []check.Option{check.WithClock(m.clock)}
	opts = append(opts, m.opt.EngineOptions...)
	eng, err := check.New(vss, g, opts...)
	if err != nil {
		return nil, fmt.Errorf("lvs: %w", err)
	}
	g.eng = eng
	return g, nil
}

// dynamic reports whether a real server has a checker that sets its
// weight (MISC_CHECK with misc_dynamic, FILE_CHECK).
func dynamic(rs *check.RealServer) bool {
	return slices.ContainsFunc(rs.Checkers, func(c check.Checker) bool {
		w, ok := c.Probe.(*watched)
		return ok && w.dynamic
	})
}

func (g *generation) start() {
	if g.plan.rsInitNotifies {
		g.initNotifies()
	}
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel, g.done, g.started = cancel, make(chan struct{}), true
	go func() {
		defer close(g.done)
		if err := g.eng.Run(ctx); err != nil {
			g.m.log.Error("checker engine stopped", "err", err)
		}
	}()
}

// initNotifies is rs_init_notifies: keepalived's init_service_rs notifies
// each new real server that starts alive (no alpha checker).
func (g *generation) initNotifies() {
	now := g.m.clock.Now()
	for _, vs := range g.plan.vss {
		for _, rs := range vs.Reals {
			if g.carriedRS[[2]string{vs.ID, rs.ID}] || slices.ContainsFunc(rs.Checkers, func(c check.Checker) bool { return c.Timing.Alpha }) {
				continue
			}
			g.m.event(g.plan, check.Event{Kind: check.RealServerUp, VS: vs.ID, RS: rs.ID, Command: rs.NotifyUp, Init: true, Time: now})
		}
	}
}

// stop cancels the engine and waits until every probe has returned.
func (g *generation) stop() {
	if !g.started {
		return
	}
	g.cancel()
	<-g.done
}

// SetMembers implements check.Sink.
func (g *generation) SetMembers(vs string, members []check.Member) {
	m := g.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gen != g {
		return
	}
	vp := g.plan.byID[vs]
	if vp == nil {
		return
	}
	m.members[vs] = slices.Clone(members)
	m.seq++
	m.touched[vs] = m.seq
	m.applyVS(vp)
}

// Event implements check.Sink.
func (g *generation) Event(ev check.Event) {
	if g.quiet.Load() {
		return
	}
	if ev.Init && (ev.Kind == check.QuorumDown && g.carriedVS[ev.VS] ||
		ev.Kind == check.RealServerDown && g.carriedRS[[2]string{ev.VS, ev.RS}]) {
		return // announced before the reload
	}
	g.m.event(g.plan, ev)
}

// event logs ev, starts its script and tells Options.Events.
func (m *Manager) event(p *plan, ev check.Event) {
	attrs := []any{"vs", ev.VS}
	if ev.RS != "" {
		attrs = append(attrs, "rs", ev.RS)
	}
	if ev.Init {
		attrs = append(attrs, "init", true)
	}
	if ev.Shutdown {
		attrs = append(attrs, "shutdown", true)
	}
	m.log.Info(ev.Kind.String(), attrs...)
	if c := p.scripts[scriptKey{vs: ev.VS, rs: ev.RS, kind: ev.Kind}]; c != nil && len(ev.Command) > 0 {
		if m.opt.RunScript != nil {
			m.opt.RunScript(c)
		} else {
			m.runScript(p, c)
		}
	}
	if m.opt.Events != nil {
		m.opt.Events(ev)
	}
}

// runScript starts cmd detached in its own process group and reaps it.
func (m *Manager) runScript(p *plan, c *config.Command) {
	args := argv(c)
	if len(args) == 0 {
		return
	}
	cred, err := credential(firstNonEmpty(c.User, p.scriptUser), firstNonEmpty(c.Group, p.scriptGroup))
	if err != nil {
		m.log.Warn("notify script not run", "script", c.Raw, "err", err)
		return
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	if err := cmd.Start(); err != nil {
		m.log.Warn("notify script failed to start", "script", c.Raw, "err", err)
		return
	}
	go func() {
		if err := cmd.Wait(); err != nil {
			m.log.Debug("notify script", "script", c.Raw, "err", err)
		}
	}()
}
