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

// markFailed remembers that a change to service k (normalized) failed: the
// cache then holds what was meant rather than what the kernel has, so the
// retry pass reads k's virtual server back. A service the plan no longer
// has (a deletion that failed) is retried alone. mu is held.
func (m *Manager) markFailed(k ipvs.ServiceKey) {
	if id, ok := m.plan.keys[k]; ok {
		m.failed[id] = true
	} else {
		m.failedGone[k] = true
	}
	select {
	case m.retry <- struct{}{}:
	default:
	}
}

// retryDue reports whether a failed change waits for the retry pass.
func (m *Manager) retryDue() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.failed)+len(m.failedGone) > 0
}

// retryPass reads back the virtual servers with a failed change, and the
// services whose deletion failed, and corrects them; what fails again is
// marked again for the next pass. The kernel is read without holding mu.
// It returns how long the pass took.
func (m *Manager) retryPass() time.Duration {
	start := time.Now()
	m.mu.Lock()
	p, seq, k := m.plan, m.seq, m.k
	ids := slices.Sorted(maps.Keys(m.failed))
	gone := slices.Collect(maps.Keys(m.failedGone))
	clear(m.failed)
	clear(m.failedGone)
	var keys []ipvs.ServiceKey
	for _, id := range ids {
		for _, s := range p.byID[id].services {
			keys = append(keys, s.ServiceKey.Normalize())
		}
	}
	m.mu.Unlock()
	if k == nil || len(keys)+len(gone) == 0 {
		return 0
	}
	cur, err := readBack(k, append(keys, gone...))
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil || m.plan != p {
		if err != nil {
			m.log.Warn("cannot read the IPVS table", "err", err)
		}
		// Next time, against the plan then in force.
		for _, k := range append(keys, gone...) {
			m.markFailed(k)
		}
		return time.Since(start)
	}
	// A virtual server whose membership a reload cleared is applied
	// against the cache when its new engine restates it: keep it marked.
	for _, id := range ids {
		if _, known := m.members[id]; !known {
			m.failed[id] = true
		}
	}
	var stale []ipvs.Change
	for _, s := range cur {
		if n := s.ServiceKey.Normalize(); slices.Contains(gone, n) {
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
