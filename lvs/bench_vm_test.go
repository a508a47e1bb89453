//go:build vmtest

package lvs

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/parser"
)

const (
	benchServices = 10000
	benchDests    = 10
)

// writeBenchConf writes benchServices NAT services of benchDests real
// servers each, without checkers, all with weight w: the table of
// ipvs.BenchmarkVMReconcile as a keepalived.conf.
func writeBenchConf(b *testing.B, path string, w int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	fmt.Fprintln(bw, "global_defs {\n  router_id bench\n}")
	for i := range benchServices {
		fmt.Fprintf(bw, "virtual_server 10.100.%d.%d 80 {\n  lvs_sched wlc\n  lvs_method NAT\n  protocol TCP\n", byte(i>>8), byte(i))
		for j := range benchDests {
			fmt.Fprintf(bw, "  real_server 10.200.%d.1 8080 {\n    weight %d\n  }\n", j, w)
		}
		fmt.Fprintln(bw, "}")
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// lastService is the last service of the bench configuration as
// `ipvsadm -Ln -t` prints it; keepalived programs in configuration order.
var lastService = fmt.Sprintf("10.100.%d.%d:80", (benchServices-1)>>8, (benchServices-1)&0xff)

// lastHasWeight reports whether the last service has all its destinations
// with weight w.
func lastHasWeight(w int) bool {
	out, err := exec.Command("ipvsadm", "-Ln", "-t", lastService).Output()
	if err != nil {
		return false
	}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[0] == "->" && f[2] == "Masq" && f[3] == fmt.Sprint(w) {
			n++
		}
	}
	return n == benchDests
}

func waitFor(b *testing.B, what string, cond func() bool) {
	for deadline := time.Now().Add(10 * time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("timed out waiting for %s", what)
		}
	}
}

// programmedAll reports whether every virtual server of m has had its
// membership programmed since the last start or reload.
func (m *Manager) programmedAll() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.members) == len(m.plan.order)
}

// BenchmarkVMManager measures the whole pipeline (parse, translate, engine,
// reconcile) on 10 000 services × 10 real servers: start-up until all is
// programmed, a reload of the unchanged file (nothing to send) and a reload
// that changes every weight (100 000 updates); and keepalived 2.2.7 doing
// the same start-up and the weight change (SIGHUP), in the same VM. It needs
// about 20 minutes under TCG (VM_TIMEOUT=2400).
//
//	CGO_ENABLED=0 go test -tags vmtest -exec "$PWD/tools/vm/run-in-vm.sh" \
//	  -run '^$' -bench VMManager -benchtime 1x ./lvs/
func BenchmarkVMManager(b *testing.B) {
	c := vmKernel(b)
	dir := b.TempDir()
	conf1, conf2 := filepath.Join(dir, "w1.conf"), filepath.Join(dir, "w2.conf")
	writeBenchConf(b, conf1, 1)
	writeBenchConf(b, conf2, 2)
	load := func(path string) *config.Config {
		cfg, diags, err := parser.Parse(path, parser.Options{})
		if err != nil {
			b.Fatalf("parse: %v %v", err, diags)
		}
		return cfg
	}

	var m *Manager
	var stop func()
	b.Run("start", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if stop != nil {
				stop()
			}
			if err := c.Flush(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			t0 := time.Now()
			cfg := load(conf1)
			t1 := time.Now()
			var err error
			m, err = New(cfg, Options{Resync: -1})
			if err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.Run(ctx) }()
			stop = func() { cancel(); <-done }
			waitFor(b, "start-up", m.programmedAll)
			b.ReportMetric(t1.Sub(t0).Seconds(), "parse-s")
			b.ReportMetric(t2.Sub(t1).Seconds(), "new-s")
			b.ReportMetric(time.Since(t2).Seconds(), "program-s")
		}
	})
	if m == nil {
		b.Fatal("start did not run")
	}
	defer func() { stop() }()
	b.Run("reload-noop", func(b *testing.B) {
		for b.Loop() {
			if err := m.Reload(load(conf1)); err != nil {
				b.Fatal(err)
			}
			waitFor(b, "reload", m.programmedAll)
		}
	})
	b.Run("reload-weights", func(b *testing.B) {
		confs := []string{conf2, conf1}
		for i := 0; b.Loop(); i++ {
			if err := m.Reload(load(confs[i%2])); err != nil {
				b.Fatal(err)
			}
			waitFor(b, "reload", m.programmedAll)
		}
	})
	stop()
	stop = func() {}
	if err := c.Flush(); err != nil {
		b.Fatal(err)
	}

	if _, err := exec.LookPath("keepalived"); err != nil {
		b.Skip("no keepalived binary")
	}
	live := filepath.Join(dir, "keepalived.conf")
	var ka *exec.Cmd
	kill := func() {
		if ka != nil {
			// SIGKILL: on SIGTERM keepalived would delete every entry one by one.
			syscall.Kill(-ka.Process.Pid, syscall.SIGKILL)
			ka.Wait()
			ka = nil
		}
	}
	defer kill()
	b.Run("keepalived-start", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			kill()
			if err := c.Flush(); err != nil {
				b.Fatal(err)
			}
			copyFile(b, conf1, live)
			b.StartTimer()
			ka = exec.Command("keepalived", "-n", "-C", "-f", live,
				"-p", filepath.Join(dir, "keepalived.pid"), "-c", filepath.Join(dir, "checkers.pid"))
			ka.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := ka.Start(); err != nil {
				b.Fatal(err)
			}
			waitFor(b, "keepalived start-up", func() bool { return lastHasWeight(1) })
		}
	})
	b.Run("keepalived-reload-weights", func(b *testing.B) {
		if ka == nil {
			b.Skip("keepalived did not start")
		}
		weights := []int{2, 1}
		for i := 0; b.Loop(); i++ {
			w := weights[i%2]
			b.StopTimer()
			copyFile(b, map[int]string{1: conf1, 2: conf2}[w], live)
			b.StartTimer()
			if err := ka.Process.Signal(syscall.SIGHUP); err != nil {
				b.Fatal(err)
			}
			waitFor(b, "keepalived reload", func() bool { return lastHasWeight(w) })
		}
	})
}

func copyFile(b *testing.B, from, to string) {
	data, err := os.ReadFile(from)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		b.Fatal(err)
	}
}
