// Package lvs is keepalived's checker process without the process: it turns
// the LVS side of a keepalived.conf (virtual servers, groups, real and sorry
// servers, checkers, lvs_* globals) into the health-checker engine of
// package check and the IPVS table of package ipvs, and keeps the kernel in
// step with the checkers, reloads and hand edits.
//
// Each membership change the engine states is diffed against what was last
// programmed for that virtual server and only the difference is sent; a
// virtual server whose change failed is read back and corrected until that
// succeeds. Like keepalived, entries deleted or changed by hand stay so,
// unless a periodic drift check is asked for (Options.Resync), which diffs
// the table against the kernel and restores them.
package lvs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/ipvs"
	"github.com/dsas/keepalived-go/nftfilter"
)

// Options tune a Manager.
type Options struct {
	// Logger receives IPVS changes (debug), transitions (info) and failures
	// (warn/error); nil discards.
	Logger *slog.Logger
	// Kernel is the IPVS table to program; nil dials the running kernel
	// (and closes it when Run returns).
	Kernel ipvs.Kernel
	// KeepOnExit leaves the IPVS table as it is when Run returns
	// (keepalived's --dont-release-ipvs).
	KeepOnExit bool
	// Resync is the period of the drift check, which compares the table
	// with the kernel and restores hand edits (--ipvs-drift-check); 0 or
	// negative: none, as keepalived, which never re-reads IPVS. A pass
	// that takes long (10 000 services) stretches the period so that
	// passes use at most a tenth of the time. Failed changes are retried
	// whatever Resync is.
	Resync time.Duration
	// Events, when set, is told of every real server and quorum transition
	// (notify FIFOs, metrics) after the configured script has been started.
	Events func(check.Event)
	// Traps, when set, is told of the same transitions where keepalived
	// sends its SNMP notifications: before a quorum change's script, after
	// a real server's script and FIFO line.
	Traps func(check.Event)
	// RunScript runs a notify_up/notify_down/quorum_up/quorum_down command;
	// nil runs it here, detached, as the configured (or script_user) user.
	RunScript func(cmd *config.Command)
	// EngineOptions are passed to check.New (jitter, in-flight bound...).
	EngineOptions []check.Option
	// BFDUp reports whether a bfd_instance is Up, for BFD_CHECK before
	// its first event (keepalived's BFD process states every session at
	// start); nil means no BFD side, and every BFD_CHECK fails.
	BFDUp func(name string) bool
	// Marks opens the nftables_ipvs table. Nil opens it with package
	// nftfilter in the caller's network namespace, unless Kernel is set:
	// a fake IPVS kernel gets no real nftables either.
	Marks func(nftfilter.IPVSConfig) (MarkTable, error)
}

// MarkTable is the nftables_ipvs table (*nftfilter.IPVSMarks).
type MarkTable interface {
	// Set makes the map elements exactly these.
	Set([]nftfilter.IPVSEntry) error
	// Close deletes the table; Release leaves it in place.
	Close() error
	Release() error
}

// Manager runs the checkers of one configuration and programs IPVS from
// their verdicts. Create it with New, start it with Run.
type Manager struct {
	opt     Options
	log     *slog.Logger
	k       ipvs.Kernel
	dialed  *ipvs.Conn
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
	// marks is the nftables_ipvs table, opened with the first group it
	// marks; marksCfg is what it was opened with.
	marks    MarkTable
	marksCfg nftfilter.IPVSConfig
	// seq counts membership applications; touched says when each virtual
	// server was last applied, so a full pass can tell stale reads.
	seq     uint64
	touched map[string]uint64

	// bfd is the last event of each bfd_instance (BFDState): BFD_CHECK
	// follows events, as keepalived's checker follows its BFD pipe.
	bfdMu sync.Mutex
	bfd   map[string]bool
	// cursor is where the next rolling drift check starts in plan.order.
	cursor int
	// failed are the services with a failed change (markFailed); retry
	// tells Run.
	failed map[ipvs.ServiceKey]bool
	retry  chan struct{}
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
		resync:  opt.Resync,
		members: map[string][]check.Member{},
		cache:   map[ipvs.ServiceKey]ipvs.Service{},
		owned:   map[ipvs.ServiceKey]bool{},
		touched: map[string]uint64{},

		failed: map[ipvs.ServiceKey]bool{},
		retry:  make(chan struct{}, 1),
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	p, err := translate(cfg, m.log, m.bfdUp)
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

	m.keepInStep(ctx)

	m.lifeMu.Lock()
	defer m.lifeMu.Unlock()
	m.gen.stop()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.opt.KeepOnExit && m.plan.global.FlushOnStop == config.FlushNone {
		m.logShutdown(m.plan, m.gen.eng.Status())
	}
	err = m.teardown()
	if m.dialed != nil {
		err = errors.Join(err, m.dialed.Close())
	}
	return err
}

