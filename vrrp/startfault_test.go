package vrrp_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
)

// withScript makes h1 (and h2) track a weight-0 vrrp_script "chk".
func withScript(t *testing.T, names ...string) *sim {
	s := newSim(t)
	for i, n := range names {
		ic := vi("VI_51", 51, 150-50*i, vrrp.StateBackup, "10.77.0.100/24")
		ic.TrackScripts = []vrrp.TrackRef{{Name: "chk"}}
		s.add(n, vrrp.Config{Instances: []vrrp.InstanceConfig{ic}, Scripts: []vrrp.ScriptConfig{{Name: "chk", Rise: 1, Fall: 1}}})
	}
	return s
}

func states(lines []string) []string {
	var out []string
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) >= 3 {
			out = append(out, f[0]+" "+f[2])
		}
	}
	return out
}

// keepalived waits for a weight-0 track_script's first result in a FAULT
// it enters silently: the notify trail of a start is BACKUP, MASTER, not
// FAULT, BACKUP, MASTER (issue 11, divergence 2).
func TestStartWaitsForScriptsSilently(t *testing.T) {
	s := withScript(t, "h1")
	s.start("h1")
	s.wantState("h1", "VI_51", vrrp.StateFault)
	s.at(500 * time.Millisecond)
	s.h["h1"].Router.ScriptResult("chk", true)
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	s.at(5 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	if got, want := states(s.rec["h1"].Lines()), []string{"INSTANCE BACKUP", "INSTANCE MASTER"}; !slices.Equal(got, want) {
		t.Fatalf("notify trail %q, want %q", got, want)
	}
}

// A first result that fails makes the silent FAULT a real one, told then.
func TestFirstScriptFailureIsNotified(t *testing.T) {
	s := withScript(t, "h1")
	s.start("h1")
	s.h["h1"].Router.ScriptResult("chk", false)
	s.wantState("h1", "VI_51", vrrp.StateFault)
	if got, want := states(s.rec["h1"].Lines()), []string{"INSTANCE FAULT"}; !slices.Equal(got, want) {
		t.Fatalf("notify trail %q, want %q", got, want)
	}
	s.h["h1"].Router.ScriptResult("chk", true)
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	if got, want := states(s.rec["h1"].Lines()), []string{"INSTANCE FAULT", "INSTANCE BACKUP"}; !slices.Equal(got, want) {
		t.Fatalf("notify trail %q, want %q", got, want)
	}
}

// A sync group whose member waits for its script waits as a whole, and
// syncs nobody to FAULT.
func TestSyncGroupWaitsForScriptsSilently(t *testing.T) {
	s := newSim(t)
	a := vi("VI_1", 51, 150, vrrp.StateBackup, "10.77.0.100/24")
	a.TrackScripts = []vrrp.TrackRef{{Name: "chk"}}
	b := vi("VI_2", 52, 150, vrrp.StateBackup, "10.77.0.101/24")
	s.add("h1", vrrp.Config{
		Instances:  []vrrp.InstanceConfig{a, b},
		Scripts:    []vrrp.ScriptConfig{{Name: "chk", Rise: 1, Fall: 1}},
		SyncGroups: []vrrp.SyncGroupConfig{{Name: "G", Members: []string{"VI_1", "VI_2"}}},
	})
	s.start("h1")
	s.wantState("h1", "VI_2", vrrp.StateFault)
	if lines := s.rec["h1"].Lines(); len(lines) != 0 {
		t.Fatalf("events before the first script result: %q", lines)
	}
	s.h["h1"].Router.ScriptResult("chk", true)
	s.wantState("h1", "VI_1", vrrp.StateBackup)
	s.wantState("h1", "VI_2", vrrp.StateBackup)
	for _, l := range s.rec["h1"].Lines() {
		if strings.Contains(l, "FAULT") {
			t.Fatalf("FAULT told at start: %q", s.rec["h1"].Lines())
		}
	}
}

// Adverts arriving in FAULT are ignored and not counted, as keepalived
// does (issue 11, divergence 3).
func TestFaultIgnoresAdverts(t *testing.T) {
	s := withScript(t, "h1")
	b := vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")
	s.add("h2", one(b))
	s.start("h1", "h2")
	s.at(10 * time.Second)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
	s.wantState("h1", "VI_51", vrrp.StateFault)
	if st := s.status("h1", "VI_51").Stats; st.AdvertRcvd != 0 {
		t.Fatalf("%d adverts counted in FAULT", st.AdvertRcvd)
	}
}
