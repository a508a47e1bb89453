// Command benchchecker measures the LVS checker engine of keepalived-go next
// to keepalived 2.2.7's checker process, one after the other in the same
// (virtual) machine. It needs IPVS, so scripts/bench-checker.sh runs it in the
// qemu VM of tools/vm; it prints one "RESULT name ours theirs" line per
// measure, which the script turns into ratios.
//
// Measures (each per daemon): CPU per HTTP_GET check and RSS with N real
// servers at delay_loop 1; the time from killing K real servers to their
// removal from IPVS and from restarting them to their return; the start of
// S virtual servers × 4 real servers (time to the table, CPU, RSS, CPU over
// the first delay_loop); and idle CPU with S × 4 destinations, no checkers.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const basePort = 20000

type options struct {
	ours, theirs string
	reals        []int
	window       time.Duration
	kill         int
	scale        int
	scaleDelay   int
	idle         time.Duration
	idleScales   []int
	runs         int
	daemons      string
	start        bool
	memstats     bool
	heapstats    bool
	dir          string
}

func main() {
	var o options
	var reals, idleScales string
	flag.StringVar(&o.ours, "ours", "./keepalived-go", "keepalived-go binary")
	flag.StringVar(&o.theirs, "theirs", "", "keepalived 2.2.7 binary (default: the VM's /usr/local/sbin/keepalived, else /usr/sbin/keepalived)")
	flag.StringVar(&reals, "reals", "200,1000", "real server counts for the CPU measure")
	flag.DurationVar(&o.window, "window", 20*time.Second, "CPU window with N real servers")
	flag.IntVar(&o.kill, "kill", 500, "real servers killed after the window of the largest N (0: none)")
	flag.IntVar(&o.scale, "scale", 10000, "virtual servers (× 4 real servers) for the start and idle measures (0: none)")
	flag.IntVar(&o.scaleDelay, "scale-delay", 60, "delay_loop of the start measure, seconds")
	flag.DurationVar(&o.idle, "idle", 100*time.Second, "idle window with scale × 4 destinations (0: none)")
	flag.StringVar(&idleScales, "idle-scales", "", "virtual server counts (× 4) for the idle measure, e.g. 1000,10000 to show whether idle cost grows with the table (default: -scale)")
	flag.IntVar(&o.runs, "runs", 1, "runs (the daemons alternate which goes first)")
	flag.BoolVar(&o.memstats, "memstats", false, "print where each daemon's resident set is after each window (SMAPS, PAGES lines)")
	flag.BoolVar(&o.heapstats, "heapstats", false, "with -memstats, also ours' runtime memory classes and heap profile (MEMSTATS, HEAPB64; the profiles touch pages of their own)")
	flag.BoolVar(&o.start, "start", true, "measure the start of scale x 4 with checkers")
	flag.StringVar(&o.daemons, "daemons", "ours,theirs", "which daemons to measure (a profiling run needs only ours)")
	flag.Parse()
	o.reals = ints(reals)
	o.idleScales = ints(idleScales)
	if len(o.idleScales) == 0 && o.scale > 0 {
		o.idleScales = []int{o.scale}
	}
	if o.theirs == "" {
		o.theirs = "/usr/sbin/keepalived"
		if _, err := os.Stat("/usr/local/sbin/keepalived"); err == nil {
			o.theirs = "/usr/local/sbin/keepalived"
		}
	}
	raiseNoFile()
	dir, err := os.MkdirTemp("", "benchchecker")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	o.dir = dir
	if err := run(o); err != nil {
		fatal(err)
	}
}

