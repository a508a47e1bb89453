package vrrp_test

import (
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
)

// TestSaddrMaster: keepalived's master_saddr/master_priority, the dump's
// Master router/priority. A BACKUP that accepts an advert records both;
// a MASTER that yields to a higher one records only its priority (its
// address stays unset, the dump then prints a stale address); nothing
// clears them.
func TestSaddrMaster(t *testing.T) {
	s := newSim(t)
	s.add("h2", one(vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")))
	s.start("h2")
	s.at(5 * time.Second)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
	s.add("h1", one(vi("VI_51", 51, 150, vrrp.StateBackup, "10.77.0.100/24")))
	s.start("h1")
	for d := 5 * time.Second; s.state("h2", "VI_51") != vrrp.StateBackup && d < 10*time.Second; d += time.Millisecond {
		s.at(d) // stop at the MASTER's yield, before the next advert
	}
	s.wantState("h2", "VI_51", vrrp.StateBackup)
	if st := s.status("h2", "VI_51"); st.SaddrMaster != "" || st.SaddrPriority != 150 {
		t.Fatalf("yielded MASTER: saddr %q priority %d, want unset and 150", st.SaddrMaster, st.SaddrPriority)
	}
	s.at(15 * time.Second)
	if st := s.status("h2", "VI_51"); st.SaddrMaster != "10.77.0.11" || st.SaddrPriority != 150 {
		t.Fatalf("BACKUP: saddr %q priority %d", st.SaddrMaster, st.SaddrPriority)
	}
}
