package vrrplab_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// TestSplitHeal partitions h1 (priority 150) from h2 (100) while both still
// reach the client h3, restarts h2 so that it becomes master at a random
// phase of h1's advert cycle and takes the client, then heals the
// partition at a random moment. After each heal the client must end up at
// h1's MAC, h2 must drop the VIP, and nobody may flap. The client pings
// the VIP every 10 ms throughout; the longest run without a reply around
// each heal is its black-hole, logged, not asserted (CI machines are too
// noisy for timed assertions; see TestSplitHealMeasure).
//
// keepalived-go on both sides (IPv4 and IPv6), and keepalived-go losing to
// keepalived, which must re-announce on the advert keepalived-go sends as
// it steps down.
func TestSplitHeal(t *testing.T) {
	v4, v6 := variant{version: 3, adv: "0.1"}, variant{version: 3, adv: "0.1", ipv6: true}
	for _, c := range []struct {
		v variant
		d [2]vrrplab.Daemon
	}{
		{v4, [2]vrrplab.Daemon{gd, gd}},
		{v6, [2]vrrplab.Daemon{gd, gd}},
		{v4, [2]vrrplab.Daemon{vrrplab.CDaemon, vrrplab.GoDaemon}},
	} {
		t.Run(fmt.Sprintf("%v/%s-wins-over-%s", c.v, c.d[0], c.d[1]), func(t *testing.T) {
			t.Parallel()
			vrrplab.Binary(t, c.d[0])
			hs := splitHeals(t, c.v, c.d, nil, 2, 2*time.Second)
			t.Logf("black-hole per heal: %v", hs)
		})
	}
}

