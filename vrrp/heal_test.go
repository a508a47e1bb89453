package vrrp_test

import (
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/vrrptest"
	"github.com/dsas/keepalived-go/vrrp/wire"
)

// TestHealReannouncesEitherOrder: after a split brain heals, the winner
// re-announces the VIP at once whichever master's advert crosses the
// healed link first. When the loser's advert comes first the winner hears
// a lower master; when the winner's comes first, the loser's one advert on
// stepping down is what the winner hears. Nobody flaps, and the loser
// sends at most one advert per step-down.
func TestHealReannouncesEitherOrder(t *testing.T) {
	for _, tc := range []struct {
		name        string
		prio2       int
		win, lose   string
		first       string // whose advert crosses the healed link first
		loserAdvert int    // adverts the loser sends after the heal
	}{
		{"winner-first", 100, "h1", "h2", "h1", 1},
		{"loser-first", 100, "h1", "h2", "h2", 2},
		{"tie-winner-first", 150, "h2", "h1", "h2", 1},
		{"tie-loser-first", 150, "h2", "h1", "h1", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, heal, next := splitBrain(t, tc.prio2, tc.first)
			garps := s.h[tc.win].Net.Count("garp")
			s.at(heal)
			s.lan.Drop = nil
			s.at(next)
			s.wantState(tc.win, "VI_51", vrrp.StateMaster)
			s.wantState(tc.lose, "VI_51", vrrp.StateBackup)
			if s.h[tc.lose].Net.HasAddr("10.77.0.100") {
				t.Fatalf("%s kept the VIP", tc.lose)
			}
			// Delivery is instant on the fake LAN: the re-announcement
			// is due at the very instant the first advert crosses.
			if n := s.h[tc.win].Net.Count("garp"); n <= garps {
				t.Fatalf("%s sent no GARP when the first advert crossed at %v", tc.win, next)
			}
			s.at(next + 10*time.Second)
			s.wantState(tc.win, "VI_51", vrrp.StateMaster)
			s.wantState(tc.lose, "VI_51", vrrp.StateBackup)
			for _, h := range []string{"h1", "h2"} {
				if n := transitionsSince(s, h, s.t0.Add(heal)); n > 1 {
					t.Errorf("%s: %d transitions after the heal, want at most 1", h, n)
				}
			}
			if n := advertsSince(t, s, tc.lose, heal); n != tc.loserAdvert {
				t.Errorf("%s sent %d adverts after the heal, want %d", tc.lose, n, tc.loserAdvert)
			}
		})
	}
}

