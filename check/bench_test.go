package check

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
)

const benchServerEnv = "CHECK_BENCH_SERVER_PORTS"

// TestBenchServer is not a test: BenchmarkEngine10kHTTP re-executes the
// test binary with benchServerEnv set to serve HTTP from another process, so
// the engine's CPU time and RSS are measured without the servers'.
func TestBenchServer(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(benchServerEnv))
	if n == 0 {
		t.Skip("helper process for BenchmarkEngine10kHTTP")
	}
	resp := []byte("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
	var ports []string
	for range n {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					_ = c.SetDeadline(time.Now().Add(5 * time.Second))
					buf := make([]byte, 512)
					var req []byte
					for !bytes.Contains(req, []byte("\r\n\r\n")) {
						k, err := c.Read(buf)
						if err != nil {
							return
						}
						req = append(req, buf[:k]...)
					}
					_, _ = c.Write(resp)
				}()
			}
		}()
	}
	fmt.Println("PORTS", strings.Join(ports, " "))
	_, _ = io.Copy(io.Discard, os.Stdin) // until the benchmark closes our stdin
	os.Exit(0)
}

type nopSink struct{}

func (nopSink) SetMembers(string, []Member) {}
func (nopSink) Event(Event)                 {}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// contextSwitches sums the context switches of this process's threads.
func contextSwitches() float64 {
	files, _ := filepath.Glob("/proc/self/task/*/status")
	n := 0.0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, l := range strings.Split(string(b), "\n") {
			if _, v, ok := strings.Cut(l, "ctxt_switches:"); ok {
				x, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
				n += x
			}
		}
	}
	return n
}

func procStatusKB(field string) float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb
		}
	}
	return 0
}

// BenchmarkEngine10kHTTP runs 10 000 real servers, one HTTP_GET each at
// delay_loop 1 s, against 8 local listeners served by a child process, and
// reports the sustained check rate and this process's CPU and memory.
// Run with: go test -run '^$' -bench Engine10k -benchtime 1x ./check/
// (CHECK_BENCH_SECONDS sets the measuring window, default 10;
// CHECK_BENCH_REALS the number of real servers, default 10 000).
func BenchmarkEngine10kHTTP(b *testing.B) {
	const listeners = 8
	reals := 10000
	if n, err := strconv.Atoi(os.Getenv("CHECK_BENCH_REALS")); err == nil && n > 0 {
		reals = n
	}
	window := 10 * time.Second
	if s, err := strconv.Atoi(os.Getenv("CHECK_BENCH_SECONDS")); err == nil && s > 0 {
		window = time.Duration(s) * time.Second
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchServer$")
	cmd.Env = append(os.Environ(), benchServerEnv+"="+strconv.Itoa(listeners))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "PORTS ") {
		b.Fatalf("server helper: %q %v", line, err)
	}
	ports := strings.Fields(strings.TrimPrefix(line, "PORTS "))

	tm := Timing{DelayLoop: time.Second, DelayBeforeRetry: time.Second, Warmup: time.Second, Retry: 1}
	vs := VirtualServer{ID: "bench", Quorum: 1}
	for i := range reals {
		port, _ := strconv.Atoi(ports[i%len(ports)])
		ap := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
		h := &probe.HTTP{Conn: probe.Conn{Addr: ap, Timeout: 5 * time.Second}, URLs: []probe.URL{{Path: "/"}}}
		vs.Reals = append(vs.Reals, RealServer{ID: strconv.Itoa(i), Weight: 1,
			Checkers: []Checker{{Kind: "HTTP_GET", Probe: h, Timing: tm}}})
	}
	var opts []Option
	if os.Getenv("CHECK_BENCH_NOLOOP") != "" {
		opts = append(opts, WithoutEventLoop())
	}
	for b.Loop() {
		e, err := New([]VirtualServer{vs}, nopSink{}, opts...)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = e.Run(ctx); close(done) }()
		time.Sleep(3 * time.Second) // bootstrap + warmup spread
		c0, cpu0, t0, sw0 := e.Checks(), cpuTime(), time.Now(), contextSwitches()
		time.Sleep(window)
		c1, cpu1, t1, sw1 := e.Checks(), cpuTime(), time.Now(), contextSwitches()
		var failing int
		var lat time.Duration
		for _, s := range e.Status() {
			for _, r := range s.Reals {
				if !r.Alive {
					failing++
				}
				lat += r.Checkers[0].LastDuration
			}
		}
		rss := procStatusKB("VmRSS")
		cancel()
		<-done
		el := t1.Sub(t0).Seconds()
		b.ReportMetric(float64(c1-c0)/el, "checks/s")
		b.ReportMetric((cpu1-cpu0).Seconds()/el, "cpu-s/s")
		b.ReportMetric(float64(cpu1-cpu0)/float64(c1-c0)/1e3, "cpu-µs/check")
		b.ReportMetric((sw1-sw0)/float64(c1-c0), "switches/check")
		b.ReportMetric(rss/1024, "rss-MB")
		b.ReportMetric(procStatusKB("VmHWM")/1024, "peak-rss-MB")
		b.ReportMetric(float64(failing), "rs-down")
		b.ReportMetric(float64(lat.Milliseconds())/float64(reals), "ms/check-latency")
	}
}

// instantProbe succeeds at once: BenchmarkEngineScheduler measures the
// engine's own cost per check, without any network.
type instantProbe struct{}

func (instantProbe) Check(context.Context) probe.Result { return probe.Result{} }

// BenchmarkEngineScheduler runs 10 000 checkers at delay_loop 1 s with
// probes that return at once: the engine's own ceiling and overhead.
func BenchmarkEngineScheduler(b *testing.B) {
	const reals = 10000
	tm := Timing{DelayLoop: time.Second, Warmup: time.Second}
	vs := VirtualServer{ID: "bench"}
	for i := range reals {
		vs.Reals = append(vs.Reals, RealServer{ID: strconv.Itoa(i), Weight: 1,
			Checkers: []Checker{{Kind: "TCP_CHECK", Probe: instantProbe{}, Timing: tm}}})
	}
	for b.Loop() {
		e, err := New([]VirtualServer{vs}, nopSink{})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = e.Run(ctx); close(done) }()
		time.Sleep(2500 * time.Millisecond)
		c0, cpu0, t0 := e.Checks(), cpuTime(), time.Now()
		time.Sleep(5 * time.Second)
		c1, cpu1, t1 := e.Checks(), cpuTime(), time.Now()
		cancel()
		<-done
		el := t1.Sub(t0).Seconds()
		b.ReportMetric(float64(c1-c0)/el, "checks/s")
		b.ReportMetric(float64(cpu1-cpu0)/float64(c1-c0)/1e3, "cpu-µs/check")
		b.ReportMetric(procStatusKB("VmHWM")/1024, "peak-rss-MB")
	}
}
