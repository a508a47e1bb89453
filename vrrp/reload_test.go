package vrrp_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrpconf"
)

func withSrc(cfg vrrp.Config, src netip.Addr) vrrp.Config {
	for i := range cfg.Instances {
		cfg.Instances[i].SrcIP = src
	}
	return cfg
}

func delAddrs(s *sim, host, ip string) int {
	n := 0
	for _, c := range s.h[host].Net.Calls() {
		if c.Op == "del-addr" && c.IP == netip.MustParseAddr(ip) {
			n++
		}
	}
	return n
}

func TestReloadKeepsStateAndChangesOnlyTheDifference(t *testing.T) {
	s := pair(t, nil)
	s.start("h1", "h2")
	s.at(10 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	hist := len(s.status("h1", "VI_51").History)
	dels := delAddrs(s, "h1", "10.77.0.100")

	a := vi("VI_51", 51, 150, vrrp.StateMaster, "10.77.0.100/24", "10.77.0.101/24")
	b := vi("VI_52", 52, 150, vrrp.StateMaster, "10.77.0.102/24")
	cfg := withSrc(vrrp.Config{Instances: []vrrp.InstanceConfig{a, b}}, s.h["h1"].Addr4)
	if err := s.h["h1"].Router.Reload(vrrpconf.Complete(cfg)); err != nil {
		t.Fatal(err)
	}
	a2 := vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24", "10.77.0.101/24")
	if err := s.h["h2"].Router.Reload(vrrpconf.Complete(withSrc(one(a2), s.h["h2"].Addr4))); err != nil {
		t.Fatal(err)
	}
	s.lan.Flush()
	s.at(20 * time.Second)

	s.wantState("h1", "VI_51", vrrp.StateMaster)
	if got := len(s.status("h1", "VI_51").History); got != hist {
		t.Fatalf("reload added transitions: %+v", s.status("h1", "VI_51").History)
	}
	if got := delAddrs(s, "h1", "10.77.0.100"); got != dels {
		t.Fatalf("the kept VIP was removed %d times on reload", got-dels)
	}
	if !s.h["h1"].Net.HasAddr("10.77.0.101") {
		t.Fatal("the added VIP is not there")
	}
	s.wantState("h2", "VI_51", vrrp.StateBackup)
	if n := len(s.status("h2", "VI_51").History); n != 1 {
		t.Fatalf("the backup changed state on reload: %+v", s.status("h2", "VI_51").History)
	}
	// The new instance started on its own, on the existing socket.
	s.wantState("h1", "VI_52", vrrp.StateMaster)
	if !s.h["h1"].Net.HasAddr("10.77.0.102") {
		t.Fatal("the new instance's VIP is not there")
	}
}

func TestReloadRemovingAnInstanceHandsOver(t *testing.T) {
	s := pair(t, nil)
	s.start("h1", "h2")
	s.at(10 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	other := vi("VI_60", 60, 100, vrrp.StateBackup, "10.77.0.160/24")
	cfg := withSrc(vrrp.Config{Instances: []vrrp.InstanceConfig{other}}, s.h["h1"].Addr4)
	if err := s.h["h1"].Router.Reload(vrrpconf.Complete(cfg)); err != nil {
		t.Fatal(err)
	}
	s.lan.Flush()
	if s.h["h1"].Net.HasAddr("10.77.0.100") {
		t.Fatal("the removed instance's VIP stayed")
	}
	if _, ok := s.h["h1"].Router.InstanceStatus("VI_51"); ok {
		t.Fatal("the removed instance is still reported")
	}
	// The priority-0 advert lets h2 take over after its skew time.
	s.at(10*time.Second + skew100 + time.Millisecond)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
}

func TestReloadRejectsBadConfigUntouched(t *testing.T) {
	s := pair(t, nil)
	s.start("h1", "h2")
	s.at(10 * time.Second)
	bad := vi("VI_51", 51, 300, vrrp.StateMaster, "10.77.0.100/24")
	cfg := withSrc(one(bad), s.h["h1"].Addr4)
	calls := len(s.h["h1"].Net.Calls())
	if err := s.h["h1"].Router.Reload(vrrpconf.Complete(cfg)); err == nil {
		t.Fatal("priority 300 accepted")
	}
	if got := len(s.h["h1"].Net.Calls()); got != calls {
		t.Fatal("a rejected reload touched the host")
	}
	s.at(20 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	s.wantState("h2", "VI_51", vrrp.StateBackup)
}

func TestV3IPv4WithoutSourceWaitsInFault(t *testing.T) {
	s := newSim(t)
	h := s.lan.AddHost("h1", "10.77.0.11", "fe80::11")
	ic := vi("VI_51", 51, 150, vrrp.StateBackup, "10.77.0.100/24")
	ic.Version = 3
	r, err := vrrp.New(vrrpconf.Complete(one(ic)), vrrp.Options{Listen: h.Listen, Network: h.Net, Clock: s.clk})
	if err != nil {
		t.Fatal(err)
	}
	h.Router = r
	s.h["h1"] = h
	s.start("h1")
	s.at(10 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateFault)
	if got := r.NeedsSource(); len(got) != 1 || got[0] != "VI_51" {
		t.Fatalf("NeedsSource %v", got)
	}
	if err := r.Reload(vrrpconf.Complete(withSrc(one(ic), h.Addr4))); err != nil {
		t.Fatal(err)
	}
	s.lan.Flush()
	s.at(20 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	if len(r.NeedsSource()) != 0 {
		t.Fatal("still waiting for a source")
	}
}

func TestReloadReportsRemovedInstances(t *testing.T) {
	for _, deleted := range []bool{false, true} {
		s := pair(t, func(ic *vrrp.InstanceConfig) { ic.NotifyDeleted = deleted })
		s.start("h1", "h2")
		s.at(10 * time.Second)
		other := vi("VI_60", 60, 100, vrrp.StateBackup, "10.77.0.160/24")
		if err := s.h["h1"].Router.Reload(vrrpconf.Complete(withSrc(one(other), s.h["h1"].Addr4))); err != nil {
			t.Fatal(err)
		}
		ev := s.rec["h1"].Events
		var last vrrp.Event
		for _, e := range ev {
			if e.Name == "VI_51" {
				last = e
			}
		}
		want := vrrp.StateFault
		if deleted {
			want = vrrp.StateDeleted
		}
		if last.State != want {
			t.Errorf("notify_deleted %v: last event of the removed instance %v, want %v", deleted, last.State, want)
		}
		if got := last.FIFOLine(); deleted && got != "INSTANCE \"VI_51\" DELETED 150\n" {
			t.Errorf("FIFO line %q", got)
		}
	}
}

// TestFIFOStatesOnReload: with fifo_write_vrrp_states_on_reload, a reload
// writes the unchanged states of groups, then of BACKUP/FAULT instances,
// to the FIFO (and only there); without it, nothing is repeated.
func TestFIFOStatesOnReload(t *testing.T) {
	for _, on := range []bool{true, false} {
		s := newSim(t)
		a := vi("VI_1", 1, 150, vrrp.StateMaster, "10.77.0.100/24")
		b := vi("VI_2", 2, 150, vrrp.StateMaster, "10.77.0.101/24")
		cfg := vrrp.Config{Instances: []vrrp.InstanceConfig{a, b}, FIFOStatesOnReload: on,
			SyncGroups: []vrrp.SyncGroupConfig{{Name: "G1", Members: []string{"VI_1", "VI_2"}}}}
		s.add("h1", cfg)
		s.start("h1")
		s.at(10 * time.Second)
		n := len(s.rec["h1"].Events)
		if err := s.h["h1"].Router.Reload(vrrpconf.Complete(withSrc(cfg, s.h["h1"].Addr4))); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ev := range s.rec["h1"].Events[n:] {
			got = append(got, strings.TrimSpace(ev.FIFOLine()))
			if !ev.FIFOOnly() {
				t.Fatalf("reload sent a notify for an unchanged state: %+v", ev)
			}
		}
		// MASTER instances are kept as they are and not repeated
		// (measured with keepalived 2.2.7: TestFIFOPriorityAndReloadLines).
		want := []string{`GROUP "G1" MASTER 0`}
		if !on {
			want = nil
		}
		if !slices.Equal(got, want) {
			t.Fatalf("fifo_write_vrrp_states_on_reload %v: %q, want %q", on, got, want)
		}
	}
}