// splitBrain makes h1 (priority 150) and h2 (prio2) both masters with the
// link between them cut, and returns the moment to heal it so that first's
// next advert is the first to cross, and that advert's time.
func splitBrain(t *testing.T, prio2 int, first string) (s *sim, heal, next time.Duration) {
	t.Helper()
	s = newSim(t)
	s.lan.Capture = true
	s.add("h1", one(vi("VI_51", 51, 150, vrrp.StateMaster, "10.77.0.100/24")))
	s.start("h1")
	// Different start instants put the masters' advert grids on
	// different phases.
	s.at(300 * time.Millisecond)
	s.add("h2", one(vi("VI_51", 51, prio2, vrrp.StateBackup, "10.77.0.100/24")))
	s.start("h2")
	s.at(10 * time.Second)
	s.lan.Drop = func(string, string) bool { return true }
	s.at(20 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
	last := lastAdvert(t, s.lan, s.t0, first)
	next = last + time.Second // advert_int 1
	return s, next - time.Millisecond, next
}

func lastAdvert(t *testing.T, lan *vrrptest.LAN, t0 time.Time, from string) time.Duration {
	t.Helper()
	for i := len(lan.Captured) - 1; i >= 0; i-- {
		if f := lan.Captured[i]; f.From == from {
			return f.At.Sub(t0)
		}
	}
	t.Fatalf("no advert from %s", from)
	return 0
}

func advertsSince(t *testing.T, s *sim, from string, since time.Duration) int {
	t.Helper()
	n := 0
	for _, f := range s.lan.Captured {
		if f.From != from || f.At.Sub(s.t0) < since {
			continue
		}
		if _, err := wire.Decode(f.Payload, f.Src, f.Dst, wire.Options{}); err != nil {
			t.Fatalf("%s sent a frame no peer can read: %v", from, err)
		}
		n++
	}
	return n
}

func transitionsSince(s *sim, host string, since time.Time) int {
	n := 0
	for _, tr := range s.status(host, "VI_51").History {
		if !tr.At.Before(since) {
			n++
		}
	}
	return n
}

// TestPreemptionStaysQuiet: the master a higher router preempts also sends
// its one advert on stepping down, but the new master, which has just
// announced itself, neither re-announces nor reports MASTER_RX_LOWER_PRI
// for it, as with keepalived's defaults.
func TestPreemptionStaysQuiet(t *testing.T) {
	s := pair(t, nil)
	s.lan.Capture = true
	s.start("h2")
	s.at(10 * time.Second)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
	start := s.elapsed()
	s.start("h1") // waits a Master_Down_Interval, then preempts
	s.at(start + 10*time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	s.wantState("h2", "VI_51", vrrp.StateBackup)
	if n := advertsSince(t, s, "h2", s.becameMasterAt("h1", "VI_51")); n != 1 {
		t.Errorf("preempted h2 sent %d adverts, want 1", n)
	}
	for _, e := range s.rec["h1"].Events {
		if e.Kind == vrrp.EventMasterRxLowerPri {
			t.Errorf("MASTER_RX_LOWER_PRI on a plain preemption")
		}
	}
}

// TestHealReannouncesSyncGroup: in a sync group only the instance that
// hears the winner first steps down on its own and sends the step-down
// advert; the rest follow through the group. The winner re-announces every
// member's VIPs on that one advert.
func TestHealReannouncesSyncGroup(t *testing.T) {
	mk := func(prio int) vrrp.Config {
		return vrrp.Config{
			Instances: []vrrp.InstanceConfig{
				vi("VI_1", 1, prio, vrrp.StateBackup, "10.77.0.101/24"),
				vi("VI_2", 2, prio, vrrp.StateBackup, "10.77.0.102/24"),
			},
			SyncGroups: []vrrp.SyncGroupConfig{{Name: "G", Members: []string{"VI_1", "VI_2"}}},
		}
	}
	s := newSim(t)
	s.lan.Capture = true
	s.add("h1", mk(150))
	s.start("h1")
	s.at(300 * time.Millisecond)
	s.add("h2", mk(100))
	s.start("h2")
	s.at(10 * time.Second)
	s.lan.Drop = func(string, string) bool { return true }
	s.at(20 * time.Second)
	for _, in := range []string{"VI_1", "VI_2"} {
		s.wantState("h1", in, vrrp.StateMaster)
		s.wantState("h2", in, vrrp.StateMaster)
	}
	// Heal just before h1's next adverts: they cross first.
	next := lastAdvert(t, s.lan, s.t0, "h1") + time.Second
	s.at(next - time.Millisecond)
	s.lan.Drop = nil
	s.at(next)
	announced := map[string]bool{}
	for _, c := range s.h["h1"].Net.Calls() {
		if c.Op == "garp" && !c.At.Before(s.t0.Add(next)) {
			announced[c.IP.String()] = true
		}
	}
	for _, in := range []string{"VI_1", "VI_2"} {
		s.wantState("h1", in, vrrp.StateMaster)
		s.wantState("h2", in, vrrp.StateBackup)
	}
	if !announced["10.77.0.101"] || !announced["10.77.0.102"] {
		t.Fatalf("h1 re-announced %v at the heal, want both group VIPs", announced)
	}
	if n := advertsSince(t, s, "h2", next-time.Millisecond); n != 1 {
		t.Errorf("h2 sent %d adverts stepping down, want 1 (one per group step-down)", n)
	}
}
