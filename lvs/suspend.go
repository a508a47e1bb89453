package lvs

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
	"github.com/dsas/keepalived-go/config"
)

// suspendable is ha_suspend: keepalived disables a virtual server's
// checkers while none of its addresses is configured on this host (a
// BACKUP router holds no VIP), so the real servers keep the state they
// had. A disabled checker here repeats its last result, which leaves the
// state machine where it was; before any check the result is the state
// the real server starts in (up, or down with alpha).
type suspendable struct {
	inner probe.Prober
	owns  func(netip.Addr) bool // is this one of the virtual server's addresses
	local func() []netip.Addr
	log   *slog.Logger
	vs    string

	mu        sync.Mutex
	last      probe.Result
	suspended bool
}

var errSuspendedDown = errors.New("ha_suspend: not checked yet, virtual server address not on this host")

func newSuspendable(inner probe.Prober, vs *config.VirtualServer, group *config.VirtualServerGroup, alpha bool, log *slog.Logger, id string) *suspendable {
	s := &suspendable{inner: inner, owns: vsAddrMatcher(vs, group), local: localAddrs, log: log, vs: id}
	if alpha {
		s.last = probe.Result{Err: errSuspendedDown}
	}
	return s
}

// Check implements probe.Prober.
func (s *suspendable) Check(ctx context.Context) probe.Result {
	active := false
	for _, a := range s.local() {
		if s.owns(a) {
			active = true
			break
		}
	}
	s.mu.Lock()
	if active == s.suspended {
		verb := "Suspending"
		if active {
			verb = "Activating"
		}
		s.log.Info(verb+" healthchecker for VS", "vs", s.vs)
		s.suspended = !active
	}
	last := s.last
	s.mu.Unlock()
	if !active {
		return last
	}
	r := s.inner.Check(ctx)
	s.mu.Lock()
	s.last = r
	s.mu.Unlock()
	return r
}

// Parts implements probe.Walker (see watched.Parts).
func (s *suspendable) Parts() int { return walkParts(s.inner) }

// Part implements probe.Walker.
func (s *suspendable) Part(i int) string { return s.inner.(probe.Walker).Part(i) }

// Aim implements probe.Walker.
func (s *suspendable) Aim(i int) { aimWalk(s.inner, i) }

// vsAddrMatcher is keepalived's addr_matches: the virtual server's address,
// or any address of its group's ranges.
func vsAddrMatcher(vs *config.VirtualServer, g *config.VirtualServerGroup) func(netip.Addr) bool {
	return func(a netip.Addr) bool {
		a = a.Unmap().WithZone("")
		if vs.Kind == config.VSAddress {
			return vs.Addr.Addr().WithZone("") == a
		}
		if g == nil {
			return false
		}
		for _, r := range g.Ranges {
			if r.First.BitLen() == a.BitLen() && r.First.Compare(a) <= 0 && a.Compare(r.Last) <= 0 {
				return true
			}
		}
		return false
	}
}

// localAddrs lists the host's addresses, cached for a second so many
// suspended checkers cost one netlink dump.
var localAddrs = func() func() []netip.Addr {
	var mu sync.Mutex
	var at time.Time
	var cached []netip.Addr
	return func() []netip.Addr {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(at) < time.Second && cached != nil {
			return cached
		}
		ifas, err := net.InterfaceAddrs()
		if err != nil {
			return cached
		}
		cached = cached[:0]
		for _, ia := range ifas {
			if p, err := netip.ParsePrefix(ia.String()); err == nil {
				cached = append(cached, p.Addr())
			}
		}
		at = time.Now()
		return cached
	}
}()
