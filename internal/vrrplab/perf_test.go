package vrrplab_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/vrrplab"
)

// TestPerf measures keepalived-go side by side with keepalived on the same
// configurations, in two labs running at once so that both see the same
// machine load. It is a benchmark, not a test: it asserts nothing about
// speed, runs only with VRRPLAB_PERF=1 (scripts/bench-vrrp.sh) and writes
// a Markdown report to $VRRPLAB_PERF_OUT (and the log).
//
//	VRRPLAB_PERF_N       failovers per configuration (default 5)
//	VRRPLAB_PERF_WINDOW  CPU/RSS window in seconds (default 30)
func TestPerf(t *testing.T) {
	if os.Getenv("VRRPLAB_PERF") == "" {
		t.Skip("benchmark; run scripts/bench-vrrp.sh (or VRRPLAB_PERF=1)")
	}
	vrrplab.Binary(t, vrrplab.CDaemon)
	n := envInt("VRRPLAB_PERF_N", 5)
	window := time.Duration(envInt("VRRPLAB_PERF_WINDOW", 30)) * time.Second
	daemons := []vrrplab.Daemon{vrrplab.GoDaemon, vrrplab.CDaemon}
	variants := []variant{
		{version: 2, adv: "1"},
		{version: 3, adv: "0.1"},
		{version: 3, adv: "0.05"},
	}

	var mu sync.Mutex
	fo := map[string]map[vrrplab.Daemon][]failover{}
	res := map[vrrplab.Daemon]resources{}
	t.Run("group", func(t *testing.T) {
		for _, v := range variants {
			fo[v.adv] = map[vrrplab.Daemon][]failover{}
			for _, d := range daemons {
				t.Run(fmt.Sprintf("failover-v%d-%s/%s", v.version, v.adv, d), func(t *testing.T) {
					t.Parallel()
					s := measureFailover(t, d, v, n)
					mu.Lock()
					fo[v.adv][d] = s
					mu.Unlock()
				})
			}
		}
	})
	t.Run("group", func(t *testing.T) {
		for _, d := range daemons {
			t.Run("resources-255/"+string(d), func(t *testing.T) {
				t.Parallel()
				r := measureResources(t, d, 255, window)
				mu.Lock()
				res[d] = r
				mu.Unlock()
			})
		}
	})

	var b strings.Builder
	fmt.Fprintf(&b, "Failover after kill -9 of the master (h1 priority 150 -> h2 priority 100), median [min-max] of %d, ms:\n\n", n)
	b.WriteString("| config | Master_Down_Interval | metric | keepalived-go | keepalived 2.2.7 | ratio go/ka |\n|---|---|---|---|---|---|\n")
	for _, v := range variants {
		adv, _ := strconv.ParseFloat(v.adv, 64)
		mdi := 3*adv + (256-100)/256.0*adv
		for _, m := range []struct {
			name string
			f    func(failover) time.Duration
		}{
			{"kill -> h2's first advert", func(f failover) time.Duration { return f.kill }},
			{"h1's last advert -> h2's first advert", func(f failover) time.Duration { return f.detect }},
			{"h2's first advert -> first GARP", func(f failover) time.Duration { return f.garp }},
		} {
			g, k := durs(fo[v.adv][vrrplab.GoDaemon], m.f), durs(fo[v.adv][vrrplab.CDaemon], m.f)
			fmt.Fprintf(&b, "| v%d advert_int %s | %.1f | %s | %s | %s | %s |\n", v.version, v.adv, mdi*1000, m.name, stat(g), stat(k), ratio(g, k))
		}
	}
	fmt.Fprintf(&b, "\nResources with 255 VRRPv2 instances at advert_int 1 (no notify scripts), %v window after settling, all processes of the daemon:\n\n", window)
	b.WriteString("| metric | keepalived-go | keepalived 2.2.7 | ratio go/ka |\n|---|---|---|---|\n")
	g, k := res[vrrplab.GoDaemon], res[vrrplab.CDaemon]
	rows := []struct {
		name string
		g, k float64
		f    string
	}{
		{"MASTER host CPU, % of one core", g.cpuMaster, k.cpuMaster, "%.3f"},
		{"BACKUP host CPU, % of one core", g.cpuBackup, k.cpuBackup, "%.3f"},
		{"MASTER host RSS, KiB (sum of processes)", float64(g.rssMaster), float64(k.rssMaster), "%.0f"},
		{"BACKUP host RSS, KiB", float64(g.rssBackup), float64(k.rssBackup), "%.0f"},
		{"MASTER host Pss, KiB", float64(g.pssMaster), float64(k.pssMaster), "%.0f"},
		{"processes per daemon", float64(g.procs), float64(k.procs), "%.0f"},
		{"start-up to all 255 settled, ms", float64(g.settle.Milliseconds()), float64(k.settle.Milliseconds()), "%.0f"},
		{"start-up CPU of the MASTER host, ms", float64(g.startCPU.Milliseconds()), float64(k.startCPU.Milliseconds()), "%.0f"},
		{"spurious MASTER transitions of the BACKUP host", float64(g.spurious), float64(k.spurious), "%.0f"},
	}
	for _, r := range rows {
		rt := "-"
		if r.k != 0 {
			rt = fmt.Sprintf("%.2f", r.g/r.k)
		}
		fmt.Fprintf(&b, "| %s | "+r.f+" | "+r.f+" | %s |\n", r.name, r.g, r.k, rt)
	}
	t.Log("\n" + b.String())
	if out := os.Getenv("VRRPLAB_PERF_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// failover is one kill -9 of the master, timed on the wire.
type failover struct {
	kill   time.Duration // kill -> new master's first advert
	detect time.Duration // old master's last advert -> new master's first advert
	garp   time.Duration // new master's first advert -> its first GARP/NA
}

func measureFailover(t *testing.T, d vrrplab.Daemon, v variant, n int) []failover {
	p := newPair(t, v, d, d, nil, nil)
	adv, _ := strconv.ParseFloat(v.adv, 64)
	s := p.e.Sniffer
	var out []failover
	for i := 0; i < n; i++ {
		// Let the restarted master settle, then kill it at a random phase
		// of its advert cycle.
		time.Sleep(time.Second + time.Duration(rand.Float64()*adv*float64(time.Second)))
		mark, t0 := s.Mark(), time.Now()
		p.r1.Kill(t)
		p.r2.WaitState(t, inst, "MASTER", v.wait())
		a2, ok1 := s.WaitFor(mark, 5*time.Second, vrrplab.From(p.r2.MAC()), vrrplab.VRID(vrid))
		g2, ok2 := s.WaitFor(mark, 5*time.Second, vrrplab.From(p.r2.MAC()), vrrplab.Announce())
		if !ok1 || !ok2 {
			t.Fatalf("no advert or GARP from the new master")
		}
		var last time.Time
		for _, f := range s.Frames() {
			if f.Kind == vrrplab.Advert && f.SrcMAC.String() == p.r1.MAC().String() && f.Time.Before(a2.Time) {
				last = f.Time
			}
		}
		fo := failover{kill: a2.Time.Sub(t0), detect: a2.Time.Sub(last), garp: g2.Time.Sub(a2.Time)}
		t.Logf("%s %v advert_int %s: kill->advert %v, last->first advert %v, advert->GARP %v", d, v, v.adv, fo.kill, fo.detect, fo.garp)
		out = append(out, fo)
		p.r1.Start(t)
		p.r1.WaitState(t, inst, "MASTER", v.wait())
		p.r2.WaitState(t, inst, "BACKUP", v.wait())
	}
	return out
}

func durs(fs []failover, f func(failover) time.Duration) []float64 {
	var out []float64
	for _, x := range fs {
		out = append(out, float64(f(x))/1e6)
	}
	slices.Sort(out)
	return out
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	if len(x)%2 == 1 {
		return x[len(x)/2]
	}
	return (x[len(x)/2-1] + x[len(x)/2]) / 2
}

func stat(x []float64) string {
	if len(x) == 0 {
		return "-"
	}
	f := "%.1f [%.1f-%.1f]"
	if x[len(x)-1] < 10 {
		f = "%.3f [%.3f-%.3f]"
	}
	return fmt.Sprintf(f, median(x), x[0], x[len(x)-1])
}

func ratio(g, k []float64) string {
	if len(g) == 0 || len(k) == 0 || median(k) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", median(g)/median(k))
}

type resources struct {
	cpuMaster, cpuBackup float64 // % of one core
	rssMaster, rssBackup int     // KiB, max over the window
	pssMaster            int
	procs                int
	settle, startCPU     time.Duration
	spurious             int
}

func measureResources(t *testing.T, d vrrplab.Daemon, n int, window time.Duration) resources {
	e := vrrplab.New(t, 2)
	mk := func(prio int, state string) vrrplab.Config {
		c := vrrplab.Config{Version: 2, NoNotifyScript: true}
		for i := 1; i <= n; i++ {
			c.Instances = append(c.Instances, vrrplab.Instance{
				VRID: i, Priority: prio, State: state, AdvertInt: "1",
				VIPs: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 214, byte(i >> 8), byte(i)}), 32)},
			})
		}
		return c
	}
	r1 := e.Router(t, 1, d, mk(150, "MASTER"))
	r2 := e.Router(t, 2, d, mk(100, "BACKUP"))
	t0 := time.Now()
	r1.Start(t)
	r2.Start(t)
	count := func(r *vrrplab.Router, state string) int {
		c := 0
		for i := 1; i <= n; i++ {
			if r.State(fmt.Sprintf("VI_%d", i)) == state {
				c++
			}
		}
		return c
	}
	deadline := time.Now().Add(60 * time.Second)
	for count(r1, "MASTER") < n || count(r2, "BACKUP") < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d MASTER on h1, %d BACKUP on h2 after 60 s", d, count(r1, "MASTER"), count(r2, "BACKUP"))
		}
		if !r1.Running() || !r2.Running() {
			r1.WaitState(t, "VI_1", "MASTER", 0) // reports the exit
			r2.WaitState(t, "VI_1", "BACKUP", 0)
		}
		time.Sleep(200 * time.Millisecond)
	}
	res := resources{settle: time.Since(t0)}
	for _, p := range r1.Pids() {
		res.startCPU += time.Duration(vrrplab.CPUTime(p))
	}
	// Past the delayed GARP burst (vrrp_garp_master_delay 5 s).
	time.Sleep(8 * time.Second)
	p1, p2 := r1.Pids(), r2.Pids()
	res.procs = len(p1)
	cpu := func(ps []int) (n int64) {
		for _, p := range ps {
			n += vrrplab.CPUTime(p)
		}
		return n
	}
	mem := func(ps []int, k string) (n int) {
		for _, p := range ps {
			n += vrrplab.Memory(p)[k]
		}
		return n
	}
	c1, c2, w0 := cpu(p1), cpu(p2), time.Now()
	for end := w0.Add(window); time.Now().Before(end); time.Sleep(time.Second) {
		res.rssMaster = max(res.rssMaster, mem(p1, "VmRSS"))
		res.rssBackup = max(res.rssBackup, mem(p2, "VmRSS"))
	}
	el := float64(time.Since(w0))
	res.cpuMaster = float64(cpu(p1)-c1) / el * 100
	res.cpuBackup = float64(cpu(p2)-c2) / el * 100
	res.pssMaster = mem(p1, "Pss")
	for _, ev := range r2.Events() {
		if ev.State == "MASTER" {
			res.spurious++
		}
	}
	t.Logf("%s: %+v", d, res)
	return res
}
