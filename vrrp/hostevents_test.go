package vrrp_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
)

// A VIP deleted behind a master's back: it leaves MASTER with a priority-0
// advert, as keepalived's set_vrrp_backup, and is back after Skew_Time
// with the VIP on again and announced; the backup never takes over.
func TestVIPRemovedIsRestored(t *testing.T) {
	s := pair(t, nil)
	s.start("h1", "h2")
	s.at(mdi150 + time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	h1 := s.h["h1"]
	garps := h1.Net.Count("garp")
	vip := netip.MustParseAddr("10.77.0.100")

	// A stale event (the address is there) changes nothing.
	h1.Router.AddressRemoved("eth0", vip, func() bool { return true })
	s.wantState("h1", "VI_51", vrrp.StateMaster)

	zeros := s.status("h1", "VI_51").Stats.PriZeroSent
	h1.Router.AddressRemoved("eth0", vip, func() bool { return false })
	s.lan.Flush()
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	if got := s.status("h1", "VI_51").Stats.PriZeroSent; got != zeros+1 {
		t.Fatalf("priority-0 adverts %d, want %d", got, zeros+1)
	}
	now := s.elapsed()
	s.at(now + 106*time.Second/256) // Skew_Time of priority 150
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	s.wantState("h2", "VI_51", vrrp.StateBackup)
	if !h1.Net.HasAddr("10.77.0.100") {
		t.Fatal("VIP not restored")
	}
	if h1.Net.Count("garp") <= garps {
		t.Fatal("restored VIP not announced")
	}
	s.at(now + 5*time.Second)
	s.wantState("h2", "VI_51", vrrp.StateBackup)

	// An address of another interface, or one that is not ours, is not.
	h1.Router.AddressRemoved("eth1", vip, func() bool { return false })
	h1.Router.AddressRemoved("eth0", netip.MustParseAddr("10.77.0.99"), func() bool { return false })
	s.wantState("h1", "VI_51", vrrp.StateMaster)
}

// The primary address, the instance's source, deleted: FAULT at once
// (the backup takes over), and back when an address returns.
func TestSourceLostFaults(t *testing.T) {
	s := pair(t, func(ic *vrrp.InstanceConfig) { ic.SrcFrom = "eth0" })
	s.start("h1", "h2")
	s.at(mdi150 + time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	h1 := s.h["h1"]
	h1.Router.SourceChanged("eth0", false, netip.Addr{})
	s.lan.Flush()
	s.wantState("h1", "VI_51", vrrp.StateFault)
	if h1.Net.HasAddr("10.77.0.100") {
		t.Fatal("FAULT kept the VIP")
	}
	now := s.elapsed()
	s.at(now + time.Second)
	s.wantState("h2", "VI_51", vrrp.StateMaster)

	// Another family or interface changes nothing.
	h1.Router.SourceChanged("eth0", true, netip.MustParseAddr("fe80::11"))
	h1.Router.SourceChanged("eth1", false, netip.MustParseAddr("10.77.0.11"))
	s.wantState("h1", "VI_51", vrrp.StateFault)

	h1.Router.SourceChanged("eth0", false, netip.MustParseAddr("10.77.0.21"))
	s.lan.Flush()
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	s.at(now + time.Second + mdi150)
	s.wantState("h1", "VI_51", vrrp.StateMaster) // preempts with priority 150
	s.wantState("h2", "VI_51", vrrp.StateBackup)
	if !h1.Net.HasAddr("10.77.0.100") {
		t.Fatal("MASTER again without its VIP")
	}
}

// A configured source (mcast_src_ip) is not the interface's: losing the
// primary address does not fault it.
func TestConfiguredSourceIgnoresPrimary(t *testing.T) {
	s := pair(t, nil)
	s.start("h1", "h2")
	s.at(mdi150 + time.Second)
	s.h["h1"].Router.SourceChanged("eth0", false, netip.Addr{})
	s.wantState("h1", "VI_51", vrrp.StateMaster)
}

// The interface re-created: the socket is opened again and the adverts go
// out on the new one.
func TestLinkReplacedReopens(t *testing.T) {
	s := pair(t, nil)
	s.start("h1", "h2")
	s.at(mdi150 + time.Second)
	h1 := s.h["h1"]
	opens := h1.Opens()
	h1.Router.LinkReplaced("eth0")
	if got := h1.Opens(); got != opens+1 {
		t.Fatalf("%d opens after the replacement, want %d", got, opens+1)
	}
	h1.Router.LinkReplaced("eth9") // no instance on it
	if got := h1.Opens(); got != opens+1 {
		t.Fatalf("%d opens, want %d", got, opens+1)
	}
	s.at(mdi150 + 10*time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	s.wantState("h2", "VI_51", vrrp.StateBackup)
}

// A deleted virtual route is handled as a deleted VIP; matching follows
// keepalived's route_is_ours (destination, table, metric).
func TestVirtualRouteRemoved(t *testing.T) {
	rt := vrrp.Route{Dst: netip.MustParsePrefix("192.0.2.0/24"), Table: 100}
	s := pair(t, func(ic *vrrp.InstanceConfig) { ic.Routes = []vrrp.Route{rt} })
	s.start("h1", "h2")
	s.at(mdi150 + time.Second)
	h1 := s.h["h1"]
	h1.Router.RouteRemoved(vrrp.Route{Dst: rt.Dst, Table: 254}, func() bool { return false })
	h1.Router.RouteRemoved(vrrp.Route{Dst: rt.Dst, Table: 100, Metric: 7}, func() bool { return false })
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	h1.Router.RouteRemoved(vrrp.Route{Dst: rt.Dst, Table: 100}, func() bool { return false })
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	s.at(s.elapsed() + 106*time.Second/256)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
}

func TestRouteAndRuleMatches(t *testing.T) {
	def := vrrp.Route{Dst: netip.MustParsePrefix("0.0.0.0/0"), Via: netip.MustParseAddr("10.0.0.1")} // vrrpconf fills Dst
	if !def.Matches(vrrp.Route{Dst: netip.MustParsePrefix("0.0.0.0/0"), Table: 254}) {
		t.Error("a default route in the main table does not match")
	}
	ru := vrrp.Rule{From: netip.MustParsePrefix("10.0.0.3/32"), Table: 100}
	if !ru.Matches(vrrp.Rule{From: netip.MustParsePrefix("10.0.0.3/32"), Table: 100, Priority: 32765}) {
		t.Error("a rule without preference does not match the kernel's")
	}
	ru.Priority = 200
	if ru.Matches(vrrp.Rule{From: netip.MustParsePrefix("10.0.0.3/32"), Table: 100, Priority: 32765}) {
		t.Error("rules of other preferences match")
	}
}

// TestTrackSrcIP: with track_src_ip, the configured source address
// deleted puts the master in FAULT (the backup takes over) and its return
// lets it run again; without the keyword, the deletion changes nothing.
func TestTrackSrcIP(t *testing.T) {
	for _, on := range []bool{true, false} {
		s := pair(t, func(ic *vrrp.InstanceConfig) { ic.TrackSrcIP = on })
		s.start("h1", "h2")
		s.at(mdi150 + time.Second)
		s.wantState("h1", "VI_51", vrrp.StateMaster)
		h1 := s.h["h1"]
		src := h1.Addr4
		h1.Router.AddressRemoved("eth0", src, func() bool { return false })
		s.lan.Flush()
		now := s.elapsed()
		s.at(now + time.Second)
		if !on {
			s.wantState("h1", "VI_51", vrrp.StateMaster)
			continue
		}
		s.wantState("h1", "VI_51", vrrp.StateFault)
		s.wantState("h2", "VI_51", vrrp.StateMaster)
		h1.Router.AddressAdded("eth0", src)
		s.at(now + 10*time.Second)
		s.wantState("h1", "VI_51", vrrp.StateMaster)
	}
}
