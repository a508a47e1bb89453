package vrrplab_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// Timings of the keepalived-go-only tests: VRRPv3 at 0.2 s gives a
// Master_Down_Interval of about 0.7 s, short enough for a quick suite and
// long enough not to flap on a loaded two-core CI machine.
var fast = variant{version: 3, adv: "0.2"}

// gd is the daemon under test: keepalived-go, or what $VRRPLAB_DAEMON
// names (VRRPLAB_DAEMON=keepalived runs the same tests against keepalived,
// which is how the tests themselves were validated).
var gd = func() vrrplab.Daemon {
	if d := os.Getenv("VRRPLAB_DAEMON"); d != "" {
		return vrrplab.Daemon(d)
	}
	return vrrplab.GoDaemon
}()

// TestFailover is master death (kill -9) and preemption on restart for
// keepalived-go pairs, for every transport and family.
func TestFailover(t *testing.T) {
	for _, v := range []variant{
		{version: 3, adv: "0.2"},
		{version: 3, adv: "0.2", unicast: true},
		{version: 3, adv: "0.2", ipv6: true},
		{version: 3, adv: "0.2", ipv6: true, unicast: true},
		{version: 2, adv: "1"},
	} {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			p := newPair(t, v, gd, gd, nil, nil)
			p.crashAndBack(t)
		})
	}
}

// TestElection: three routers with different priorities, all started as
// BACKUP; the highest priority wins and the others stay backups.
func TestElection(t *testing.T) {
	t.Parallel()
	e := vrrplab.New(t, 4)
	prios := map[int]int{1: 100, 2: 200, 3: 150}
	var rs []*vrrplab.Router
	for i := 1; i <= 3; i++ {
		cfg := fast.config(e, i, 0, prios[i], "BACKUP")
		r := e.Router(t, i, gd, cfg)
		r.Start(t)
		rs = append(rs, r)
	}
	rs[1].WaitState(t, inst, "MASTER", fast.wait())
	rs[0].WaitState(t, inst, "BACKUP", fast.wait())
	rs[2].WaitState(t, inst, "BACKUP", fast.wait())
	for _, i := range []int{0, 2} {
		if rs[i].HasVIP(t, fast.vip()) {
			t.Errorf("backup %s carries the VIP", rs[i].Name)
		}
	}
	d := vrrplab.ReachVIP(t, e.Host(4), fast.vip().Addr(), rs[1].MAC(), fast.wait())
	t.Logf("client reaches the VIP at h2 after %v", d)
	// Only the master advertises.
	mark := e.Sniffer.Mark()
	time.Sleep(time.Second)
	for _, f := range e.Sniffer.Since(mark, vrrplab.Kind(vrrplab.Advert)) {
		if f.SrcMAC.String() != rs[1].MAC().String() || f.Prio != 200 {
			t.Errorf("unexpected advert %s", f)
		}
	}
}

// TestLinkCut: pulling the master's cable puts it in FAULT and the backup
// takes over; plugging it back makes it preempt again.
func TestLinkCut(t *testing.T) {
	t.Parallel()
	p := newPair(t, fast, gd, gd, nil, nil)
	mark, t0 := p.e.Sniffer.Mark(), time.Now()
	p.r1.Cut(t)
	p.r1.WaitState(t, inst, "FAULT", fast.wait())
	p.takeover(t, p.r2, mark, t0, "cable pull of h1")
	p.reach(t, p.r2)

	mark, t0 = p.e.Sniffer.Mark(), time.Now()
	p.r1.Heal(t)
	p.takeover(t, p.r1, mark, t0, "cable back on h1")
	p.r2.WaitState(t, inst, "BACKUP", fast.wait())
	p.reach(t, p.r1)
}