// keepInStep runs the drift check every m.resync, if set, and the retry of
// failed changes while some wait, until ctx is cancelled. With neither,
// no timer runs: the idle daemon does nothing.
func (m *Manager) keepInStep(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	var tick <-chan time.Time
	arm := func(d time.Duration) { t.Reset(d); tick = t.C }
	if m.resync > 0 {
		arm(m.resync)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.retry:
			if tick == nil {
				arm(retryPeriod)
			}
		case <-tick:
			tick = nil
			took := m.retryPass()
			// Passes take at most a tenth of the time.
			switch {
			case m.resync > 0:
				arm(max(m.resync, 10*(took+m.resyncPass())))
			case m.retryDue():
				arm(max(retryPeriod, 10*took))
			}
		}
	}
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
	m.applyMarks()
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
	if m.marks != nil {
		// keepalived leaves its table with --dont-release-ipvs only.
		release := m.marks.Close
		if m.opt.KeepOnExit {
			release = m.marks.Release
		}
		if merr := release(); merr != nil {
			err = errors.Join(err, merr)
		}
		m.marks = nil
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

// Reload switches to cfg, applying only the difference: services and real
// servers that stay keep their checker state (a dead real server stays out
// without a new check), removed ones are deleted, new ones programmed. An
// unchanged configuration changes nothing in the kernel.
func (m *Manager) Reload(cfg *config.Config) error {
	if cfg == nil {
		return errors.New("lvs: nil configuration")
	}
	m.mu.Lock()
	prev := m.plan
	m.mu.Unlock()
	p, err := translateFrom(cfg, m.log, m.bfdUp, prev)
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
		m.applyMarks()
	}
	m.mu.Unlock()
	if running {
		g.start()
	}
	return nil
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

// BFDState is the BFD side's event for bfd_instance name: the BFD_CHECKs
// on it run at once with the new state (keepalived's checker reads its
// BFD event pipe). A peer's AdminDown sends no event and so leaves them
// as they are, as RFC 5880 §6.8.16 asks.
func (m *Manager) BFDState(name string, up bool) {
	m.bfdMu.Lock()
	if m.bfd == nil {
		m.bfd = map[string]bool{}
	}
	m.bfd[name] = up
	m.bfdMu.Unlock()
	m.mu.Lock()
	g := m.gen
	m.mu.Unlock()
	if g != nil {
		g.eng.Wake(bfdWakeKey(name))
	}
}

// bfdUp is BFD_CHECK's verdict: the last event, else the BFD side's
// state now.
func (m *Manager) bfdUp(name string) bool {
	m.bfdMu.Lock()
	up, ok := m.bfd[name]
	m.bfdMu.Unlock()
	if ok {
		return up
	}
	return m.opt.BFDUp != nil && m.opt.BFDUp(name)
}

func bfdWakeKey(name string) string { return "bfd:" + name }

// SetWeight gives a real server the effective weight w (an SNMP SET of
// realServerWeight), logging keepalived's line when it changes; false
// when the server is unknown.
func (m *Manager) SetWeight(vsID, rsID string, w int) bool {
	m.mu.Lock()
	g := m.gen
	m.mu.Unlock()
	if g == nil {
		return false
	}
	alive := false
	for _, s := range g.eng.Status() {
		for _, r := range s.Reals {
			if s.ID == vsID && r.ID == rsID {
				alive = r.Alive
			}
		}
	}
	old, ok := g.eng.SetWeight(vsID, rsID, int64(w))
	if ok && old != int64(w) {
		in := "in"
		if alive {
			in = ""
		}
		m.log.Info(fmt.Sprintf("Changing weight from %d to %d for %sactive service %s of VS %s", old, w, in, rsID, vsID))
	}
	return ok
}
