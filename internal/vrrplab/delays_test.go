package vrrplab_test

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// delayLines are the log lines of interface_up_down_delays, without their
// time stamps and flags (a veth's flags are the same in both runs, but
// the lab's link index is not).
var delayLines = regexp.MustCompile(`(` + lab.Link + `: Adding flags change from 0x[0-9a-f]+ to 0x[0-9a-f]+ delay by \d+|Delay timer for \S+ cancelled|Netlink reports ` + lab.Link + ` (up|down))`)

// TestInterfaceUpDownDelays: a link flap shorter than the interface's
// down delay is not acted on; a longer one is, once the delay has passed,
// and the link coming back waits for the up delay. keepalived and
// keepalived-go run the same flaps, and their delay lines and state
// sequences must match.
func TestInterfaceUpDownDelays(t *testing.T) {
	sideBySide(t, flapWithDelays)
}

// sideBySide runs scenario with keepalived-go and with keepalived 2.2.7,
// in parallel, and fails when the lines they return differ.
func sideBySide(t *testing.T, scenario func(*testing.T, vrrplab.Daemon) string) {
	var mu sync.Mutex
	seen := map[vrrplab.Daemon]string{}
	t.Run("daemons", func(t *testing.T) {
		for _, d := range []vrrplab.Daemon{gd, vrrplab.CDaemon} {
			t.Run(string(d), func(t *testing.T) {
				t.Parallel()
				got := scenario(t, d)
				mu.Lock()
				seen[d] = got
				mu.Unlock()
			})
		}
	})
	g, k := seen[gd], seen[vrrplab.CDaemon]
	if gd == vrrplab.CDaemon || g == "" || k == "" {
		return
	}
	if g != k {
		t.Errorf("keepalived-go and keepalived differ:\n-ka %s\n+go %s", strings.ReplaceAll(k, "\n", "\n-ka "), strings.ReplaceAll(g, "\n", "\n+go "))
	}
}

// flapWithDelays runs one daemon alone as MASTER with a 1.5 s down and
// 0.5 s up delay, flaps its link for 0.3 s and then for 3 s, and returns
// its delay lines and states.
func flapWithDelays(t *testing.T, d vrrplab.Daemon) string {
	v := variant{version: 2, adv: "1"}
	e := vrrplab.New(t, 1)
	c := v.config(e, 1, 1, 150, "MASTER")
	c.Preamble = "interface_up_down_delays {\n  " + lab.Link + " 1.5 0.5\n}\n"
	r := e.Router(t, 1, d, c)
	r.Start(t)
	r.WaitState(t, inst, "MASTER", v.wait())

	r.Cut(t)
	time.Sleep(300 * time.Millisecond)
	r.Heal(t)
	time.Sleep(2 * time.Second)
	if s := r.State(inst); s != "MASTER" {
		t.Fatalf("a 0.3 s flap with a 1.5 s down delay moved %s to %s", inst, s)
	}

	t0 := time.Now()
	r.Cut(t)
	r.WaitState(t, inst, "FAULT", 5*time.Second)
	if el := time.Since(t0); el < 1400*time.Millisecond {
		t.Errorf("FAULT %v after the link went down, before the 1.5 s delay", el)
	}
	time.Sleep(1500 * time.Millisecond)
	t0 = time.Now()
	r.Heal(t)
	r.WaitState(t, inst, "MASTER", v.wait())
	if el := time.Since(t0); el < 450*time.Millisecond {
		t.Errorf("MASTER %v after the link came back, before the 0.5 s delay", el)
	}
	var out []string
	for _, l := range strings.Split(r.Output(), "\n") {
		if m := delayLines.FindString(l); m != "" {
			out = append(out, m)
		}
	}
	var states []string
	for _, n := range r.Events() {
		if n.Name == inst {
			states = append(states, n.State)
		}
	}
	got := strings.Join(out, "\n") + "\nstates " + strings.Join(states, " ")
	t.Logf("%s:\n%s", d, got)
	return got
}

// cutLines are the -D lines of a master's shorter interval cutting the
// delays.
var cutLines = regexp.MustCompile(`(\(VI_51\) advertisement interval updated from \d+ms to \d+ms by master|VI_51: lower advert_int reducing interface \S+ debounce timer\(s\))`)

// TestInterfaceDelaysCutByMaster: a VRRPv3 backup with a 1.5 s down delay
// learns its master's 0.5 s interval, which cuts the delay to just under
// 1 s; a 1.3 s cut of its link then puts it in FAULT. keepalived and
// keepalived-go as the backup give the same lines and states.
func TestInterfaceDelaysCutByMaster(t *testing.T) {
	sideBySide(t, cutByMaster)
}

func cutByMaster(t *testing.T, d vrrplab.Daemon) string {
	fast, slow := variant{version: 3, adv: "0.5"}, variant{version: 3, adv: "1"}
	e := vrrplab.New(t, 2)
	c2 := slow.config(e, 2, 1, 100, "BACKUP")
	c2.Preamble = "interface_up_down_delays {\n  " + lab.Link + " 1.5 0\n}\n"
	r1 := e.Router(t, 1, gd, fast.config(e, 1, 2, 150, "MASTER"))
	r2 := e.Router(t, 2, d, c2)
	r1.Start(t)
	r1.WaitState(t, inst, "MASTER", fast.wait())
	r2.Start(t)
	r2.WaitState(t, inst, "BACKUP", slow.wait())
	time.Sleep(2 * time.Second)

	r2.Cut(t)
	time.Sleep(1300 * time.Millisecond)
	r2.Heal(t)
	time.Sleep(3 * time.Second)
	var out []string
	for _, l := range strings.Split(r2.Output(), "\n") {
		if m := cutLines.FindString(l); m != "" {
			out = append(out, m)
		} else if m := delayLines.FindString(l); m != "" {
			out = append(out, m)
		}
	}
	var states []string
	for _, n := range r2.Events() {
		if n.Name == inst {
			states = append(states, n.State)
		}
	}
	got := strings.Join(out, "\n") + "\nstates " + strings.Join(states, " ")
	t.Logf("%s:\n%s", d, got)
	if !slices.Contains(states, "FAULT") {
		t.Errorf("%s: a 1.3 s cut with the delay cut under 1 s gave no FAULT", d)
	}
	return got
}