// TestGracefulStop: SIGTERM makes the master send a priority-0 advert and
// drop its VIP, so the backup takes over after Skew_Time instead of
// Master_Down_Interval.
func TestGracefulStop(t *testing.T) {
	t.Parallel()
	p := newPair(t, fast, gd, gd, nil, nil)
	mark, t0 := p.e.Sniffer.Mark(), time.Now()
	p.r1.Term(t)
	if f, ok := p.e.Sniffer.WaitFor(mark, 5*time.Second, vrrplab.From(p.r1.MAC()), vrrplab.Prio(0)); !ok {
		t.Error("no priority-0 advert from h1 after SIGTERM")
	} else {
		t.Logf("priority-0 advert %v after SIGTERM", f.Time.Sub(t0))
	}
	p.takeover(t, p.r2, mark, t0, "SIGTERM of h1")
	p.r1.WaitExit(t, 10*time.Second)
	if p.r1.HasVIP(t, fast.vip()) {
		t.Error("h1 left its VIP behind after a graceful stop")
	}
	if ns := p.r1.Notifies(); len(ns) == 0 || ns[len(ns)-1].State != "STOP" {
		t.Errorf("h1's last notify is not STOP: %v", ns)
	}
	p.reach(t, p.r2)
}

// TestNopreempt: a higher-priority router with nopreempt does not take the
// master role back after a restart.
func TestNopreempt(t *testing.T) {
	t.Parallel()
	e := vrrplab.New(t, 3)
	c1 := fast.config(e, 1, 2, 150, "BACKUP")
	c1.Instances[0].Nopreempt = true
	r1 := e.Router(t, 1, gd, c1)
	r2 := e.Router(t, 2, gd, fast.config(e, 2, 1, 100, "BACKUP"))
	r1.Start(t)
	r1.WaitState(t, inst, "MASTER", fast.wait())
	r2.Start(t)
	r2.WaitState(t, inst, "BACKUP", fast.wait())
	r1.Kill(t)
	r2.WaitState(t, inst, "MASTER", fast.wait())
	r1.Start(t)
	r1.WaitState(t, inst, "BACKUP", fast.wait())
	// Ten Master_Down_Intervals of adverts from the lower priority must
	// not make h1 take over.
	mark := e.Sniffer.Mark()
	time.Sleep(7 * time.Second)
	if fs := e.Sniffer.Since(mark, vrrplab.From(r1.MAC()), vrrplab.Kind(vrrplab.Advert)); len(fs) > 0 {
		t.Errorf("h1 with nopreempt advertised after its restart: %s", fs[0])
	}
	if s := r2.State(inst); s != "MASTER" {
		t.Errorf("h2 is %s; want it to stay MASTER", s)
	}
	vrrplab.ReachVIP(t, e.Host(3), fast.vip().Addr(), r2.MAC(), fast.wait())
}

// TestTrackScriptWeight: a failing vrrp_script with weight -60 lowers the
// master from 150 to 90, below the backup's 100, which preempts; when the
// script succeeds again the master is back at 150 and preempts in turn.
func TestTrackScriptWeight(t *testing.T) {
	t.Parallel()
	e := vrrplab.New(t, 3)
	c1 := fast.config(e, 1, 2, 150, "MASTER", "track_script {", "  chk", "}")
	c1.Preamble = "vrrp_script chk {\n  script \"/usr/bin/test -e @DIR@/up\"\n  interval 1\n  weight -60\n}\n"
	r1 := e.Router(t, 1, gd, c1)
	flag := filepath.Join(r1.Dir, "up")
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r2 := e.Router(t, 2, gd, fast.config(e, 2, 1, 100, "BACKUP"))
	r1.Start(t)
	r2.Start(t)
	r1.WaitState(t, inst, "MASTER", fast.wait())
	r2.WaitState(t, inst, "BACKUP", fast.wait())

	mark := e.Sniffer.Mark()
	os.Remove(flag)
	if _, ok := e.Sniffer.WaitFor(mark, 10*time.Second, vrrplab.From(r1.MAC()), vrrplab.Prio(90)); !ok {
		t.Error("h1 never advertised priority 90 after its script failed")
	}
	r2.WaitState(t, inst, "MASTER", fast.wait())
	r1.WaitState(t, inst, "BACKUP", fast.wait())
	vrrplab.ReachVIP(t, e.Host(3), fast.vip().Addr(), r2.MAC(), fast.wait())

	mark = e.Sniffer.Mark()
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r1.WaitState(t, inst, "MASTER", 10*time.Second)
	r2.WaitState(t, inst, "BACKUP", fast.wait())
	if _, ok := e.Sniffer.WaitFor(mark, 5*time.Second, vrrplab.From(r1.MAC()), vrrplab.Prio(150)); !ok {
		t.Error("h1 is master again but does not advertise priority 150")
	}
	vrrplab.ReachVIP(t, e.Host(3), fast.vip().Addr(), r1.MAC(), fast.wait())
}

