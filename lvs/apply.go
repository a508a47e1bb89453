package lvs

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/ipvs"
)

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
// keepalived does; what failed is remembered (markFailed) and corrected by
// the retry pass. mu is held.
func (m *Manager) apply(changes []ipvs.Change) {
	for _, c := range changes {
		if _, err := ipvs.Apply(m.k, []ipvs.Change{c}); err != nil {
			m.log.Warn("IPVS change failed", "change", c.String(), "err", err)
			m.markFailed(c.Service.ServiceKey.Normalize())
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
	m.correct(cur, m.plan.order, seq, func(k ipvs.ServiceKey) bool {
		_, planned := m.plan.keys[k]
		return m.owned[k] && !planned
	})
	return time.Since(start)
}

// correct diffs the virtual servers ids against cur, what the kernel holds
// for them, and applies the difference; owned says which services outside
// ids may be deleted. Virtual servers whose membership is unknown or that
// were applied after seq are left alone. mu is held.
func (m *Manager) correct(cur []ipvs.Service, ids []string, seq uint64, owned func(ipvs.ServiceKey) bool) {
	var want ipvs.Table
	skip := map[ipvs.ServiceKey]bool{}
	for _, id := range ids {
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
	changes, err := ipvs.Diff(current, want, owned)
	if err != nil {
		m.log.Error("IPVS table rejected", "err", err)
		return
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
}

// rollBatch is how many virtual servers one drift check reads when the
// kernel can be read service by service. keepalived never re-reads IPVS;
// reading a constant number per period keeps the idle cost the same at 10
// or 10 000 virtual servers (a whole sweep of 10 000 takes 157 periods).
const rollBatch = 64

// resyncPass is one periodic drift check: the whole table when it is small
// or cannot be read service by service, else the next rollBatch virtual
// servers. It returns how long the pass took.
func (m *Manager) resyncPass() time.Duration {
	m.mu.Lock()
	k, n := m.k, len(m.plan.order)
	m.mu.Unlock()
	r, ok := k.(ipvs.ServiceReader)
	if !ok || n <= rollBatch {
		return m.fullPass()
	}
	return m.rollingPass(r)
}

// rollingPass reads the next rollBatch virtual servers' services one by
// one, without holding mu, and corrects what differs. Services of earlier
// plans are left to Reload, which deletes them.
func (m *Manager) rollingPass(r ipvs.ServiceReader) time.Duration {
	start := time.Now()
	m.mu.Lock()
	p, seq := m.plan, m.seq
	if m.cursor >= len(p.order) {
		m.cursor = 0
	}
	end := min(m.cursor+rollBatch, len(p.order))
	ids := p.order[m.cursor:end]
	m.cursor = end
	var keys []ipvs.ServiceKey
	for _, id := range ids {
		for _, s := range p.byID[id].services {
			keys = append(keys, s.ServiceKey)
		}
	}
	m.mu.Unlock()
	cur, err := readServices(r, keys)
	if err != nil {
		m.log.Warn("cannot read the IPVS table", "err", err)
		return time.Since(start)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.plan == p { // a reload meanwhile: its own pass comes next
		m.correct(cur, ids, seq, nil)
	}
	return time.Since(start)
}

// readServices reads the services keys one by one; those the kernel does
// not hold are left out.
func readServices(r ipvs.ServiceReader, keys []ipvs.ServiceKey) ([]ipvs.Service, error) {
	cur := make([]ipvs.Service, 0, len(keys))
	for _, k := range keys {
		s, ok, err := r.Service(k)
		if err != nil {
			return nil, err
		}
		if ok {
			cur = append(cur, s)
		}
	}
	return cur, nil
}
