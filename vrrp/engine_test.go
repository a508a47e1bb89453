package vrrp_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/wire"
	"github.com/dsas/keepalived-go/vrrpconf"
)

const (
	mdi150  = 3*time.Second + 106*time.Second/256 // 3.4140625 s
	mdi100  = 3*time.Second + 156*time.Second/256 // 3.609375 s
	skew100 = 156 * time.Second / 256
)

func TestElectionStateMasterWaitsFullDownInterval(t *testing.T) {
	s := pair(t, nil)
	s.start("h1", "h2")
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	s.at(mdi150 - time.Millisecond)
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	s.at(mdi150)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	s.wantState("h2", "VI_51", vrrp.StateBackup)
	s.at(20 * time.Second)
	s.wantState("h2", "VI_51", vrrp.StateBackup)
	if !s.h["h1"].Net.HasAddr("10.77.0.100") || s.h["h2"].Net.HasAddr("10.77.0.100") {
		t.Fatal("VIP not on the master only")
	}
	// Announcements: 5 at once, 5 more at +5 s, nothing else.
	var garps []time.Duration
	for _, c := range s.h["h1"].Net.Calls() {
		if c.Op == "garp" {
			garps = append(garps, c.At.Sub(s.t0))
		}
	}
	want := []time.Duration{mdi150, mdi150, mdi150, mdi150, mdi150}
	for range 5 {
		want = append(want, mdi150+5*time.Second)
	}
	if !slices.Equal(garps, want) {
		t.Fatalf("GARPs at %v, want %v", garps, want)
	}
	st := s.status("h2", "VI_51")
	if st.MasterAddr != "10.77.0.11" || st.Stats.AdvertRcvd < 16 {
		t.Fatalf("backup status %+v", st)
	}
	if got := s.status("h1", "VI_51").Stats.BecomeMaster; got != 1 {
		t.Fatalf("become_master %d", got)
	}
}

func TestOrderOnBecomingMaster(t *testing.T) {
	s := pair(t, nil)
	s.lan.Capture = true
	s.start("h1", "h2")
	s.at(mdi150)
	calls := s.h["h1"].Net.Calls()
	var ops []string
	for _, c := range calls {
		if c.At.Sub(s.t0) == mdi150 {
			ops = append(ops, c.Op)
		}
	}
	if len(ops) < 2 || ops[0] != "add-addr" || ops[1] != "garp" {
		t.Fatalf("ops at takeover %v, want add-addr before garps", ops)
	}
	if len(s.lan.Captured) == 0 || s.lan.Captured[0].From != "h1" || s.lan.Captured[0].At.Sub(s.t0) != mdi150 {
		t.Fatalf("first advert %+v", s.lan.Captured)
	}
	// The advert is byte-identical to keepalived's (vectors.txt v2 prio 150).
	want := "2133960100013e190a4d00640000000000000000"
	if got := hexs(s.lan.Captured[0].Payload); got != want {
		t.Fatalf("advert %s, want %s", got, want)
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(digits[c>>4])
		sb.WriteByte(digits[c&15])
	}
	return sb.String()
}