// TestSyncGroup: two instances in a sync group; when the tracked one
// faults on the master, the whole group moves to the backup, and back when
// it recovers.
func TestSyncGroup(t *testing.T) {
	t.Parallel()
	e := vrrplab.New(t, 3)
	vip2 := netip.MustParsePrefix("10.213.0.101/24")
	mk := func(self, prio int, state string, track bool) vrrplab.Config {
		c := vrrplab.Config{Version: 3}
		var extra []string
		if track {
			c.Preamble = "vrrp_script chk {\n  script \"/usr/bin/test -e @DIR@/up\"\n  interval 1\n}\n"
			extra = []string{"track_script {", "  chk", "}"}
		}
		c.Preamble += "vrrp_sync_group G1 {\n  group {\n    VI_1\n    VI_2\n  }\n  notify \"@NOTIFY@\"\n}\n"
		c.Instances = []vrrplab.Instance{
			{Name: "VI_1", VRID: 51, Priority: prio, State: state, AdvertInt: fast.adv, VIPs: []netip.Prefix{vrrplab.VIP4}},
			{Name: "VI_2", VRID: 52, Priority: prio, State: state, AdvertInt: fast.adv, VIPs: []netip.Prefix{vip2}, Extra: extra},
		}
		return c
	}
	r1 := e.Router(t, 1, gd, mk(1, 150, "MASTER", true))
	flag := filepath.Join(r1.Dir, "up")
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r2 := e.Router(t, 2, gd, mk(2, 100, "BACKUP", false))
	r1.Start(t)
	r2.Start(t)
	for _, n := range []string{"VI_1", "VI_2"} {
		r1.WaitState(t, n, "MASTER", fast.wait())
		r2.WaitState(t, n, "BACKUP", fast.wait())
	}

	os.Remove(flag)
	r1.WaitState(t, "VI_2", "FAULT", 10*time.Second)
	for _, n := range []string{"VI_1", "VI_2"} {
		r2.WaitState(t, n, "MASTER", fast.wait())
	}
	if s := r1.State("VI_1"); s == "MASTER" {
		t.Errorf("h1's VI_1 stayed MASTER while its sync group partner VI_2 is FAULT")
	}
	if r1.HasVIP(t, vrrplab.VIP4) || r1.HasVIP(t, vip2) {
		t.Error("h1 keeps a VIP of its faulted sync group")
	}
	vrrplab.ReachVIP(t, e.Host(3), vrrplab.VIP4.Addr(), r2.MAC(), fast.wait())
	vrrplab.ReachVIP(t, e.Host(3), vip2.Addr(), r2.MAC(), fast.wait())

	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"VI_1", "VI_2"} {
		r1.WaitState(t, n, "MASTER", 10*time.Second)
		r2.WaitState(t, n, "BACKUP", fast.wait())
	}
	r1.WaitState(t, "G1", "MASTER", fast.wait())
	vrrplab.ReachVIP(t, e.Host(3), vip2.Addr(), r1.MAC(), fast.wait())
}

