package vrrp_test

import (
	"testing"

	"github.com/dsas/keepalived-go/vrrp"
)

// TestTrackBFD pins keepalived's track_bfd rules: weight 0 faults while
// the session's state equals reverse; a weight counts while Up (>0) or
// Down (<0), and reverse negates it.
func TestTrackBFD(t *testing.T) {
	up := func(r *vrrp.Router) { r.BFDState("b", true) }
	flap := func(r *vrrp.Router) { r.BFDState("b", true); r.BFDState("b", false) }
	none := func(*vrrp.Router) {}
	for _, tt := range []struct {
		name      string
		ref       vrrp.TrackRef
		feed      func(*vrrp.Router)
		wantState vrrp.State
		wantPrio  int
	}{
		{"weight 0 before the first Up", vrrp.TrackRef{Name: "b"}, none, vrrp.StateFault, 100},
		{"weight 0 Up", vrrp.TrackRef{Name: "b"}, up, vrrp.StateBackup, 100},
		{"weight 0 Down again", vrrp.TrackRef{Name: "b"}, flap, vrrp.StateFault, 100},
		{"weight 0 reverse Up", vrrp.TrackRef{Name: "b", Reverse: true}, up, vrrp.StateFault, 100},
		{"weight 0 reverse Down", vrrp.TrackRef{Name: "b", Reverse: true}, none, vrrp.StateBackup, 100},
		{"+20 Up", vrrp.TrackRef{Name: "b", Weight: 20}, up, vrrp.StateBackup, 120},
		{"+20 Down", vrrp.TrackRef{Name: "b", Weight: 20}, flap, vrrp.StateBackup, 100},
		{"-30 Down", vrrp.TrackRef{Name: "b", Weight: -30}, none, vrrp.StateBackup, 70},
		{"-30 Up", vrrp.TrackRef{Name: "b", Weight: -30}, up, vrrp.StateBackup, 100},
		{"+20 reverse Up", vrrp.TrackRef{Name: "b", Weight: 20, Reverse: true}, up, vrrp.StateBackup, 80},
		{"+20 reverse Down", vrrp.TrackRef{Name: "b", Weight: 20, Reverse: true}, flap, vrrp.StateBackup, 100},
		{"-30 reverse Down", vrrp.TrackRef{Name: "b", Weight: -30, Reverse: true}, none, vrrp.StateBackup, 130},
		{"-30 reverse Up", vrrp.TrackRef{Name: "b", Weight: -30, Reverse: true}, up, vrrp.StateBackup, 100},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t)
			ic := vi("VI_1", 1, 100, vrrp.StateBackup, "10.77.0.1/24")
			ic.TrackBFDs = []vrrp.TrackRef{tt.ref}
			s.add("h1", one(ic))
			s.start("h1")
			tt.feed(s.h["h1"].Router)
			st := s.status("h1", "VI_1")
			if st.State != tt.wantState || st.EffectivePriority != tt.wantPrio {
				t.Fatalf("state %v prio %d, want %v %d", st.State, st.EffectivePriority, tt.wantState, tt.wantPrio)
			}
		})
	}
}

// TestTrackBFDAtStart: a BFD both the instance (-6) and its sync group
// (-16, kept) track counts -22 at start, as keepalived 2.2.7's LAN in
// corpus 038 (priority 78); the session's Up then gives back only the
// kept 16 (keepalived's vrrp_handle_bfd_event).
func TestTrackBFDAtStart(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_1", 1, 100, vrrp.StateBackup, "10.77.0.1/24")
	ic.TrackBFDs = []vrrp.TrackRef{{Name: "b", Weight: -16}}
	ic.TrackBFDsAtStart = []vrrp.TrackRef{{Name: "b", Weight: -6}}
	s.add("h1", one(ic))
	s.start("h1")
	if st := s.status("h1", "VI_1"); st.EffectivePriority != 78 {
		t.Fatalf("start: prio %d, want 78", st.EffectivePriority)
	}
	s.h["h1"].Router.BFDState("b", true)
	if st := s.status("h1", "VI_1"); st.EffectivePriority != 94 {
		t.Fatalf("Up: prio %d, want 94", st.EffectivePriority)
	}
}
