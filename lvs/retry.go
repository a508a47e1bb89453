package lvs

import (
	"maps"
	"slices"
	"time"

	"github.com/dsas/keepalived-go/ipvs"
)

// retryPeriod is how soon a virtual server whose netlink change failed is
// read back from the kernel and corrected, and again every period until
// that succeeds. Nothing runs while no change has failed: like keepalived,
// the daemon does not re-read IPVS for hand edits unless asked to
// (Options.Resync), so an idle daemon costs nothing at any table size.
const retryPeriod = 10 * time.Second

// markFailed remembers that a change to service k (normalized) failed:
// the cache then holds what was meant rather than what the kernel has, so
// the retry pass reads k back. mu is held.
func (m *Manager) markFailed(k ipvs.ServiceKey) {
	m.failed[k] = true
	select {
	case m.retry <- struct{}{}:
	default:
	}
}

// retryDue reports whether a failed change waits for the retry pass.
func (m *Manager) retryDue() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.failed) > 0
}

// retryPass reads back the virtual servers of the services with a failed
// change and corrects them; a failed service no virtual server of the plan
// has any more (a deletion that failed, or a reload since) is deleted if
// the kernel still holds it. What fails again is marked again for the next
// pass. The kernel is read without holding mu. It returns how long the
// pass took.
func (m *Manager) retryPass() time.Duration {
	start := time.Now()
	m.mu.Lock()
	p, seq, k := m.plan, m.seq, m.k
	failed := slices.Collect(maps.Keys(m.failed))
	clear(m.failed)
	var ids []string
	var gone, keys []ipvs.ServiceKey
	seen := map[string]bool{}
	for _, fk := range failed {
		id, ok := p.keys[fk]
		if !ok {
			gone = append(gone, fk)
		} else if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		for _, s := range p.byID[id].services {
			keys = append(keys, s.ServiceKey.Normalize())
		}
	}
	m.mu.Unlock()
	if k == nil || len(failed) == 0 {
		return 0
	}
	cur, err := readBack(k, append(keys, gone...))
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil || m.plan != p {
		if err != nil {
			m.log.Warn("cannot read the IPVS table", "err", err)
		}
		for _, fk := range failed { // next time, against the plan then
			m.markFailed(fk)
		}
		return time.Since(start)
	}
	// A virtual server whose membership a reload cleared is applied
	// against the cache when its new engine restates it: keep it marked.
	for _, id := range ids {
		if _, known := m.members[id]; !known {
			for _, s := range p.byID[id].services {
				m.markFailed(s.ServiceKey.Normalize())
			}
		}
	}
	goneSet := make(map[ipvs.ServiceKey]bool, len(gone))
	for _, g := range gone {
		goneSet[g] = true
	}
	var stale []ipvs.Change
	for _, s := range cur {
		if n := s.ServiceKey.Normalize(); goneSet[n] {
			stale = append(stale, ipvs.Change{Op: ipvs.DeleteService, Service: ipvs.Service{ServiceKey: n}})
		}
	}
	m.correct(cur, ids, seq, nil)
	m.apply(stale)
	return time.Since(start)
}

// readBack reads the services keys, one by one when the kernel can, else
// the whole table (the caller picks what it needs from it).
func readBack(k ipvs.Kernel, keys []ipvs.ServiceKey) ([]ipvs.Service, error) {
	if r, ok := k.(ipvs.ServiceReader); ok {
		return readServices(r, keys)
	}
	return k.Services()
}
