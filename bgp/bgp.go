// Package bgp decides which service addresses a director announces over
// BGP: a prefix is announced while at least one of the services it comes
// from is healthy and the director is not draining, and withdrawn
// otherwise. It knows neither the daemon nor the BGP implementation: health
// arrives as a snapshot, announcements leave through a Speaker.
package bgp

import (
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Speaker carries announcements to the BGP neighbours (bgpproc, the
// keepalived-bgp helper running bgpspeaker).
type Speaker interface {
	Announce(p netip.Prefix) error
	Withdraw(p netip.Prefix) error
}

// Source is one service whose health gates its prefixes.
type Source struct {
	// Key names the service in a Health snapshot ("vrrp VI_1",
	// "vs [192.0.2.10]:tcp:80").
	Key      string
	Prefixes []netip.Prefix
}

// Health is a snapshot: healthy services by Key. A service missing from
// it is unhealthy, so an unknown name never announces.
type Health map[string]bool

// Announcer keeps the announced set equal to what the sources' health asks
// for. It is safe for concurrent use.
type Announcer struct {
	log     *slog.Logger
	speaker Speaker
	sources []Source
	now     func() time.Time

	mu         sync.Mutex
	announced  map[netip.Prefix]bool
	draining   bool
	lastChange time.Time
}

// New returns an Announcer that has announced nothing yet.
func New(log *slog.Logger, sp Speaker, sources []Source) *Announcer {
	return &Announcer{log: log, speaker: sp, sources: sources, now: time.Now, announced: map[netip.Prefix]bool{}}
}

// SetSources replaces the sources (a reload); the next Reconcile
// withdraws what no source asks for any more.
func (a *Announcer) SetSources(sources []Source) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sources = sources
}

// Desired is the set of prefixes h asks for: the union of the healthy
// sources' prefixes, so that one VIP served by two services stays up while
// either is.
func Desired(sources []Source, h Health) map[netip.Prefix]bool {
	want := map[netip.Prefix]bool{}
	for _, s := range sources {
		if !h[s.Key] {
			continue
		}
		for _, p := range s.Prefixes {
			want[p] = true
		}
	}
	return want
}

// Reconcile announces and withdraws the difference between what h asks for
// and what is announced. A prefix the speaker refused stays in its old
// state and is tried again at the next call.
func (a *Announcer) Reconcile(h Health) {
	a.mu.Lock()
	defer a.mu.Unlock()
	want := Desired(a.sources, h)
	if a.draining {
		want = nil
	}
	a.apply(want)
}

func (a *Announcer) apply(want map[netip.Prefix]bool) {
	for _, p := range sortedKeys(a.announced) {
		if want[p] {
			continue
		}
		if err := a.speaker.Withdraw(p); err != nil {
			a.log.Warn("BGP withdraw failed", "prefix", p, "err", err)
			continue
		}
		delete(a.announced, p)
		a.lastChange = a.now()
		a.log.Info("BGP withdrawing " + p.String())
	}
	for _, p := range sortedKeys(want) {
		if a.announced[p] {
			continue
		}
		if err := a.speaker.Announce(p); err != nil {
			a.log.Warn("BGP announce failed", "prefix", p, "err", err)
			continue
		}
		a.announced[p] = true
		a.lastChange = a.now()
		a.log.Info("BGP announcing " + p.String())
	}
}

// Drain withdraws every prefix and keeps them withdrawn whatever the
// health says: the first step of a graceful stop (withdraw, let the
// routers move the flows, then stop).
func (a *Announcer) Drain() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.draining = true
	a.apply(nil)
}

// Announced returns the announced prefixes, sorted.
func (a *Announcer) Announced() []netip.Prefix {
	a.mu.Lock()
	defer a.mu.Unlock()
	return sortedKeys(a.announced)
}

// LastChange is when a prefix was last announced or withdrawn (zero:
// never).
func (a *Announcer) LastChange() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastChange
}

// Draining reports whether Drain was called.
func (a *Announcer) Draining() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.draining
}

func sortedKeys(m map[netip.Prefix]bool) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	slices.SortFunc(out, func(x, y netip.Prefix) int {
		if c := x.Addr().Compare(y.Addr()); c != 0 {
			return c
		}
		return x.Bits() - y.Bits()
	})
	return out
}
