package lvs

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
)

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
	// carriedUp: the virtual servers whose quorum was up before the reload
	// (keepalived copies quorum_state_up, so it announces no gain).
	carriedUp map[string]bool
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
	g := &generation{m: m, plan: p, carriedVS: map[string]bool{}, carriedUp: map[string]bool{}, carriedRS: map[[2]string]bool{}, carriedWeight: map[[2]string]carried{}}
	oldWeight := map[[2]string]int64{}
	type ckKey struct {
		vs, rs string
		i      int
	}
	was := map[ckKey]check.CheckerStatus{}
	for _, s := range prev {
		g.carriedVS[s.ID] = true
		g.carriedUp[s.ID] = s.QuorumUp
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
	// The engine shares the plan's specs (check.New); a checker that starts
	// in another state than configured gets its own copy.
	specs := specCopy{vss: p.vss}
	for i := range p.vss {
		vs := &p.vss[i]
		for j := range vs.Reals {
			rs := &vs.Reals[j]
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
				if old, ok := was[ckKey{vs.ID, rs.ID, k}]; ok && old.Kind == c.Kind && old.HasRun && c.Timing.Alpha != !old.Up {
					// A checker restarted down starts down. An HTTP
					// checker's url walk starts afresh, failed url
					// forgotten: keepalived's migrate_checkers carries
					// neither url_it nor failed_url.
					own := specs.checker(i, j, k)
					own.Timing.Alpha = !old.Up
				}
				if w, ok := c.Probe.(*watched); ok {
					w.reset()
				}
			}
		}
	}
	opts := m.opt.EngineOptions
	if p.mail.sender != nil && p.mail.sender.Enabled() {
		// The checkers' own verdicts, for their e-mail alerts.
		opts = append(slices.Clone(opts), check.WithCheckerEvents())
	}
	eng, err := check.New(specs.vss, g, opts...)
	if err != nil {
		return nil, fmt.Errorf("lvs: %w", err)
	}
	g.eng = eng
	return g, nil
}

// specCopy copies a plan's engine specs on write: the plan stays as
// configured (a failed reload starts it again, and the next reload reads its
// weights), and only the real servers whose checkers start otherwise are
// copied, instead of every spec at every start.
type specCopy struct {
	vss      []check.VirtualServer
	ownVSS   bool
	ownReals map[int]bool    // virtual server index
	ownCks   map[[2]int]bool // virtual and real server index
}

// checker returns checker k of real server j of virtual server i, copied.
func (s *specCopy) checker(i, j, k int) *check.Checker {
	if !s.ownVSS {
		s.vss, s.ownVSS = slices.Clone(s.vss), true
		s.ownReals, s.ownCks = map[int]bool{}, map[[2]int]bool{}
	}
	vs := &s.vss[i]
	if !s.ownReals[i] {
		vs.Reals, s.ownReals[i] = slices.Clone(vs.Reals), true
	}
	rs := &vs.Reals[j]
	if !s.ownCks[[2]int{i, j}] {
		rs.Checkers, s.ownCks[[2]int{i, j}] = slices.Clone(rs.Checkers), true
	}
	return &rs.Checkers[k]
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
	g.m.logActivating(g.plan)
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
	now := time.Now()
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
		ev.Kind == check.QuorumUp && g.carriedUp[ev.VS] ||
		ev.Kind == check.RealServerDown && g.carriedRS[[2]string{ev.VS, ev.RS}]) {
		return // announced before the reload
	}
	g.m.event(g.plan, ev)
}

// event logs ev, starts its script and tells Options.Events.
func (m *Manager) event(p *plan, ev check.Event) {
	if ev.Shutdown && ev.RS != "" && p.global.FlushOnStop != config.FlushNone {
		// keepalived's clear_services with lvs_flush_on_stop announces
		// only each service's quorum, not its real servers.
		return
	}
	if ev.Kind == check.CheckerUp || ev.Kind == check.CheckerDown {
		p.sendMail(ev) // for the e-mail alerts alone
		return
	}
	if ev.TrapOnly {
		if m.opt.Traps != nil {
			m.opt.Traps(ev)
		}
		return
	}
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
	m.log.Debug(ev.Kind.String(), attrs...)
	m.logEvent(p, ev)
	quorum := ev.Kind == check.QuorumUp || ev.Kind == check.QuorumDown
	if quorum && m.opt.Traps != nil {
		m.opt.Traps(ev)
	}
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
	if !quorum && m.opt.Traps != nil {
		m.opt.Traps(ev)
	}
	p.sendMail(ev)
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
			ev := check.Event{Kind: check.RealServerDown, VS: vs.ID, RS: r.ID, Removed: true, Time: time.Now()}
			if c := old.scripts[scriptKey{vs: vs.ID, rs: r.ID, kind: check.RealServerDown}]; c != nil {
				ev.Command = argv(c)
			}
			m.event(old, ev)
		}
	}
}