// TestSplitHealMeasure is the full measurement: VRRPLAB_HEAL_N (default 8)
// random-phase heals after a 5 s partition, for every pairing of
// keepalived-go and keepalived, at VRRPv3 0.1 s (IPv4 and IPv6) and VRRPv2
// 1 s, plus keepalived-go winning over a keepalived that has
// higher_prio_send_advert. It prints the worst and median client black-hole
// per setup and, for keepalived-go on both sides, compares the worst to the
// 300 ms goal. Run it with `make bench-heal` (about 6 minutes, root).
func TestSplitHealMeasure(t *testing.T) {
	if os.Getenv("VRRPLAB_HEAL") == "" {
		t.Skip("measurement; run make bench-heal (or VRRPLAB_HEAL=1)")
	}
	vrrplab.Binary(t, vrrplab.CDaemon)
	n := envInt("VRRPLAB_HEAL_N", 8)
	go_, ka := vrrplab.GoDaemon, vrrplab.CDaemon
	// The last setup checks the advice docs/compat.md gives for a
	// keepalived loser.
	hpsa := []string{"higher_prio_send_advert"}
	setups := []healSetup{
		{d: [2]vrrplab.Daemon{go_, go_}},
		{d: [2]vrrplab.Daemon{ka, go_}},
		{d: [2]vrrplab.Daemon{go_, ka}},
		{d: [2]vrrplab.Daemon{ka, ka}},
		{d: [2]vrrplab.Daemon{go_, ka}, loserExtra: hpsa},
	}
	variants := []variant{{version: 3, adv: "0.1"}, {version: 3, adv: "0.1", ipv6: true}, {version: 2, adv: "1"}}
	var mu sync.Mutex
	res := map[string][]time.Duration{}
	key := func(v variant, s healSetup) string {
		return fmt.Sprintf("%v advert_int %s | %s | %s", v, v.adv, s.d[0], s.loser())
	}
	t.Run("group", func(t *testing.T) {
		for _, v := range variants {
			for _, s := range setups {
				t.Run(fmt.Sprintf("%v-%s/%s-wins-over-%s", v, v.adv, s.d[0], strings.ReplaceAll(s.loser(), " ", "")), func(t *testing.T) {
					t.Parallel()
					hs := splitHeals(t, v, s.d, s.loserExtra, n, 5*time.Second)
					mu.Lock()
					res[key(v, s)] = hs
					mu.Unlock()
				})
			}
		}
	})
	var b strings.Builder
	fmt.Fprintf(&b, "Client black-hole after a 5 s partition heals at a random phase, %d heals per setup, ms:\n\n", n)
	b.WriteString("| config | winner (150) | loser (100) | worst | median | all |\n|---|---|---|---|---|---|\n")
	for _, v := range variants {
		for _, s := range setups {
			hs := slices.Clone(res[key(v, s)])
			slices.Sort(hs)
			if len(hs) == 0 {
				continue
			}
			var all []string
			for _, h := range hs {
				all = append(all, strconv.FormatInt(h.Milliseconds(), 10))
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %s |\n", key(v, s), hs[len(hs)-1].Milliseconds(), hs[len(hs)/2].Milliseconds(), strings.Join(all, " "))
			if s.d == [2]vrrplab.Daemon{go_, go_} {
				verdict := "met"
				if hs[len(hs)-1] > 300*time.Millisecond {
					verdict = "MISSED"
				}
				t.Logf("goal (worst <= 300 ms, keepalived-go both sides, %v %s): %s", v, v.adv, verdict)
			}
		}
	}
	t.Log("\n" + b.String())
	if out := os.Getenv("VRRPLAB_HEAL_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// healSetup is who wins (d[0], priority 150) and who loses (d[1], 100),
// with extra lines for the loser's vrrp_instance.
type healSetup struct {
	d          [2]vrrplab.Daemon
	loserExtra []string
}

func (s healSetup) loser() string {
	if len(s.loserExtra) == 0 {
		return string(s.d[1])
	}
	return string(s.d[1]) + " + " + strings.Join(s.loserExtra, " ")
}

// pingInterval is the client's echo cadence; a black-hole is measured to
// within about this much.
const pingInterval = 10 * time.Millisecond

// splitHeals runs n partition/heal cycles between h1 (d[0], priority 150)
// and h2 (d[1], priority 100, with extra2 in its vrrp_instance) with the
// partition held for hold, and returns the client's black-hole at each
// heal.
func splitHeals(t *testing.T, v variant, d [2]vrrplab.Daemon, extra2 []string, n int, hold time.Duration) []time.Duration {
	t.Helper()
	p := newPair(t, v, d[0], d[1], nil, extra2)
	vip := v.vip().Addr()
	client := p.e.Host(3)
	ping := client.Start(t, "ping", "-n", "-D", "-i", fmt.Sprint(pingInterval.Seconds()), vip.String())
	adv, _ := strconv.ParseFloat(v.adv, 64)
	advInt := time.Duration(adv * float64(time.Second))
	var out []time.Duration
	for i := range n {
		mark, heal := splitThenHeal(t, p, hold, advInt)
		p.r2.WaitState(t, inst, "BACKUP", v.wait())
		if s := p.r1.State(inst); s != "MASTER" {
			t.Fatalf("heal %d: h1 is %s; want MASTER", i, s)
		}
		// Behind a keepalived loser that stepped down silently, an
		// IPv6 client whose pings keep confirming the stale entry
		// waits a reachable time (15-45 s), the delay (5 s) and three
		// probes before it asks again: 23-55 s measured.
		vrrplab.ReachVIP(t, client, vip, p.r1.MAC(), 75*time.Second)
		p.r2.WaitVIP(t, v.vip(), false, v.wait())
		time.Sleep(3 * pingInterval) // the replies that end the black-hole
		bh, ok := blackHole(ping.Output(), heal.Add(-time.Second), time.Now())
		if !ok {
			t.Fatalf("heal %d: no echo replies around the heal:\n%s", i, tail(ping.Output(), 10))
		}
		t.Logf("heal %d: %s, winner's first GARP/NA at %s, client black-hole %v", i, firstAcross(p, mark, heal), firstAnnounce(p, mark, heal), bh.Round(time.Millisecond))
		out = append(out, bh)
		// Let the winner's delayed GARP bursts end before the next cut.
		time.Sleep(time.Second + 6*advInt)
		settled(t, p, mark, i)
	}
	return out
}

// splitThenHeal cuts h1 and h2 apart, restarts h2 and waits until it is
// master and holds the client, heals the cut hold after the restart plus a
// random part of the advert interval, and returns the sniffer's mark and
// the time of the heal.
func splitThenHeal(t *testing.T, p *pair, hold, advInt time.Duration) (int, time.Time) {
	t.Helper()
	p.e.Isolate(t, true, 1, 2)
	// keepalived-go's masters advertise on a grid set when the daemon
	// starts, so two daemons started together keep one relative phase
	// and whose advert crosses a heal first hardly varies. A restart of
	// the loser, a backup until now, at a random point of the interval
	// gives each heal a fresh phase.
	p.r2.Kill(t)
	time.Sleep(time.Duration(rand.Int64N(int64(advInt))))
	cut := time.Now()
	p.r2.Start(t)
	p.r2.WaitState(t, inst, "MASTER", p.v.wait())
	// The loser's GARPs take the client: the state a heal starts from.
	vrrplab.ReachVIP(t, p.e.Host(3), p.v.vip().Addr(), p.r2.MAC(), p.v.wait())
	time.Sleep(time.Until(cut.Add(hold)) + time.Duration(rand.Int64N(int64(advInt))))
	mark, heal := p.e.Sniffer.Mark(), time.Now()
	p.e.Isolate(t, false, 1, 2)
	return mark, heal
}

// firstAnnounce is when the winner's first GARP/NA after the heal went out.
func firstAnnounce(p *pair, mark int, heal time.Time) string {
	if f, ok := p.e.Sniffer.WaitFor(mark, 0, vrrplab.From(p.r1.MAC()), vrrplab.Announce()); ok {
		return f.Time.Sub(heal).Round(100 * time.Microsecond).String()
	}
	return "none"
}

// settled checks that the heal left no flap and no advert storm: h1 still
// master, h2 still backup, and h2 sent at most three adverts since the heal
// command (one that may have left before the ports were joined, one that
// crossed, and the one on stepping down).
func settled(t *testing.T, p *pair, mark, i int) {
	t.Helper()
	if s1, s2 := p.r1.State(inst), p.r2.State(inst); s1 != "MASTER" || s2 != "BACKUP" {
		t.Errorf("heal %d: h1 %s, h2 %s after settling; want MASTER, BACKUP", i, s1, s2)
	}
	if n := len(p.e.Sniffer.Since(mark, vrrplab.From(p.r2.MAC()), vrrplab.VRID(vrid))); n > 3 {
		t.Errorf("heal %d: the loser sent %d adverts after the heal; want at most 3", i, n)
	}
}

// firstAcross names whose advert was the first on the wire after the heal,
// and when.
func firstAcross(p *pair, mark int, heal time.Time) string {
	for _, f := range p.e.Sniffer.Since(mark, vrrplab.Kind(vrrplab.Advert)) {
		at := f.Time.Sub(heal).Round(100 * time.Microsecond)
		switch f.SrcMAC.String() {
		case p.r1.MAC().String():
			return fmt.Sprintf("winner's advert first across at %v", at)
		case p.r2.MAC().String():
			return fmt.Sprintf("loser's advert first across at %v", at)
		}
	}
	return "no advert"
}

var pingReply = regexp.MustCompile(`^\[(\d+)\.(\d+)\] \d+ bytes from `)

// blackHole returns the longest time between two echo replies in ping -D's
// output from..to, less the ping interval: how long the client could not
// reach the VIP.
func blackHole(out string, from, to time.Time) (time.Duration, bool) {
	var prev time.Time
	var worst time.Duration
	seen := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := pingReply.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		sec, _ := strconv.ParseInt(m[1], 10, 64)
		frac := (m[2] + "000000")[:6]
		us, _ := strconv.ParseInt(frac, 10, 64)
		at := time.Unix(sec, us*1000)
		if at.Before(from) || at.After(to) {
			continue
		}
		if seen {
			worst = max(worst, at.Sub(prev))
		}
		prev, seen = at, true
	}
	return max(worst-pingInterval, 0), seen
}

func tail(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(l[max(len(l)-n, 0):], "\n")
}