// ints is the positive numbers of a comma-separated list.
func ints(list string) []int {
	var out []int
	for _, f := range strings.Split(list, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchchecker:", err)
	os.Exit(1)
}

func raiseNoFile() {
	lim := syscall.Rlimit{Cur: 1 << 20, Max: 1 << 20}
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}

// daemon is one of the two binaries under test.
type daemon struct {
	name, bin string
}

func run(o options) error {
	var ds []daemon
	for _, d := range []daemon{{"ours", o.ours}, {"theirs", o.theirs}} {
		if strings.Contains(o.daemons, d.name) {
			ds = append(ds, d)
		}
	}
	resp := &responder{lns: map[int]net.Listener{}}
	for r := range o.runs {
		order := ds
		if r%2 == 1 && len(ds) == 2 {
			order = []daemon{ds[1], ds[0]}
		}
		fmt.Printf("# run %d\n", r+1)
		for i, n := range o.reals {
			killN := 0
			if i == len(o.reals)-1 {
				killN = o.kill
			}
			for _, d := range order {
				if err := measureChecks(o, d, resp, n, killN); err != nil {
					logTail(o, d)
					return fmt.Errorf("%s, %d real servers: %w", d.name, n, err)
				}
			}
		}
		if o.scale > 0 && o.start {
			for _, d := range order {
				if err := measureScale(o, d, resp); err != nil {
					logTail(o, d)
					return fmt.Errorf("%s, start of %d virtual servers: %w", d.name, o.scale, err)
				}
			}
		}
		for _, scale := range o.idleScales {
			if o.idle <= 0 {
				break
			}
			for _, d := range order {
				if err := measureIdle(o, d, scale); err != nil {
					logTail(o, d)
					return fmt.Errorf("%s, idle at %d: %w", d.name, scale, err)
				}
			}
		}
	}
	return nil
}

// logTail prints the end of d's log after a failed measure.
func logTail(o options, d daemon) {
	b, _ := os.ReadFile(filepath.Join(o.dir, d.name+".log"))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	fmt.Fprintf(os.Stderr, "--- last lines of %s's log\n%s\n", d.name, strings.Join(lines[max(0, len(lines)-40):], "\n"))
}

func result(name string, d daemon, v float64) {
	fmt.Printf("RESULT %s %s %.6g\n", name, d.name, v)
}

// checkConf writes nvs virtual servers of per real servers each, real
// server j of service i on 127.0.0.1:port(i, j), checked by HTTP_GET when
// delay > 0.
func checkConf(path string, nvs, per, delay int, port func(i, j int) int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "global_defs {\n  router_id benchchecker\n}")
	for i := range nvs {
		fmt.Fprintf(w, "virtual_server 10.100.%d.%d 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n", byte(i>>8), byte(i))
		if delay > 0 {
			fmt.Fprintf(w, "  delay_loop %d\n", delay)
		}
		for j := range per {
			fmt.Fprintf(w, "  real_server 127.0.0.1 %d {\n    weight 1\n", port(i, j))
			if delay > 0 {
				fmt.Fprint(w, "    HTTP_GET {\n      url {\n        path /\n        status_code 200\n      }\n"+
					"      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n    }\n")
			}
			fmt.Fprintln(w, "  }")
		}
		fmt.Fprintln(w, "}")
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// proc is a started daemon.
type proc struct {
	cmd     *exec.Cmd
	pidfile string // the checker process's pid file
	done    chan error
	log     *os.File
	memFile string // KEEPALIVED_GO_MEMSTATS of ours with -memstats
}

func start(o options, d daemon, conf string) (*proc, error) {
	lf, err := os.Create(filepath.Join(o.dir, d.name+".log"))
	if err != nil {
		return nil, err
	}
	p := &proc{pidfile: filepath.Join(o.dir, d.name+"-c.pid"), done: make(chan error, 1), log: lf}
	os.Remove(p.pidfile)
	p.cmd = exec.Command(d.bin, "-n", "-l", "-G", "-C", "-f", conf,
		"-p", filepath.Join(o.dir, d.name+".pid"), "-c", p.pidfile)
	if d.name == "ours" {
		p.cmd.Args = append(p.cmd.Args, "--control-socket", "-")
		if o.heapstats {
			p.memFile = filepath.Join(o.dir, "ours.mem")
			p.cmd.Env = append(os.Environ(), "KEEPALIVED_GO_MEMSTATS="+p.memFile)
		}
	}
	p.cmd.Stdout, p.cmd.Stderr = lf, lf
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.done <- p.cmd.Wait() }()
	return p, nil
}

// checker is the pid of the process that runs the checkers: keepalived's
// child, keepalived-go's only process.
func (p *proc) checker() int {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(p.pidfile)
		if err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
				return pid
			}
		}
	}
	return p.cmd.Process.Pid
}

func (p *proc) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(120 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.log.Close()
	return exec.Command("ipvsadm", "-C").Run()
}

// cpu is the user+system time of pid (all its threads, dead ones too).
func cpu(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * 10 * time.Millisecond // USER_HZ 100
}

// sysCPU is the system part of cpu(pid).
func sysCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(k) * 10 * time.Millisecond
}

// switches is the context switches (voluntary and not) of pid's live
// threads: each is a sleep and a wake-up, costly under TCG.
func switches(pid int) float64 {
	dirs, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	n := 0.0
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "voluntary_ctxt_switches:"); ok {
				x, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
				n += x
			} else if v, ok := strings.CutPrefix(l, "nonvoluntary_ctxt_switches:"); ok {
				x, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
				n += x
			}
		}
	}
	return n
}

// rss is VmRSS of pid in KiB.
func rss(pid int) float64 { return statusKiB(pid, "VmRSS:") }

// statusKiB is a KiB field of pid's /proc status.
func statusKiB(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field); ok {
			n, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return n
		}
	}
	return 0
}

// waitUntil polls cond every step until it holds or limit passes.
func waitUntil(limit, step time.Duration, cond func() bool) error {
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(step) {
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
	}
	return nil
}

// responder answers HTTP GETs on 127.0.0.1 ports with 200 and counts them.
type responder struct {
	mu   sync.Mutex
	lns  map[int]net.Listener
	hits atomic.Int64
	// accepts counts connections, answered or not: a check that times
	// out after connecting shows here and not in hits.
	accepts atomic.Int64
}

func (r *responder) open(port int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lns[port] != nil {
		return nil
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return err
	}
	r.lns[port] = ln
	go r.serve(ln)
	return nil
}

func (r *responder) close(port int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ln := r.lns[port]; ln != nil {
		ln.Close()
		delete(r.lns, port)
	}
}

func (r *responder) closeAll() {
	r.mu.Lock()
	ports := make([]int, 0, len(r.lns))
	for p := range r.lns {
		ports = append(ports, p)
	}
	r.mu.Unlock()
	for _, p := range ports {
		r.close(p)
	}
}

var response = []byte("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n")

func (r *responder) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		r.accepts.Add(1)
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 2048)
			n := 0
			for !strings.Contains(string(buf[:n]), "\r\n\r\n") && n < len(buf) {
				m, err := c.Read(buf[n:])
				if err != nil {
					return
				}
				n += m
			}
			r.hits.Add(1)
			_, _ = c.Write(response)
		}()
	}
}