// TestNotifyOrder: notify scripts of one instance run in transition order,
// even when an earlier one is slow (keepalived forks them concurrently and
// can reorder them).
func TestNotifyOrder(t *testing.T) {
	if gd == vrrplab.CDaemon {
		t.Skip("keepalived forks notify scripts concurrently; in-order scripts are a keepalived-go guarantee")
	}
	t.Parallel()
	e := vrrplab.New(t, 3)
	c1 := fast.config(e, 1, 2, 100, "BACKUP",
		`notify_backup "@DIR@/slow.sh BACKUP"`,
		`notify_master "@DIR@/slow.sh MASTER"`,
		`notify_stop "@DIR@/slow.sh STOP"`)
	r1 := e.Router(t, 1, gd, c1)
	record := filepath.Join(r1.Dir, "ordered")
	script := "#!/bin/bash\n[ \"$1\" = BACKUP ] && sleep 1\necho \"$1\" >>" + record + "\n"
	if err := os.WriteFile(filepath.Join(r1.Dir, "slow.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r2 := e.Router(t, 2, gd, fast.config(e, 2, 1, 200, "BACKUP"))

	r1.Start(t) // BACKUP (init), then MASTER about 0.7 s later, while the BACKUP script still sleeps
	r1.WaitState(t, inst, "MASTER", fast.wait())
	r2.Start(t) // preempts: h1 goes BACKUP
	r1.WaitState(t, inst, "BACKUP", fast.wait())
	r2.Kill(t) // h1 goes MASTER again, while the second BACKUP script sleeps
	r1.WaitState(t, inst, "MASTER", fast.wait())
	r1.Term(t)
	r1.WaitExit(t, 15*time.Second)

	want := "BACKUP MASTER BACKUP MASTER STOP"
	var got string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		b, _ := os.ReadFile(record)
		if got = strings.Join(strings.Fields(string(b)), " "); got == want {
			break
		}
	}
	if got != want {
		t.Errorf("notify scripts ran as %q; want %q", got, want)
	}
	var fifo []string
	for _, n := range r1.Events() {
		if n.Name == inst {
			fifo = append(fifo, n.State)
		}
	}
	t.Logf("notify FIFO: %v", fifo)
}

// TestSplitBrain: with the routers cut off from each other but not from
// the client, both become master; once they hear each other again the
// lower priority (or, at equal priority, the lower address) steps down and
// the client ends up at the surviving master's MAC.
func TestSplitBrain(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prio2  int
		winner int
	}{
		{"priorities", 100, 1},
		{"equal-priority", 150, 2}, // the higher primary address wins a tie
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := vrrplab.New(t, 3)
			r1 := e.Router(t, 1, gd, fast.config(e, 1, 2, 150, "MASTER"))
			r2 := e.Router(t, 2, gd, fast.config(e, 2, 1, tc.prio2, "BACKUP"))
			r1.Start(t)
			r1.WaitState(t, inst, "MASTER", fast.wait())
			r2.Start(t)
			r2.WaitState(t, inst, "BACKUP", fast.wait())

			e.Isolate(t, true, 1, 2)
			r2.WaitState(t, inst, "MASTER", fast.wait())
			if s := r1.State(inst); s != "MASTER" {
				t.Fatalf("h1 is %s during the split brain; want MASTER", s)
			}
			t.Log("split brain: both masters")

			mark, t0 := e.Sniffer.Mark(), time.Now()
			e.Isolate(t, false, 1, 2)
			win, lose := r1, r2
			if tc.winner == 2 {
				win, lose = r2, r1
			}
			lose.WaitState(t, inst, "BACKUP", fast.wait())
			if s := win.State(inst); s != "MASTER" {
				t.Errorf("%s is %s after the heal; want MASTER", win.Name, s)
			}
			if f, ok := e.Sniffer.WaitFor(mark, 5*time.Second, vrrplab.From(win.MAC()), vrrplab.Announce()); ok {
				t.Logf("heal: %s re-announced the VIP %v after the heal", win.Name, f.Time.Sub(t0))
			}
			// A keepalived-go loser sends one advert as it steps down,
			// so the winner re-announces whichever advert crossed first
			// (TestSplitHeal measures the client's black-hole). The long
			// deadline is for VRRPLAB_DAEMON=keepalived: its loser steps
			// down silently when the winner's advert reaches it first,
			// and the client, last told the loser's MAC, follows only
			// when its neighbour entry fails (3-6 s).
			vrrplab.ReachVIP(t, e.Host(3), fast.vip().Addr(), win.MAC(), 30*time.Second)
			t.Logf("client at %s %v after the heal", win.Name, time.Since(t0))
		})
	}
}