func TestMasterCrash(t *testing.T) {
	s := pair(t, nil)
	s.start("h1", "h2")
	s.at(10 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	crash := s.elapsed() + 300*time.Millisecond
	s.at(crash)
	s.lan.Drop = func(from, _ string) bool { return from == "h1" }
	s.at(crash + 4*time.Second)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
	took := s.becameMasterAt("h2", "VI_51") - crash
	// Last advert was at a whole second of h1's cadence: 2.61–3.61 s.
	if took < mdi100-time.Second || took > mdi100 {
		t.Fatalf("takeover %v after crash, want within (%v, %v]", took, mdi100-time.Second, mdi100)
	}
}

func TestGracefulStop(t *testing.T) {
	s := pair(t, nil)
	s.start("h1", "h2")
	s.at(10 * time.Second)
	stop := s.elapsed() + 250*time.Millisecond
	s.at(stop)
	if err := s.h["h1"].Router.Stop(false); err != nil {
		t.Fatal(err)
	}
	s.lan.Flush()
	s.at(stop + time.Second)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
	if got := s.becameMasterAt("h2", "VI_51") - stop; got != skew100 {
		t.Fatalf("takeover after %v, want skew %v", got, skew100)
	}
	if s.h["h1"].Net.HasAddr("10.77.0.100") {
		t.Fatal("VIP left on the stopped master")
	}
	st := s.status("h1", "VI_51")
	if st.Stats.PriZeroSent != 1 || s.status("h2", "VI_51").Stats.PriZeroRcvd != 1 {
		t.Fatalf("prio-0 counters: sent %d", st.Stats.PriZeroSent)
	}
	lines := s.rec["h1"].Lines()
	if lines[len(lines)-1] != `INSTANCE "VI_51" STOP 150` {
		t.Fatalf("h1 notifications %q", lines)
	}
}

func TestStopKeepVIPs(t *testing.T) {
	s := pair(t, nil)
	s.start("h1", "h2")
	s.at(5 * time.Second)
	if err := s.h["h1"].Router.Stop(true); err != nil {
		t.Fatal(err)
	}
	if !s.h["h1"].Net.HasAddr("10.77.0.100") {
		t.Fatal("VIP removed despite keepVIPs")
	}
	s.lan.Flush()
	if got := s.status("h2", "VI_51").Stats.PriZeroRcvd; got != 0 {
		t.Fatalf("priority 0 sent despite keepVIPs (%d received)", got)
	}
}

func TestLinkDownFaultAndPreemptBack(t *testing.T) {
	s := pair(t, nil)
	s.start("h1", "h2")
	s.at(10 * time.Second)
	cut := s.elapsed() + 100*time.Millisecond
	s.at(cut)
	s.h["h1"].SetLink("eth0", false)
	s.wantState("h1", "VI_51", vrrp.StateFault)
	if s.h["h1"].Net.HasAddr("10.77.0.100") {
		t.Fatal("VIP kept in FAULT")
	}
	s.at(cut + 4*time.Second)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
	up := s.elapsed()
	s.h["h1"].SetLink("eth0", true)
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	s.at(up + mdi150 + 10*time.Millisecond)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	if got := s.becameMasterAt("h1", "VI_51") - up; got != mdi150 {
		t.Fatalf("preempted %v after link up, want %v", got, mdi150)
	}
	s.wantState("h2", "VI_51", vrrp.StateBackup)
	want := []string{
		`INSTANCE "VI_51" BACKUP 150`, `INSTANCE "VI_51" MASTER 150`, `INSTANCE "VI_51" FAULT 150`,
		`INSTANCE "VI_51" BACKUP 150`, `INSTANCE "VI_51" MASTER 150`,
	}
	if got := s.rec["h1"].Lines(); !slices.Equal(got, want) {
		t.Fatalf("h1 notify order\n got %q\nwant %q", got, want)
	}
}

func TestDontTrackPrimary(t *testing.T) {
	s := pair(t, func(ic *vrrp.InstanceConfig) { ic.DontTrackPrimary = true })
	s.start("h1", "h2")
	s.at(5 * time.Second)
	s.h["h1"].Net.SetLink("eth0", false)
	s.h["h1"].Router.LinkChanged("eth0", false)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
}

func TestPreemption(t *testing.T) {
	tests := []struct {
		name       string
		mod        func(*vrrp.InstanceConfig)
		wantMaster string
		minAfter   time.Duration // h1's takeover, from its start
	}{
		{"preempt", nil, "h1", mdi150},
		{"nopreempt", func(ic *vrrp.InstanceConfig) { ic.InitialState = vrrp.StateBackup; ic.Nopreempt = true }, "h2", 0},
		{"preempt_delay", func(ic *vrrp.InstanceConfig) { ic.InitialState = vrrp.StateBackup; ic.PreemptDelay = 10 * time.Second }, "h1", 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t)
			a := vi("VI_51", 51, 150, vrrp.StateMaster, "10.77.0.100/24")
			if tt.mod != nil {
				tt.mod(&a)
			}
			s.add("h1", one(a))
			s.add("h2", one(vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")))
			s.start("h2")
			s.at(5 * time.Second)
			s.wantState("h2", "VI_51", vrrp.StateMaster)
			t1 := s.elapsed()
			s.start("h1")
			s.at(t1 + 20*time.Second)
			other := map[string]string{"h1": "h2", "h2": "h1"}[tt.wantMaster]
			s.wantState(tt.wantMaster, "VI_51", vrrp.StateMaster)
			s.wantState(other, "VI_51", vrrp.StateBackup)
			if tt.wantMaster == "h1" {
				got := s.becameMasterAt("h1", "VI_51") - t1
				// The delay starts at the first lower advert heard (≤ 1 s).
				if hi := tt.minAfter + mdi150 + time.Second; got < tt.minAfter || got > hi {
					t.Fatalf("h1 took over %v after start, want in [%v, %v]", got, tt.minAfter, hi)
				}
			}
		})
	}
}

func TestOwnerIsMasterAtOnce(t *testing.T) {
	s := newSim(t)
	s.add("h1", one(vi("VI_1", 1, 0, vrrp.StateMaster, "10.77.0.1/24"))) // priority unset + MASTER = owner
	s.add("h2", one(vi("VI_1", 1, 100, vrrp.StateBackup, "10.77.0.1/24")))
	s.start("h2", "h1")
	s.wantState("h1", "VI_1", vrrp.StateMaster)
	st := s.status("h1", "VI_1")
	if st.EffectivePriority != 255 {
		t.Fatalf("owner priority %d", st.EffectivePriority)
	}
	s.at(10 * time.Second)
	s.wantState("h2", "VI_1", vrrp.StateBackup)
}

func TestV3LearnsMasterInterval(t *testing.T) {
	s := newSim(t)
	a := vi("VI_51", 51, 150, vrrp.StateMaster, "10.77.0.100/24")
	a.Version, a.AdvertInt = 3, 100*time.Millisecond
	b := vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")
	b.Version, b.AdvertInt = 3, time.Second
	var lowered []time.Duration
	s.options = func(name string, o *vrrp.Options) {
		o.IntervalLowered = func(ic vrrp.InstanceConfig, iv time.Duration) bool {
			lowered = append(lowered, iv)
			return true
		}
	}
	s.add("h1", one(a))
	s.add("h2", one(b))
	s.start("h1", "h2")
	s.at(5 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	if got := s.status("h2", "VI_51").MasterAdvertInt; got != 100*time.Millisecond {
		t.Fatalf("backup learned %v", got)
	}
	// keepalived's update_master_adver_int, once per change: its -D
	// line, and the debounce cut for a shorter interval.
	logs := s.logs["h2"].take()
	for _, want := range []string{"(VI_51) advertisement interval updated from 1000ms to 100ms by master",
		"VI_51: lower advert_int reducing interface eth0 debounce timer(s)"} {
		if n := len(slices.DeleteFunc(slices.Clone(logs), func(l string) bool { return l != want })); n != 1 {
			t.Errorf("%q logged %d times, want once: %q", want, n, logs)
		}
	}
	if !slices.Equal(lowered, []time.Duration{100 * time.Millisecond}) {
		t.Errorf("IntervalLowered calls %v", lowered)
	}
	crash := s.elapsed() + 50*time.Millisecond
	s.at(crash)
	s.lan.Drop = func(from, _ string) bool { return from == "h1" }
	s.at(crash + time.Second)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
	// 3 × 0.1 s + (256−100)/256 × 0.1 s = 0.3609 s at most.
	if got := s.becameMasterAt("h2", "VI_51") - crash; got > 361*time.Millisecond {
		t.Fatalf("v3 takeover took %v", got)
	}
}

func TestUnicast(t *testing.T) {
	s := newSim(t)
	a := vi("VI_51", 51, 150, vrrp.StateMaster, "10.77.0.100/24")
	a.UnicastPeers = []vrrp.Peer{{Addr: netip.MustParseAddr("10.77.0.12")}, {Addr: netip.MustParseAddr("10.77.0.13")}}
	b := vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")
	b.UnicastPeers = []vrrp.Peer{{Addr: netip.MustParseAddr("10.77.0.11")}}
	b.CheckUnicastSrc = true
	s.add("h1", one(a))
	s.add("h2", one(b))
	s.lan.Capture = true
	s.start("h1", "h2")
	s.at(mdi150)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	var dsts []string
	for _, f := range s.lan.Captured {
		if f.From == "h1" {
			dsts = append(dsts, f.Dst.String())
		}
	}
	if !slices.Equal(dsts, []string{"10.77.0.12", "10.77.0.13"}) {
		t.Fatalf("unicast copies to %v", dsts)
	}
	// The vectors.txt unicast advert.
	if got := hexs(s.lan.Captured[0].Payload); got != "2133960100013e190a4d00640000000000000000" {
		t.Fatalf("unicast advert %s", got)
	}
	s.at(10 * time.Second)
	s.wantState("h2", "VI_51", vrrp.StateBackup)
	// An advert from a stranger is dropped and counted; multicast ignored.
	adv := encode(t, wire.Packet{Version: 2, VRID: 51, Priority: 200, AdvertInt: 1, Addrs: addrs("10.77.0.100")}, "10.77.0.99", "10.77.0.12")
	before := s.status("h2", "VI_51").Stats
	s.h["h2"].Router.HandlePacket("eth0", false, adv, ip("10.77.0.99"), ip("10.77.0.12"), 255)
	mc := encode(t, wire.Packet{Version: 2, VRID: 51, Priority: 200, AdvertInt: 1, Addrs: addrs("10.77.0.100")}, "10.77.0.11", "224.0.0.18")
	s.h["h2"].Router.HandlePacket("eth0", false, mc, ip("10.77.0.11"), ip("224.0.0.18"), 255)
	after := s.status("h2", "VI_51").Stats
	if after.OtherErr != before.OtherErr+1 || after.AdvertRcvd != before.AdvertRcvd+1 {
		t.Fatalf("stranger/multicast counting: before %+v after %+v", before, after)
	}
	s.lan.Drop = func(from, _ string) bool { return from == "h1" }
	s.at(15 * time.Second)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
}

func TestIPv6(t *testing.T) {
	s := newSim(t)
	s.add("h1", one(vi("VI_6", 51, 150, vrrp.StateMaster, "fd77::100/64")))
	s.add("h2", one(vi("VI_6", 51, 100, vrrp.StateBackup, "fd77::100/64")))
	s.lan.Capture = true
	s.start("h1", "h2")
	s.at(10 * time.Second)
	s.wantState("h1", "VI_6", vrrp.StateMaster)
	s.wantState("h2", "VI_6", vrrp.StateBackup)
	if n := s.h["h1"].Net.Count("na"); n != 10 {
		t.Fatalf("%d NAs, want 10", n)
	}
	f := s.lan.Captured[0]
	if f.Dst != ip("ff02::12") || hexs(f.Payload[:4]) != "31339601" {
		t.Fatalf("IPv6 advert %+v", f)
	}
	if err := s.h["h1"].Router.Stop(false); err != nil {
		t.Fatal(err)
	}
	s.lan.Flush()
	s.at(11 * time.Second)
	s.wantState("h2", "VI_6", vrrp.StateMaster)
}

func TestSyncGroupFault(t *testing.T) {
	s := newSim(t)
	v1 := vi("VI_1", 1, 150, vrrp.StateMaster, "10.77.0.101/24")
	v2 := vi("VI_2", 2, 150, vrrp.StateMaster, "10.88.0.101/24")
	v2.Interface = "eth1"
	s.add("h1", vrrp.Config{
		Instances:  []vrrp.InstanceConfig{v1, v2},
		SyncGroups: []vrrp.SyncGroupConfig{{Name: "G1", Members: []string{"VI_1", "VI_2"}}},
	})
	s.start("h1")
	s.at(5 * time.Second)
	s.wantState("h1", "VI_1", vrrp.StateMaster)
	s.wantState("h1", "VI_2", vrrp.StateMaster)
	s.h["h1"].SetLink("eth1", false)
	s.wantState("h1", "VI_1", vrrp.StateFault)
	s.wantState("h1", "VI_2", vrrp.StateFault)
	if r1, r2 := s.status("h1", "VI_1").FaultReasons, s.status("h1", "VI_2").FaultReasons; !slices.Equal(r1, []string{"sync group G1 has a member in FAULT"}) ||
		!slices.Equal(r2, []string{"interface eth1 down"}) {
		t.Fatalf("fault reasons %q, %q", r1, r2)
	}
	// keepalived counts the fault on VI_2 only (num_script_if_fault 0
	// on VI_1, in its dump too).
	if c1, c2 := s.status("h1", "VI_1").FaultCount, s.status("h1", "VI_2").FaultCount; c1 != 0 || c2 != 1 {
		t.Fatalf("fault counts %d, %d, want 0, 1", c1, c2)
	}
	lines := s.rec["h1"].Lines()
	if lines[len(lines)-1] != `GROUP "G1" FAULT 0` {
		t.Fatalf("group notify missing: %q", lines)
	}
	s.h["h1"].SetLink("eth1", true)
	s.wantState("h1", "VI_1", vrrp.StateBackup)
	s.wantState("h1", "VI_2", vrrp.StateBackup)
	s.at(10 * time.Second)
	s.wantState("h1", "VI_1", vrrp.StateMaster)
	s.wantState("h1", "VI_2", vrrp.StateMaster)
	if st := s.status("h1", "VI_1"); st.SyncGroup != "G1" {
		t.Fatalf("sync group %q", st.SyncGroup)
	}
}

func TestSyncGroupFollowsHigherPriority(t *testing.T) {
	s := newSim(t)
	mk := func(prio int) vrrp.Config {
		return vrrp.Config{
			Instances: []vrrp.InstanceConfig{
				vi("VI_1", 1, prio, vrrp.StateBackup, "10.77.0.101/24"),
				vi("VI_2", 2, prio, vrrp.StateBackup, "10.77.0.102/24"),
			},
			SyncGroups: []vrrp.SyncGroupConfig{{Name: "G", Members: []string{"VI_1", "VI_2"}}},
		}
	}
	s.add("h1", mk(150))
	cfg := mk(100)
	cfg.Instances[1].Priority = 200 // h2 would win VI_2 alone
	s.add("h2", cfg)
	s.start("h1", "h2")
	s.at(10 * time.Second)
	// Whoever is master of one is master of both.
	a, b := s.state("h1", "VI_1"), s.state("h1", "VI_2")
	if a != b {
		t.Fatalf("h1 group split: %v/%v", a, b)
	}
	c, d := s.state("h2", "VI_1"), s.state("h2", "VI_2")
	if c != d || c == a {
		t.Fatalf("h2 %v/%v vs h1 %v/%v", c, d, a, b)
	}
}

func TestTrackScriptWeightPreempts(t *testing.T) {
	s := newSim(t)
	a := vi("VI_51", 51, 150, vrrp.StateMaster, "10.77.0.100/24")
	a.TrackScripts = []vrrp.TrackRef{{Name: "chk", Weight: -60}}
	s.add("h1", vrrp.Config{Instances: []vrrp.InstanceConfig{a}, Scripts: []vrrp.ScriptConfig{{Name: "chk", Fall: 2, Rise: 1}}})
	s.add("h2", one(vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")))
	s.start("h1", "h2")
	s.at(5 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	r := s.h["h1"].Router
	r.ScriptResult("chk", true)
	r.ScriptResult("chk", false)
	if p := s.status("h1", "VI_51").EffectivePriority; p != 150 {
		t.Fatalf("one failure of fall 2 changed priority to %d", p)
	}
	r.ScriptResult("chk", false)
	if p := s.status("h1", "VI_51").EffectivePriority; p != 90 {
		t.Fatalf("priority %d after fall, want 90", p)
	}
	s.at(10 * time.Second)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	r.ScriptResult("chk", true)
	s.at(15 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
}

func TestTrackersFaultAndWeights(t *testing.T) {
	tests := []struct {
		name      string
		mod       func(*vrrp.InstanceConfig)
		feed      func(*vrrp.Router)
		wantState vrrp.State
		wantPrio  int
	}{
		{"script weight 0 held until first result", func(ic *vrrp.InstanceConfig) {
			ic.TrackScripts = []vrrp.TrackRef{{Name: "s"}}
		}, func(*vrrp.Router) {}, vrrp.StateFault, 100},
		{"script weight 0 ok", func(ic *vrrp.InstanceConfig) {
			ic.TrackScripts = []vrrp.TrackRef{{Name: "s"}}
		}, func(r *vrrp.Router) { r.ScriptResult("s", true) }, vrrp.StateBackup, 100},
		{"script weight 0 reverse", func(ic *vrrp.InstanceConfig) {
			ic.TrackScripts = []vrrp.TrackRef{{Name: "s", Reverse: true}}
		}, func(r *vrrp.Router) { r.ScriptResult("s", true) }, vrrp.StateFault, 100},
		{"script +weight", func(ic *vrrp.InstanceConfig) {
			ic.TrackScripts = []vrrp.TrackRef{{Name: "s", Weight: 20}}
		}, func(r *vrrp.Router) { r.ScriptResult("s", true) }, vrrp.StateBackup, 120},
		// keepalived: reverse negates the amount, it does not flip up
		// and down (a +20 reverse script costs 20 while it succeeds).
		{"script +weight reverse ok", func(ic *vrrp.InstanceConfig) {
			ic.TrackScripts = []vrrp.TrackRef{{Name: "s", Weight: 20, Reverse: true}}
		}, func(r *vrrp.Router) { r.ScriptResult("s", true) }, vrrp.StateBackup, 80},
		{"script +weight reverse failed", func(ic *vrrp.InstanceConfig) {
			ic.TrackScripts = []vrrp.TrackRef{{Name: "s", Weight: 20, Reverse: true}}
		}, func(r *vrrp.Router) { r.ScriptResult("s", false) }, vrrp.StateBackup, 100},
		{"track_interface -weight reverse down", func(ic *vrrp.InstanceConfig) {
			ic.TrackInterfaces = []vrrp.TrackInterface{{Name: "eth9", Weight: -30, Reverse: true}}
		}, func(r *vrrp.Router) { r.LinkChanged("eth9", false) }, vrrp.StateBackup, 130},
		{"clamp 254", func(ic *vrrp.InstanceConfig) {
			ic.TrackScripts = []vrrp.TrackRef{{Name: "s", Weight: 250}}
		}, func(r *vrrp.Router) { r.ScriptResult("s", true) }, vrrp.StateBackup, 254},
		{"clamp 1", func(ic *vrrp.InstanceConfig) {
			ic.TrackScripts = []vrrp.TrackRef{{Name: "s", Weight: -250}}
		}, func(r *vrrp.Router) { r.ScriptResult("s", false) }, vrrp.StateBackup, 1},
		{"track_interface weight", func(ic *vrrp.InstanceConfig) {
			ic.TrackInterfaces = []vrrp.TrackInterface{{Name: "eth9", Weight: -30}}
		}, func(r *vrrp.Router) { r.LinkChanged("eth9", false) }, vrrp.StateBackup, 70},
		{"track_interface fault", func(ic *vrrp.InstanceConfig) {
			ic.TrackInterfaces = []vrrp.TrackInterface{{Name: "eth9"}}
		}, func(r *vrrp.Router) { r.LinkChanged("eth9", false) }, vrrp.StateFault, 100},
		{"track_file value × weight", func(ic *vrrp.InstanceConfig) {
			ic.TrackFiles = []vrrp.TrackRef{{Name: "f", Weight: 3}}
		}, func(r *vrrp.Router) { r.FileValue("f", 7) }, vrrp.StateBackup, 121},
		{"track_file weight 0 non-zero", func(ic *vrrp.InstanceConfig) {
			ic.TrackFiles = []vrrp.TrackRef{{Name: "f"}}
		}, func(r *vrrp.Router) { r.FileValue("f", 1) }, vrrp.StateFault, 100},
		// keepalived's down_instance leaves effective_priority as it was.
		{"track_file below -253", func(ic *vrrp.InstanceConfig) {
			ic.TrackFiles = []vrrp.TrackRef{{Name: "f", Weight: -1}}
		}, func(r *vrrp.Router) { r.FileValue("f", 300) }, vrrp.StateFault, 100},
		{"track_file weight 0 reverse zero", func(ic *vrrp.InstanceConfig) {
			ic.TrackFiles = []vrrp.TrackRef{{Name: "f", Reverse: true}}
		}, func(r *vrrp.Router) { r.FileValue("f", 0) }, vrrp.StateFault, 100},
		{"track_file weight 0 reverse non-zero", func(ic *vrrp.InstanceConfig) {
			ic.TrackFiles = []vrrp.TrackRef{{Name: "f", Reverse: true}}
		}, func(r *vrrp.Router) { r.FileValue("f", 5) }, vrrp.StateBackup, 100},
		{"track_process down", func(ic *vrrp.InstanceConfig) {
			ic.TrackProcesses = []vrrp.TrackRef{{Name: "p"}}
		}, func(r *vrrp.Router) { r.ProcessRunning("p", false) }, vrrp.StateFault, 100},
		{"owner priority never changes", func(ic *vrrp.InstanceConfig) {
			ic.Priority = 255
			ic.TrackInterfaces = []vrrp.TrackInterface{{Name: "eth9", Weight: -30}}
		}, func(r *vrrp.Router) { r.LinkChanged("eth9", false) }, vrrp.StateMaster, 255},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t)
			ic := vi("VI_1", 1, 100, vrrp.StateBackup, "10.77.0.1/24")
			tt.mod(&ic)
			if ic.Priority == 255 {
				ic.InitialState = vrrp.StateMaster
			}
			s.add("h1", vrrp.Config{Instances: []vrrp.InstanceConfig{ic}, Scripts: []vrrp.ScriptConfig{{Name: "s"}}})
			s.start("h1")
			tt.feed(s.h["h1"].Router)
			st := s.status("h1", "VI_1")
			if st.State != tt.wantState || st.EffectivePriority != tt.wantPrio {
				t.Fatalf("state %v prio %d, want %v %d", st.State, st.EffectivePriority, tt.wantState, tt.wantPrio)
			}
		})
	}
}

// TestFaultReasonsAndTrackers: the status says which tracker holds an
// instance in FAULT, and reports every tracker's verdict.
func TestFaultReasonsAndTrackers(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_1", 1, 100, vrrp.StateBackup, "10.77.0.1/24")
	ic.TrackScripts = []vrrp.TrackRef{{Name: "s"}}
	ic.TrackFiles = []vrrp.TrackRef{{Name: "f"}, {Name: "g", Weight: 5}}
	ic.TrackProcesses = []vrrp.TrackRef{{Name: "p", Weight: -10}}
	ic.TrackInterfaces = []vrrp.TrackInterface{{Name: "eth9", Reverse: true}}
	s.add("h1", vrrp.Config{Instances: []vrrp.InstanceConfig{ic}, Scripts: []vrrp.ScriptConfig{{Name: "s"}}})
	s.start("h1")
	r := s.h["h1"].Router
	r.LinkChanged("eth9", false)
	st := s.status("h1", "VI_1")
	if want := []string{"track_script s has no result yet"}; st.State != vrrp.StateFault || !slices.Equal(st.FaultReasons, want) {
		t.Fatalf("before the script's result: %v %q, want FAULT %q", st.State, st.FaultReasons, want)
	}
	r.ScriptResult("s", true)
	r.FileValue("f", 2)
	r.FileValue("g", 1)
	r.ProcessRunning("p", false)
	st = s.status("h1", "VI_1")
	if want := []string{"track_file f is 2"}; st.State != vrrp.StateFault || !slices.Equal(st.FaultReasons, want) {
		t.Fatalf("file: %v %q, want FAULT %q", st.State, st.FaultReasons, want)
	}
	want := []vrrp.TrackerStatus{
		{Kind: "interface", Name: "eth9", Reverse: true, Known: true, OK: false},
		{Kind: "script", Name: "s", Known: true, OK: true},
		{Kind: "file", Name: "f", Known: true, OK: false, Value: 2},
		{Kind: "file", Name: "g", Weight: 5, Known: true, OK: true, Value: 1},
		{Kind: "process", Name: "p", Weight: -10, Known: true, OK: false},
	}
	if !slices.Equal(st.Trackers, want) {
		t.Fatalf("trackers\n%+v, want\n%+v", st.Trackers, want)
	}
	r.FileValue("f", 0)
	if st := s.status("h1", "VI_1"); st.State != vrrp.StateBackup || st.FaultReasons != nil || st.EffectivePriority != 95 {
		t.Fatalf("recovered: %v %q prio %d", st.State, st.FaultReasons, st.EffectivePriority)
	}
	if h := s.status("h1", "VI_1").History; h[len(h)-1].Reason != "track_file f" {
		t.Fatalf("last transition %+v", h[len(h)-1])
	}
}

func TestSplitBrainHealReannounces(t *testing.T) {
	// Two hosts never start on the same instant, so their masters' advert
	// grids have different phases: after the heal the lower master's next
	// advert reaches h1 before h1's reaches it.
	s := newSim(t)
	s.add("h1", one(vi("VI_51", 51, 150, vrrp.StateMaster, "10.77.0.100/24")))
	s.start("h1")
	s.at(300 * time.Millisecond)
	s.add("h2", one(vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")))
	s.start("h2")
	s.at(10 * time.Second)
	s.lan.Drop = func(string, string) bool { return true }
	s.at(20 * time.Second)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	s.wantState("h2", "VI_51", vrrp.StateMaster)
	garpsBefore := s.h["h1"].Net.Count("garp")
	// Heal just before h2's next advert (at 20.3 s), so h1 hears it.
	heal := s.elapsed() + 100*time.Millisecond
	s.at(heal)
	s.lan.Drop = nil
	s.at(heal + 1100*time.Millisecond)
	s.wantState("h1", "VI_51", vrrp.StateMaster)
	s.wantState("h2", "VI_51", vrrp.StateBackup)
	var rx []time.Duration
	for _, c := range s.h["h1"].Net.Calls()[0:] {
		if c.Op == "garp" && c.At.Sub(s.t0) > heal {
			rx = append(rx, c.At.Sub(s.t0)-heal)
		}
	}
	if len(rx) < 5 || s.h["h1"].Net.Count("garp") < garpsBefore+5 {
		t.Fatalf("no immediate re-GARP after heal: %v", rx)
	}
	if rx[0] > time.Second {
		t.Fatalf("first re-GARP %v after heal", rx[0])
	}
	var sawRxLower bool
	for _, e := range s.rec["h1"].Events {
		if e.Kind == vrrp.EventMasterRxLowerPri {
			sawRxLower = true
		}
	}
	if !sawRxLower {
		t.Fatal("no MASTER_RX_LOWER_PRI event")
	}
	// One delayed lower-priority burst, not one per advert.
	s.at(heal + 10*time.Second)
	if n := s.h["h1"].Net.Count("garp") - garpsBefore; n != 10 && n != 15 {
		t.Fatalf("%d GARPs after heal, want an immediate and one delayed burst", n)
	}
}

func TestEqualPriorityHigherAddressWins(t *testing.T) {
	s := newSim(t)
	s.add("h1", one(vi("VI_1", 1, 100, vrrp.StateBackup, "10.77.0.1/24")))
	s.add("h2", one(vi("VI_1", 1, 100, vrrp.StateBackup, "10.77.0.1/24")))
	s.lan.Drop = func(string, string) bool { return true }
	s.start("h1", "h2")
	s.at(10 * time.Second)
	s.wantState("h1", "VI_1", vrrp.StateMaster)
	s.wantState("h2", "VI_1", vrrp.StateMaster)
	// Two masters of equal priority: the higher primary address stays.
	s.lan.Drop = nil
	s.at(12 * time.Second)
	s.wantState("h2", "VI_1", vrrp.StateMaster)
	s.wantState("h1", "VI_1", vrrp.StateBackup)
}

func TestLowerPrioNoAdvertAndHigherPrioSendAdvert(t *testing.T) {
	s := pair(t, func(ic *vrrp.InstanceConfig) { ic.LowerPrioNoAdvert = true })
	s.start("h1", "h2")
	s.at(10 * time.Second)
	sent := s.status("h1", "VI_51").Stats.AdvertSent
	lower := encode(t, wire.Packet{Version: 2, VRID: 51, Priority: 50, AdvertInt: 1, Addrs: addrs("10.77.0.100")}, "10.77.0.13", "224.0.0.18")
	s.h["h1"].Router.HandlePacket("eth0", false, lower, ip("10.77.0.13"), ip("224.0.0.18"), 255)
	if got := s.status("h1", "VI_51").Stats.AdvertSent; got != sent {
		t.Fatalf("lower_prio_no_advert master answered a lower advert")
	}

	s = pair(t, func(ic *vrrp.InstanceConfig) { ic.HigherPrioSendAdvert = true })
	s.start("h1", "h2")
	s.at(10 * time.Second)
	sent = s.status("h1", "VI_51").Stats.AdvertSent
	higher := encode(t, wire.Packet{Version: 2, VRID: 51, Priority: 200, AdvertInt: 1, Addrs: addrs("10.77.0.100")}, "10.77.0.13", "224.0.0.18")
	s.h["h1"].Router.HandlePacket("eth0", false, higher, ip("10.77.0.13"), ip("224.0.0.18"), 255)
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	if got := s.status("h1", "VI_51").Stats.AdvertSent; got != sent+1 {
		t.Fatalf("higher_prio_send_advert: sent %d → %d", sent, got)
	}
}

func TestGARPRefreshAndInterval(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_1", 1, 255, vrrp.StateMaster, "10.77.0.1/24", "10.77.0.2/24")
	ic.GARP = vrrp.GARPConfig{MasterRepeat: 2, MasterDelay: 0, MasterRefresh: 60 * time.Second, MasterRefreshRepeat: 1, Interval: 10 * time.Millisecond}
	s.add("h1", one(ic))
	s.start("h1")
	var at []time.Duration
	s.at(121 * time.Second)
	for _, c := range s.h["h1"].Net.Calls() {
		if c.Op == "garp" {
			at = append(at, c.At.Sub(s.t0))
		}
	}
	// garp_interval spaces every message, as keepalived's per-interface
	// queue (send_gratuitous_arp, garp_next_time), not whole rounds:
	// 2 rounds of 2 addresses take 4 slots (issue 11 divergence 28).
	ms := time.Millisecond
	want := []time.Duration{0, 10 * ms, 20 * ms, 30 * ms, 60 * time.Second, 60*time.Second + 10*ms, 120 * time.Second, 120*time.Second + 10*ms}
	if !slices.Equal(at, want) {
		t.Fatalf("GARPs at %v, want %v", at, want)
	}
}

func TestNewRejects(t *testing.T) {
	base := func() vrrp.InstanceConfig { return vi("VI_1", 1, 100, vrrp.StateBackup, "10.0.0.1/24") }
	tests := []struct {
		name string
		mod  func(*vrrp.Config)
	}{
		{"no vrid", func(c *vrrp.Config) { c.Instances[0].VRID = 0 }},
		{"no interface", func(c *vrrp.Config) { c.Instances[0].Interface = "" }},
		{"bad priority", func(c *vrrp.Config) { c.Instances[0].Priority = 300 }},
		{"AH over IPv6", func(c *vrrp.Config) {
			c.Instances[0].AuthType, c.Instances[0].AuthPass, c.Instances[0].IPv6 = wire.AuthAH, "pw", true
			c.Instances[0].VIPs[0].Prefix = netip.MustParsePrefix("fd00::1/64")
		}},
		{"family mismatch", func(c *vrrp.Config) { c.Instances[0].IPv6 = true }},
		{"duplicate vrid", func(c *vrrp.Config) {
			b := base()
			b.Name = "VI_2"
			c.Instances = append(c.Instances, b)
		}},
		{"unknown script", func(c *vrrp.Config) { c.Instances[0].TrackScripts = []vrrp.TrackRef{{Name: "x"}} }},
		{"unknown sync member", func(c *vrrp.Config) { c.SyncGroups = []vrrp.SyncGroupConfig{{Name: "G", Members: []string{"nope"}}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := vrrp.Config{Instances: []vrrp.InstanceConfig{base()}}
			tt.mod(&c)
			s := newSim(t)
			h := s.lan.AddHost("x", "10.0.0.9", "")
			if _, err := vrrp.New(vrrpconf.Complete(c), vrrp.Options{Listen: h.Listen, Network: h.Net, Clock: s.clk}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestEventFIFOLine(t *testing.T) {
	tests := []struct {
		ev   vrrp.Event
		want string
	}{
		{vrrp.Event{Name: "VI_1", State: vrrp.StateMaster, Priority: 100}, "INSTANCE \"VI_1\" MASTER 100\n"},
		{vrrp.Event{Group: true, Name: "VG_1", State: vrrp.StateBackup}, "GROUP \"VG_1\" BACKUP 0\n"},
		{vrrp.Event{Name: "VI_1", State: vrrp.StateStop, Priority: 50}, "INSTANCE \"VI_1\" STOP 50\n"},
		{vrrp.Event{Kind: vrrp.EventMasterRxLowerPri, Name: "VI_1", State: vrrp.StateMaster, Priority: 150}, "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 150\n"},
	}
	for _, tt := range tests {
		if got := tt.ev.FIFOLine(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

// A router's masters advertise on one grid: an instance that became
// master off it sends its first advert at once, then joins the others'
// instants, and no interval between two adverts exceeds advert_int.
func TestMastersShareAdvertGrid(t *testing.T) {
	s := newSim(t)
	s.lan.Capture = true
	s.add("h1", vrrp.Config{Instances: []vrrp.InstanceConfig{
		vi("VI_1", 1, 255, vrrp.StateMaster, "10.77.0.101/24"),
		vi("VI_2", 2, 100, vrrp.StateBackup, "10.77.0.102/24"),
	}})
	s.start("h1")
	s.at(10 * time.Second)
	sent := map[byte][]time.Duration{}
	for _, f := range s.lan.Captured {
		sent[f.Payload[1]] = append(sent[f.Payload[1]], f.At.Sub(s.t0))
	}
	one, two := sent[1], sent[2]
	if len(one) < 9 || len(two) < 5 {
		t.Fatalf("adverts: VI_1 at %v, VI_2 at %v", one, two)
	}
	for _, at := range [][]time.Duration{one, two} {
		for i := 1; i < len(at); i++ {
			if gap := at[i] - at[i-1]; gap > time.Second {
				t.Fatalf("%v between adverts (%v)", gap, at)
			}
		}
	}
	if two[0]%time.Second == 0 {
		t.Fatalf("VI_2 became master on the grid (%v); the test wants it off", two[0])
	}
	for _, at := range two[1:] {
		if !slices.Contains(one, at) {
			t.Fatalf("VI_2 advert at %v is off VI_1's instants %v", at, one)
		}
	}
}

// TestConfigFaultHoldsInstance: unicast_fault_no_peer without peers
// (keepalived's num_config_faults) keeps the instance in FAULT for as long
// as it runs, whatever it hears, and the status says why.
func TestConfigFaultHoldsInstance(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_1", 1, 100, vrrp.StateMaster, "10.77.0.1/24")
	ic.ConfigFault = "unicast without any peers (unicast_fault_no_peer)"
	s.add("h1", one(ic))
	s.start("h1")
	s.at(30 * time.Second)
	st := s.status("h1", "VI_1")
	if st.State != vrrp.StateFault || !slices.Equal(st.FaultReasons, []string{ic.ConfigFault}) || st.FaultCount != 1 {
		t.Fatalf("state %v reasons %q count %d, want FAULT for the configuration, counted once", st.State, st.FaultReasons, st.FaultCount)
	}
	if st.Stats.AdvertSent != 0 || st.Stats.BecomeMaster != 0 {
		t.Fatalf("a config-faulted instance ran: %+v", st.Stats)
	}
}

// TestNotifyPriorityChanges: with notify_priority_changes, a change of
// the effective priority is told on the FIFO as keepalived words it
// (MASTER_PRIORITY / BACKUP_PRIORITY); without it, nothing is.
func TestNotifyPriorityChanges(t *testing.T) {
	for _, on := range []bool{true, false} {
		s := newSim(t)
		ic := vi("VI_1", 1, 100, vrrp.StateMaster, "10.77.0.1/24")
		ic.TrackFiles = []vrrp.TrackRef{{Name: "f", Weight: 10}}
		ic.NotifyPriorityChanges = on
		s.add("h1", one(ic))
		s.start("h1")
		s.at(5 * time.Second)
		s.h["h1"].Router.FileValue("f", 2)
		var got []string
		for _, l := range s.rec["h1"].Lines() {
			if strings.Contains(l, "PRIORITY") {
				got = append(got, l)
			}
		}
		want := []string{`INSTANCE "VI_1" MASTER_PRIORITY 120`}
		if !on {
			want = nil
		}
		if !slices.Equal(got, want) {
			t.Fatalf("notify_priority_changes %v: FIFO lines %q, want %q", on, got, want)
		}
	}
}

// TestGARPExtraIf: garp_extra_if 10 sends, while MASTER, one GARP every
// 10 s on each extra interface, for the first VIP on it only.
func TestGARPExtraIf(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_1", 1, 150, vrrp.StateMaster, "10.77.0.100/24")
	ic.VIPs = append(ic.VIPs,
		vrrp.Address{Prefix: netip.MustParsePrefix("10.77.1.100/24"), Dev: "eth1"},
		vrrp.Address{Prefix: netip.MustParsePrefix("10.77.1.101/24"), Dev: "eth1"})
	ic.GARP = vrrp.GARPConfig{MasterRepeat: 1, MasterRefreshRepeat: 1}
	ic.GARPExtraIfInterval, ic.GARPExtraIfs = 10*time.Second, []string{"eth1"}
	s.add("h1", one(ic))
	s.start("h1")
	s.at(mdi150 + 35*time.Second)
	count := map[string]int{}
	for _, c := range s.h["h1"].Net.Calls() {
		if c.Op == "garp" {
			count[c.IP.String()]++
		}
	}
	if count["10.77.1.100"] != 4 || count["10.77.1.101"] != 1 || count["10.77.0.100"] != 1 {
		t.Fatalf("GARPs per VIP %v, want 10.77.1.100: 1+3, the others 1", count)
	}
}

// TestTimerExpiredBackup: with timer_expired_backup 100, a MASTER whose
// process was paused long enough for a priority-100 backup to take over
// (3 adverts and that backup's skew) steps down to BACKUP with keepalived
// 2.3's line instead of advertising; a shorter pause changes nothing.
func TestTimerExpiredBackup(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_1", 1, 150, vrrp.StateMaster, "10.77.0.1/24")
	ic.Nopreempt = true
	ic.TimerExpiredBackup = 100
	s.add("h1", one(ic))
	s.start("h1")
	s.at(5 * time.Second)
	s.wantState("h1", "VI_1", vrrp.StateMaster)
	s.clk.Stall(2 * time.Second)
	s.clk.Advance(time.Millisecond)
	s.wantState("h1", "VI_1", vrrp.StateMaster)
	s.logs["h1"].take()
	s.clk.Stall(4 * time.Second)
	s.clk.Advance(time.Millisecond)
	s.wantState("h1", "VI_1", vrrp.StateBackup)
	found := false
	for _, l := range s.logs["h1"].take() {
		found = found || strings.HasPrefix(l, "VRRP thread timer expired ")
	}
	if !found {
		t.Fatal("no 'VRRP thread timer expired' line")
	}
}

// TestUnicastTTL: unicast_ttl is the TTL of each unicast advert (keepalived
// writes it into the packet); without it the socket's own is used.
func TestUnicastTTL(t *testing.T) {
	s := newSim(t)
	a := vi("VI_51", 51, 150, vrrp.StateMaster, "10.77.0.100/24")
	a.UnicastPeers = []vrrp.Peer{{Addr: netip.MustParseAddr("10.77.0.12")}}
	a.UnicastTTL = 9
	b := vi("VI_52", 52, 150, vrrp.StateMaster, "10.77.0.101/24")
	b.UnicastPeers = []vrrp.Peer{{Addr: netip.MustParseAddr("10.77.0.12")}}
	s.add("h1", vrrp.Config{Instances: []vrrp.InstanceConfig{a, b}})
	s.lan.Capture = true
	s.start("h1")
	s.at(mdi150)
	ttls := map[byte]int{}
	for _, f := range s.lan.Captured {
		ttls[f.Payload[1]] = f.TTL
	}
	if ttls[51] != 9 || ttls[52] != 255 {
		t.Fatalf("TTL by VRID %v, want 51: 9 (unicast_ttl), 52: 255 (the socket's)", ttls)
	}
}

// TestUnicastSourceAnnouncedOnComingUp: a unicast instance coming up
// from FAULT (here: its weight-0 script's first success) sends one
// gratuitous ARP for its own source address, as keepalived's
// try_up_instance does; a multicast one does not (issue 11 divergence 23).
func TestUnicastSourceAnnouncedOnComingUp(t *testing.T) {
	s := newSim(t)
	a := vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")
	a.UnicastPeers = []vrrp.Peer{{Addr: netip.MustParseAddr("10.77.0.12")}}
	a.SrcIP = netip.MustParseAddr("10.77.0.11")
	a.TrackScripts = []vrrp.TrackRef{{Name: "s"}}
	b := vi("VI_52", 52, 100, vrrp.StateBackup, "10.77.0.101/24")
	b.TrackScripts = []vrrp.TrackRef{{Name: "s"}}
	s.add("h1", vrrp.Config{Instances: []vrrp.InstanceConfig{a, b}, Scripts: []vrrp.ScriptConfig{{Name: "s", Fall: 1, Rise: 1}}})
	s.start("h1")
	s.at(time.Second)
	s.wantState("h1", "VI_51", vrrp.StateFault)
	s.h["h1"].Router.ScriptResult("s", true)
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	var garps []string
	for _, c := range s.h["h1"].Net.Calls() {
		if c.Op == "garp" || c.Op == "na" {
			garps = append(garps, c.Op+" "+c.IP.String())
		}
	}
	if !slices.Equal(garps, []string{"garp 10.77.0.11"}) {
		t.Fatalf("announcements on coming up: %v, want one GARP for the unicast source", garps)
	}
}

// TestInitFailFirstSuccess: an init_fail script counts as failed until
// its first result, and its first success brings the instance up whatever
// its rise, as keepalived 2.2.7 does (measured with rise 2 and 3; corpus
// 114 never became MASTER in the differential's window before).
func TestInitFailFirstSuccess(t *testing.T) {
	s := newSim(t)
	a := vi("VI_51", 51, 100, vrrp.StateBackup, "10.77.0.100/24")
	a.TrackScripts = []vrrp.TrackRef{{Name: "s"}}
	s.add("h1", vrrp.Config{Instances: []vrrp.InstanceConfig{a}, Scripts: []vrrp.ScriptConfig{{Name: "s", Rise: 3, Fall: 2, InitFail: true}}})
	s.start("h1")
	s.at(time.Second)
	s.wantState("h1", "VI_51", vrrp.StateFault)
	s.h["h1"].Router.ScriptResult("s", true)
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	// From then on rise and fall count as usual.
	s.h["h1"].Router.ScriptResult("s", false)
	s.wantState("h1", "VI_51", vrrp.StateBackup)
	s.h["h1"].Router.ScriptResult("s", false)
	s.wantState("h1", "VI_51", vrrp.StateFault)
}

// TestGARPIntervalFamiliesApart: under garp_interval an instance's NAs
// are not held behind its GARPs (keepalived queues the two apart; corpus
// 067's IPv6 eVIP on an IPv4 instance).
func TestGARPIntervalFamiliesApart(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_1", 1, 255, vrrp.StateMaster, "10.77.0.1/24", "10.77.0.2/24")
	ic.ExcludedVIPs = []vrrp.Address{{Prefix: netip.MustParsePrefix("fd00::1/64"), Dev: "eth0", PreferredLft: -1}}
	ic.GARP = vrrp.GARPConfig{MasterRepeat: 1, Interval: 10 * time.Second}
	s.add("h1", one(ic))
	s.start("h1")
	s.at(15 * time.Second)
	var got []string
	for _, c := range s.h["h1"].Net.Calls() {
		if c.Op == "garp" || c.Op == "na" {
			got = append(got, fmt.Sprintf("%s %s %v", c.Op, c.IP, c.At.Sub(s.t0)))
		}
	}
	want := []string{"garp 10.77.0.1 0s", "na fd00::1 0s", "garp 10.77.0.2 10s"}
	if !slices.Equal(got, want) {
		t.Fatalf("announcements %v, want %v", got, want)
	}
}

// TestEffectivePriorityLoggedAtStart: keepalived logs "Changing effective
// priority" for the priority the trackers give at start (a weighted
// track_interface that is up), before the instance's first state, and
// again on every later change.
func TestEffectivePriorityLoggedAtStart(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_1", 1, 100, vrrp.StateBackup, "10.77.0.1/24")
	ic.TrackInterfaces = []vrrp.TrackInterface{{Name: "eth9", Weight: 2}}
	s.add("h1", vrrp.Config{Instances: []vrrp.InstanceConfig{ic}})
	s.h["h1"].Net.SetLink("eth9", true)
	s.start("h1")
	logs := s.logs["h1"].take()
	i := slices.Index(logs, "(VI_1) Changing effective priority from 100 to 102")
	j := slices.Index(logs, "(VI_1) Entering BACKUP STATE (init)")
	if i < 0 || j < 0 || i > j {
		t.Fatalf("start: want the priority line before the first state; log %q", logs)
	}
	s.h["h1"].Router.LinkChanged("eth9", false)
	if logs := s.logs["h1"].take(); !slices.Contains(logs, "(VI_1) Changing effective priority from 102 to 100") {
		t.Fatalf("link down: log %q", logs)
	}
}

// TestSyncGroupStartWaitsForEveryMember: as keepalived (corpus 025 in the
// runtime differential), a sync group starting in BACKUP is notified but
// logs no "Syncing instances to BACKUP state"; a member whose master-down
// timer runs out logs "Receive advertisement timeout" and waits until
// every member has timed out (vrrp_sync_can_goto_master), then the group
// goes MASTER at once.
func TestSyncGroupStartWaitsForEveryMember(t *testing.T) {
	s := newSim(t)
	v1 := vi("VI_1", 1, 100, vrrp.StateBackup, "10.77.0.101/24")
	v2 := vi("VI_2", 2, 100, vrrp.StateBackup, "10.77.0.102/24")
	v2.AdvertInt = 2 * time.Second
	s.add("h1", vrrp.Config{
		Instances:  []vrrp.InstanceConfig{v1, v2},
		SyncGroups: []vrrp.SyncGroupConfig{{Name: "G", Members: []string{"VI_1", "VI_2"}}},
	})
	s.start("h1")
	logs := s.logs["h1"].take()
	if slices.Contains(logs, "VRRP_Group(G) Syncing instances to BACKUP state") {
		t.Fatalf("start: keepalived logs no sync to BACKUP: %q", logs)
	}
	if !slices.Contains(s.rec["h1"].Lines(), `GROUP "G" BACKUP 0`) {
		t.Fatalf("start: group BACKUP not notified: %q", s.rec["h1"].Lines())
	}
	s.at(5 * time.Second) // VI_1's timer (3.6 s) ran out, VI_2's (6.6 s) not
	s.wantState("h1", "VI_1", vrrp.StateBackup)
	if logs := s.logs["h1"].take(); !slices.Contains(logs, "(VI_1) Receive advertisement timeout") {
		t.Fatalf("VI_1 timed out silently: %q", logs)
	}
	s.at(7 * time.Second)
	s.wantState("h1", "VI_1", vrrp.StateMaster)
	s.wantState("h1", "VI_2", vrrp.StateMaster)
	logs = s.logs["h1"].take()
	for _, want := range []string{"(VI_2) Receive advertisement timeout", "VRRP_Group(G) Syncing instances to MASTER state"} {
		if !slices.Contains(logs, want) {
			t.Fatalf("not logged %q: %q", want, logs)
		}
	}
}

// TestSyncGroupMasterOrder: the member whose timeout moves its group to
// MASTER goes first (VIPs, GARPs), then the group's "Syncing" line, then
// the others in the group's order, as keepalived's vrrp_sync_master runs
// after the instance's own transition (issue 11 divergence 25, corpus
// 023: with VIPs of one subnet in two members, the first added is the
// primary address and the kernel routes' source).
func TestSyncGroupMasterOrder(t *testing.T) {
	s := newSim(t)
	v1 := vi("VI_1", 1, 150, vrrp.StateBackup, "10.77.0.101/24")
	v2 := vi("VI_2", 2, 100, vrrp.StateBackup, "10.77.0.102/24")
	s.add("h1", vrrp.Config{
		Instances:  []vrrp.InstanceConfig{v1, v2},
		SyncGroups: []vrrp.SyncGroupConfig{{Name: "G", Members: []string{"VI_1", "VI_2"}}},
	})
	s.start("h1")
	s.logs["h1"].take()
	s.at(5 * time.Second) // VI_1 times out at 3.41 s and waits, VI_2 at 3.61 s
	s.wantState("h1", "VI_1", vrrp.StateMaster)
	s.wantState("h1", "VI_2", vrrp.StateMaster)
	var order []string
	for _, l := range s.logs["h1"].take() {
		if strings.Contains(l, "Entering MASTER") || strings.Contains(l, "Syncing") {
			order = append(order, l)
		}
	}
	want := []string{"(VI_2) Entering MASTER STATE", "VRRP_Group(G) Syncing instances to MASTER state", "(VI_1) Entering MASTER STATE"}
	if !slices.Equal(order, want) {
		t.Errorf("log order %q, want %q", order, want)
	}
	var added []string
	for _, c := range s.h["h1"].Net.Calls() {
		if c.Op == "add-addr" {
			added = append(added, c.IP.String())
		}
	}
	if want := []string{"10.77.0.102", "10.77.0.101"}; !slices.Equal(added, want) {
		t.Errorf("VIPs added in order %q, want %q", added, want)
	}
}

// TestOwnerStartLogsTimeout: keepalived starts an address owner in state
// MASTER through a 1 µs master-down timer, so "(VI) Receive advertisement
// timeout" precedes its "Entering MASTER STATE" (corpus 116).
func TestOwnerStartLogsTimeout(t *testing.T) {
	s := newSim(t)
	s.add("h1", one(vi("VI_1", 1, 255, vrrp.StateMaster, "10.77.0.1/24")))
	s.start("h1")
	logs := s.logs["h1"].take()
	i := slices.Index(logs, "(VI_1) Receive advertisement timeout")
	j := slices.Index(logs, "(VI_1) Entering MASTER STATE")
	if i < 0 || j < 0 || i > j {
		t.Fatalf("want the timeout line before MASTER: %q", logs)
	}
}

// TestNoVIPsNoVIPLines: an instance left without VIPs (all of them
// invalid) logs neither "setting VIPs." nor "removing VIPs.", as
// keepalived, which calls vrrp_handle_ipaddress only for a non-empty list.
func TestNoVIPsNoVIPLines(t *testing.T) {
	s := newSim(t)
	s.add("h1", one(vi("VI_1", 1, 100, vrrp.StateBackup)))
	s.start("h1")
	s.at(5 * time.Second)
	s.wantState("h1", "VI_1", vrrp.StateMaster)
	if err := s.h["h1"].Router.Stop(false); err != nil {
		t.Fatal(err)
	}
	for _, l := range s.logs["h1"].take() {
		if strings.Contains(l, "VIPs.") {
			t.Fatalf("logged %q", l)
		}
	}
}

// TestStartInFaultLines: an instance whose tracked interface is down at
// start logs keepalived's lines (the tracker's, then "entering FAULT
// state", no "Entering FAULT STATE (init)"); its sync group starts in
// FAULT as a whole, naming it, and the other member goes straight to
// FAULT, never through BACKUP (notify trail FAULT only, as keepalived).
func TestStartInFaultLines(t *testing.T) {
	s := newSim(t)
	v1 := vi("VI_1", 1, 100, vrrp.StateBackup, "10.77.0.101/24")
	v1.TrackInterfaces = []vrrp.TrackInterface{{Name: "eth9"}}
	v2 := vi("VI_2", 2, 100, vrrp.StateBackup, "10.77.0.102/24")
	s.add("h1", vrrp.Config{
		Instances:  []vrrp.InstanceConfig{v1, v2},
		SyncGroups: []vrrp.SyncGroupConfig{{Name: "G", Members: []string{"VI_1", "VI_2"}}},
	})
	s.h["h1"].Net.SetLink("eth9", false)
	s.start("h1")
	logs := s.logs["h1"].take()
	for _, want := range []string{
		"(VI_1): entering FAULT state (interface eth9 down)",
		"(VI_1) entering FAULT state",
		"(VI_2) entering FAULT state",
		"VRRP_Group(G): Syncing VI_1 to FAULT state",
		"(VI_1) removing VIPs.", "(VI_2) removing VIPs.",
	} {
		if !slices.Contains(logs, want) {
			t.Errorf("not logged %q: %q", want, logs)
		}
	}
	for _, l := range logs {
		if strings.Contains(l, "STATE") || strings.Contains(l, "Syncing instances") {
			t.Errorf("logged %q", l)
		}
	}
	for _, l := range s.rec["h1"].Lines() {
		if strings.Contains(l, "BACKUP") {
			t.Errorf("notified %q: keepalived starts the group in FAULT", l)
		}
	}
	s.wantState("h1", "VI_2", vrrp.StateFault)
	s.h["h1"].SetLink("eth9", true)
	s.at(10 * time.Second)
	s.wantState("h1", "VI_1", vrrp.StateMaster)
	s.wantState("h1", "VI_2", vrrp.StateMaster)
}

// TestOwnersGroupStartsQuietly: a sync group of address owners configured
// MASTER is MASTER before the start in keepalived 2.2.7
// (vrrp_sync_set_group), so its members go MASTER each on its own timer,
// in configuration order, with no "Syncing instances to MASTER state"
// line and no group notification (parser/testdata/vrrp/sync_owner.conf in
// the runtime differential).
func TestOwnersGroupStartsQuietly(t *testing.T) {
	s := newSim(t)
	v1 := vi("VI_1", 1, 255, vrrp.StateMaster, "10.77.0.101/24")
	v2 := vi("VI_2", 2, 255, vrrp.StateMaster, "10.77.0.102/24")
	s.add("h1", vrrp.Config{
		Instances:  []vrrp.InstanceConfig{v1, v2},
		SyncGroups: []vrrp.SyncGroupConfig{{Name: "G", Members: []string{"VI_2", "VI_1"}}},
	})
	s.start("h1")
	s.at(time.Second)
	s.wantState("h1", "VI_1", vrrp.StateMaster)
	s.wantState("h1", "VI_2", vrrp.StateMaster)
	var order []string
	for _, l := range s.logs["h1"].take() {
		if strings.Contains(l, "Syncing") {
			t.Errorf("logged %q", l)
		}
		if strings.Contains(l, "Entering MASTER") {
			order = append(order, l)
		}
	}
	if want := []string{"(VI_1) Entering MASTER STATE", "(VI_2) Entering MASTER STATE"}; !slices.Equal(order, want) {
		t.Errorf("order %q, want %q", order, want)
	}
	for _, l := range s.rec["h1"].Lines() {
		if strings.HasPrefix(l, "GROUP") {
			t.Errorf("notified %q", l)
		}
	}
}

// TestGARPIntervalSharedByInstances: garp_interval paces an interface's
// GARPs whichever instance sends them (keepalived's garp_next_time is the
// base interface's): a second master on the interface waits for the
// first's message (corpus 070: two instances on VMACs of one interface).
func TestGARPIntervalSharedByInstances(t *testing.T) {
	s := newSim(t)
	g := vrrp.GARPConfig{MasterRepeat: 1, Interval: 10 * time.Second}
	v1 := vi("VI_1", 1, 255, vrrp.StateMaster, "10.77.0.1/24", "10.77.0.2/24")
	v2 := vi("VI_2", 2, 255, vrrp.StateMaster, "10.77.1.1/24")
	v1.GARP, v2.GARP = g, g
	s.add("h1", vrrp.Config{Instances: []vrrp.InstanceConfig{v1, v2}})
	s.start("h1")
	s.at(35 * time.Second)
	var got []string
	for _, c := range s.h["h1"].Net.Calls() {
		if c.Op == "garp" {
			got = append(got, fmt.Sprintf("%s %v", c.IP, c.At.Sub(s.t0)))
		}
	}
	// At 10 s both wait for the slot; keepalived's vrrp_arp_thread
	// serves the instances in configuration order.
	want := []string{"10.77.0.1 0s", "10.77.0.2 10s", "10.77.1.1 20s"}
	if !slices.Equal(got, want) {
		t.Fatalf("GARPs %v, want %v", got, want)
	}
}

// TestFaultCount: like keepalived's num_script_if_fault, every failing
// weight-0 tracker counts once (a process without quorum, a BFD session
// Down), weighted trackers and a script without a result yet do not.
func TestFaultCount(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_1", 1, 100, vrrp.StateBackup, "10.77.0.1/24")
	ic.TrackProcesses = []vrrp.TrackRef{{Name: "p0"}, {Name: "p1"}, {Name: "p2", Weight: 30, Reverse: true}, {Name: "p5"}}
	ic.TrackBFDs = []vrrp.TrackRef{{Name: "b0"}, {Name: "b1"}, {Name: "b3", Weight: 20}, {Name: "b5"}}
	ic.TrackFiles = []vrrp.TrackRef{{Name: "f0"}, {Name: "f4", Weight: -10, Reverse: true}}
	s.add("h1", vrrp.Config{Instances: []vrrp.InstanceConfig{ic}})
	s.start("h1")
	r := s.h["h1"].Router
	r.FileValue("f0", 0)
	r.FileValue("f4", 0)
	for _, p := range []string{"p0", "p1", "p2", "p5"} {
		r.ProcessRunning(p, false)
	}
	st := s.status("h1", "VI_1")
	if st.State != vrrp.StateFault || st.FaultCount != 6 {
		t.Fatalf("3 processes and 3 BFDs down: %v count %d %q, want FAULT 6", st.State, st.FaultCount, st.FaultReasons)
	}
	r.ProcessRunning("p0", true)
	r.BFDState("b0", true)
	if st = s.status("h1", "VI_1"); st.FaultCount != 4 {
		t.Fatalf("after p0 and b0 came up: count %d %q, want 4", st.FaultCount, st.FaultReasons)
	}
}

// TestTrackFileStatus: keepalived's track_file arithmetic, as observed
// side by side (TestTrackFileWeightReverse in cmd/keepalived): a weighted
// status is capped at 253, one at -254 or below faults the instance and
// leaves its total priority; reverse turns a weight-0 file's verdict
// round (0 faults); the effective priority stays where it was when a
// weighted file faults.
func TestTrackFileStatus(t *testing.T) {
	s := newSim(t)
	ic := vi("VI_1", 1, 100, vrrp.StateBackup, "10.77.0.1/24")
	ic.TrackFiles = []vrrp.TrackRef{{Name: "a", Weight: 10}, {Name: "b", Weight: 3, Reverse: true}, {Name: "c", Reverse: true}}
	s.add("h1", vrrp.Config{Instances: []vrrp.InstanceConfig{ic}})
	s.start("h1")
	r := s.h["h1"].Router
	for _, c := range []struct {
		file               string
		v                  int
		state              vrrp.State
		eff, total, counts int
	}{
		{"c", 0, vrrp.StateFault, 100, 100, 1},
		{"c", 1, vrrp.StateBackup, 100, 100, 0},
		{"a", 100, vrrp.StateBackup, 254, 353, 0},
		{"b", 5, vrrp.StateBackup, 254, 338, 0},
		{"a", 0, vrrp.StateBackup, 85, 85, 0},
		{"b", 100, vrrp.StateFault, 85, 100, 1},
		{"b", 0, vrrp.StateBackup, 100, 100, 0},
	} {
		r.FileValue(c.file, c.v)
		st := s.status("h1", "VI_1")
		if st.State != c.state || st.EffectivePriority != c.eff || st.TotalPriority != c.total || st.FaultCount != c.counts {
			t.Fatalf("%s=%d: %v eff %d total %d count %d, want %v %d %d %d", c.file, c.v, st.State, st.EffectivePriority,
				st.TotalPriority, st.FaultCount, c.state, c.eff, c.total, c.counts)
		}
	}
}
