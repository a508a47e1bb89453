package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/ipvs"
)

// destPorts counts the destinations in the kernel whose port satisfies in.
func destPorts(c *ipvs.Conn, in func(port int) bool) int {
	svcs, err := c.Services()
	if err != nil {
		return -1
	}
	n := 0
	for _, s := range svcs {
		for _, d := range s.Destinations {
			if in(int(d.Port)) {
				n++
			}
		}
	}
	return n
}

// measureChecks runs d with n real servers (100 per virtual server) checked
// by HTTP_GET at delay_loop 1, measures CPU per check and RSS over the
// window, then, when killN > 0, the removal and return of killN of them.
func measureChecks(o options, d daemon, resp *responder, n, killN int) error {
	per := min(n, 100)
	nvs := (n + per - 1) / per
	port := func(i, j int) int { return basePort + i*per + j }
	for p := range n {
		if err := resp.open(basePort + p); err != nil {
			return err
		}
	}
	defer resp.closeAll()
	conf := filepath.Join(o.dir, "checks.conf")
	if err := checkConf(conf, nvs, per, 1, port); err != nil {
		return err
	}
	c, err := ipvs.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	p, err := start(o, d, conf)
	if err != nil {
		return err
	}
	defer p.stop()
	all := func(int) bool { return true }
	if err := waitUntil(5*time.Minute, 200*time.Millisecond, func() bool { return destPorts(c, all) == n }); err != nil {
		return fmt.Errorf("waiting for %d destinations: %w", n, err)
	}
	pid := p.checker()
	time.Sleep(3 * time.Second)
	c0, h0, a0, t0 := cpu(pid), resp.hits.Load(), resp.accepts.Load(), time.Now()
	s0, x0 := sysCPU(pid), switches(pid)
	logFile := filepath.Join(o.dir, d.name+".log")
	g0 := gcLines(logFile)
	rssMean, rssMax := sampleRSS(pid, o.window)
	c1, h1, a1, t1 := cpu(pid), resp.hits.Load(), resp.accepts.Load(), time.Now()
	s1, x1 := sysCPU(pid), switches(pid)
	result(fmt.Sprintf("checks%d.connections_per_s", n), d, float64(a1-a0)/t1.Sub(t0).Seconds())
	checks := float64(h1 - h0)
	result(fmt.Sprintf("checks%d.cpu_percent", n), d, 100*(c1-c0).Seconds()/t1.Sub(t0).Seconds())
	result(fmt.Sprintf("checks%d.cpu_us_per_check", n), d, float64((c1-c0).Microseconds())/checks)
	result(fmt.Sprintf("checks%d.sys_us_per_check", n), d, float64((s1-s0).Microseconds())/checks)
	result(fmt.Sprintf("checks%d.switches_per_check", n), d, (x1-x0)/checks)
	result(fmt.Sprintf("checks%d.checks_per_s_of_%d", n, n), d, checks/t1.Sub(t0).Seconds())
	result(fmt.Sprintf("checks%d.rss_kib", n), d, rss(pid))
	result(fmt.Sprintf("checks%d.rss_mean_kib", n), d, rssMean)
	result(fmt.Sprintf("checks%d.rss_max_kib", n), d, rssMax)
	result(fmt.Sprintf("checks%d.rss_anon_kib", n), d, statusKiB(pid, "RssAnon:"))
	result(fmt.Sprintf("checks%d.rss_file_kib", n), d, statusKiB(pid, "RssFile:"))
	if d.name == "ours" && strings.Contains(os.Getenv("GODEBUG"), "gctrace=1") {
		result(fmt.Sprintf("checks%d.gc_per_check", n), d, float64(gcLines(logFile)-g0)/checks)
	}
	if o.memstats {
		memDump(fmt.Sprintf("%s/%d", d.name, n), pid, p.memFile)
	}
	if killN <= 0 {
		return nil
	}
	killed := func(port int) bool { return port >= basePort && port < basePort+killN }
	tk := time.Now()
	for p := range killN {
		resp.close(basePort + p)
	}
	// A daemon that never gets there is reported at the limit (a lower
	// bound, said on stderr) so the other measures still run.
	if err := waitUntil(killLimit, 50*time.Millisecond, func() bool { return destPorts(c, killed) == 0 }); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %d of %d killed real servers still in IPVS after %s\n", d.name, destPorts(c, killed), killN, killLimit)
	}
	result(fmt.Sprintf("kill%d.removed_s", killN), d, time.Since(tk).Seconds())
	tr := time.Now()
	for p := range killN {
		if err := resp.open(basePort + p); err != nil {
			return err
		}
	}
	if err := waitUntil(killLimit, 50*time.Millisecond, func() bool { return destPorts(c, killed) == killN }); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %d of %d restarted real servers back in IPVS after %s\n", d.name, destPorts(c, killed), killN, killLimit)
	}
	result(fmt.Sprintf("kill%d.readded_s", killN), d, time.Since(tr).Seconds())
	return nil
}

