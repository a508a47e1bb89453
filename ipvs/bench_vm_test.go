//go:build vmtest

package ipvs

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

const (
	benchServices = 10000
	benchDests    = 10
)

// benchTable is benchServices NAT services of benchDests destinations each.
func benchTable() Table {
	t := make(Table, 0, benchServices)
	for i := range benchServices {
		s := Service{
			ServiceKey: ServiceKey{Protocol: TCP, Addr: netip.AddrFrom4([4]byte{10, 100, byte(i >> 8), byte(i)}), Port: 80},
			Scheduler:  "wlc",
		}
		for j := range benchDests {
			s.Destinations = append(s.Destinations, Destination{
				Addr: netip.AddrFrom4([4]byte{10, 200, byte(j), 1}), Port: 8080, Forward: NAT, Weight: 1,
			})
		}
		t = append(t, s)
	}
	return t
}

// BenchmarkVMReconcile programs 10 000 services × 10 destinations into an
// empty kernel table (create) and re-reconciles the programmed table (noop).
//
//	CGO_ENABLED=0 go test -tags vmtest -exec "$PWD/tools/vm/run-in-vm.sh" \
//	  -run '^$' -bench VMReconcile -benchtime 1x ./ipvs/
func BenchmarkVMReconcile(b *testing.B) {
	table := benchTable()
	c := vmConn(b)
	b.Run("create", func(b *testing.B) {
		var n int
		for b.Loop() {
			b.StopTimer()
			if err := c.Flush(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			done, err := Reconcile(c, table, nil)
			if err != nil {
				b.Fatal(err)
			}
			n = len(done)
		}
		b.ReportMetric(float64(n), "changes/op")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/change")
	})
	b.Run("noop", func(b *testing.B) {
		if _, err := Reconcile(c, table, nil); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			done, err := Reconcile(c, table, nil)
			if err != nil || len(done) != 0 {
				b.Fatalf("Reconcile = %d changes, %v", len(done), err)
			}
		}
	})
}

// BenchmarkVMKeepalived has keepalived (the host's binary, copied into the
// VM) program the same table from a generated keepalived.conf, for a
// comparison with BenchmarkVMReconcile/create. It measures from start until
// the last service has all its destinations.
func BenchmarkVMKeepalived(b *testing.B) {
	if _, err := exec.LookPath("keepalived"); err != nil {
		b.Skip("no keepalived binary")
	}
	table := benchTable()
	c := vmConn(b)
	dir := b.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	writeKeepalivedConf(b, conf, table)
	last := table[len(table)-1].ServiceKey
	for b.Loop() {
		b.StopTimer()
		if err := c.Flush(); err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command("keepalived", "-n", "-C", "-f", conf,
			"-p", filepath.Join(dir, "keepalived.pid"), "-c", filepath.Join(dir, "checkers.pid"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		b.StartTimer()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Minute)
		for {
			ds, err := c.cf.Destinations(keyToCF(last))
			if err == nil && len(ds) == benchDests {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("keepalived did not program %s in time", last)
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.StopTimer()
		// SIGKILL: on SIGTERM keepalived would delete every entry one by one.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		got, err := Reconcile(c, table, nil)
		if err != nil || len(got) != 0 {
			b.Errorf("keepalived's table differs from ours by %d changes (%v), e.g. %v", len(got), err, got[:min(len(got), 3)])
		}
		b.StartTimer()
	}
}

func writeKeepalivedConf(b *testing.B, path string, table Table) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "global_defs {\n  router_id bench\n}")
	for _, s := range table {
		fmt.Fprintf(w, "virtual_server %s %d {\n  lvs_sched %s\n  lvs_method NAT\n  protocol TCP\n", s.Addr, s.Port, s.Scheduler)
		for _, d := range s.Destinations {
			fmt.Fprintf(w, "  real_server %s %d {\n    weight %d\n  }\n", d.Addr, d.Port, d.Weight)
		}
		fmt.Fprintln(w, "}")
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