// sampleRSS samples pid's VmRSS every second for window: its mean and
// maximum (a Go heap and a periodic trim make the RSS of a moment noisy).
func sampleRSS(pid int, window time.Duration) (mean, peak float64) {
	n := 0
	for end := time.Now().Add(window); time.Now().Before(end); {
		time.Sleep(min(time.Second, time.Until(end)))
		v := rss(pid)
		mean += v
		peak = max(peak, v)
		n++
	}
	if n > 0 {
		mean /= float64(n)
	}
	return mean, peak
}

// killLimit bounds the wait for killed real servers to leave and return.
const killLimit = 3 * time.Minute

// lastHas reports whether the last of nvs virtual servers has want
// destinations: both daemons program in configuration order.
func lastHas(nvs, want int) bool {
	i := nvs - 1
	out, err := exec.Command("ipvsadm", "-Ln", "-t", fmt.Sprintf("10.100.%d.%d:80", byte(i>>8), byte(i))).Output()
	if err != nil {
		return false
	}
	return strings.Count(string(out), "->")-1 == want // minus the header line
}

// measureScale starts d with o.scale virtual servers × 4 real servers
// checked by HTTP_GET at delay_loop o.scaleDelay: time and CPU until the
// whole table is in the kernel, RSS then, and CPU, checks answered and
// RSS over the delay_loop that follows.
func measureScale(o options, d daemon, resp *responder) error {
	for j := range 4 {
		if err := resp.open(basePort + j); err != nil {
			return err
		}
	}
	defer resp.closeAll()
	conf := filepath.Join(o.dir, "scale.conf")
	if err := checkConf(conf, o.scale, 4, o.scaleDelay, func(_, j int) int { return basePort + j }); err != nil {
		return err
	}
	h0 := resp.hits.Load()
	t0 := time.Now()
	p, err := start(o, d, conf)
	if err != nil {
		return err
	}
	defer p.stop()
	if err := waitUntil(10*time.Minute, 250*time.Millisecond, func() bool { return lastHas(o.scale, 4) }); err != nil {
		return fmt.Errorf("waiting for the table: %w", err)
	}
	up := time.Since(t0)
	pid := p.checker()
	name := fmt.Sprintf("start%dx4", o.scale)
	result(name+".table_s", d, up.Seconds())
	result(name+".table_cpu_s", d, cpu(pid).Seconds())
	result(name+".table_rss_kib", d, rss(pid))
	// Then one delay_loop with the table in place: every checker runs
	// about once (or catches up when the start delayed it).
	cu, hu := cpu(pid), resp.hits.Load()
	time.Sleep(time.Duration(o.scaleDelay) * time.Second)
	result(name+".next_interval_cpu_s", d, (cpu(pid) - cu).Seconds())
	result(name+".next_interval_checks", d, float64(resp.hits.Load()-hu))
	result(name+".next_interval_rss_kib", d, rss(pid))
	result(name+".checks_until_then", d, float64(resp.hits.Load()-h0))
	return nil
}

// measureIdle starts d with scale × 4 destinations and no checkers and
// measures its CPU, context switches and RSS over o.idle once the table is in.
func measureIdle(o options, d daemon, scale int) error {
	conf := filepath.Join(o.dir, "idle.conf")
	if err := checkConf(conf, scale, 4, 0, func(_, j int) int { return basePort + j }); err != nil {
		return err
	}
	p, err := start(o, d, conf)
	if err != nil {
		return err
	}
	defer p.stop()
	if err := waitUntil(10*time.Minute, 250*time.Millisecond, func() bool { return lastHas(scale, 4) }); err != nil {
		return fmt.Errorf("waiting for the table: %w", err)
	}
	pid := p.checker()
	time.Sleep(5 * time.Second)
	logFile := filepath.Join(o.dir, d.name+".log")
	c0, s0, x0, g0 := cpu(pid), sysCPU(pid), switches(pid), gcLines(logFile)
	time.Sleep(o.idle)
	name := fmt.Sprintf("idle%dx4_%ds", scale, int(o.idle.Seconds()))
	result(name+".cpu_s", d, (cpu(pid) - c0).Seconds())
	result(name+".sys_cpu_s", d, (sysCPU(pid) - s0).Seconds())
	// Wake-ups: every context switch of every thread, so timers, GC
	// and the drift check all count.
	result(name+".switches", d, switches(pid)-x0)
	result(name+".rss_mb", d, rss(pid)/1024)
	if d.name == "ours" && strings.Contains(os.Getenv("GODEBUG"), "gctrace=1") {
		result(name+".gc_cycles", d, float64(gcLines(logFile)-g0))
	}
	return nil
}

// gcLines counts the runtime's GODEBUG=gctrace=1 lines in a daemon's log.
func gcLines(log string) int {
	b, _ := os.ReadFile(log)
	n := 0
	for l := range strings.Lines(string(b)) {
		if strings.HasPrefix(l, "gc ") {
			n++
		}
	}
	return n
}
