//go:build !vmtest

package main

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/internal/lab"
	"github.com/dsas/keepalived-go/internal/netns"
)

// TestFIFOPriorityAndReloadLines: vrrp_notify_priority_changes and
// fifo_write_vrrp_states_on_reload on the notify FIFO. A track_file's
// weight moves the effective priority (MASTER_PRIORITY line); a SIGHUP
// that keeps a MASTER writes nothing for it (keepalived repeats only
// BACKUP and FAULT instances and groups). HOST_LAB_DAEMON=/usr/sbin/keepalived
// gives keepalived 2.2.7's lines, which are the ones wanted here.
func TestFIFOPriorityAndReloadLines(t *testing.T) {
	netns.SkipUnlessRoot(t)
	l := lab.New(t, 1)
	h := l.Host(1)
	dir := t.TempDir()
	fifo, file := filepath.Join(dir, "fifo"), filepath.Join(dir, "track")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []string
	go func() {
		f, err := os.Open(fifo) // blocks until the daemon opens it
		if err != nil {
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			mu.Unlock()
		}
	}()
	got := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(lines)
	}
	conf := "global_defs {\n  notify_fifo " + fifo + "\n  vrrp_notify_priority_changes\n  fifo_write_vrrp_states_on_reload\n}\n" +
		"track_file tf {\n  file " + file + "\n  weight 10\n}\n" +
		strings.Replace(conf(150, vip1), "  virtual_ipaddress {", "  track_file {\n    tf\n  }\n  virtual_ipaddress {", 1)
	r := startReloadRouter(t, h, conf, os.Getenv("HOST_LAB_DAEMON"))
	has := func(want string) func() bool {
		return func() bool { return slices.Contains(got(), want) }
	}
	r.waitFor("MASTER on the FIFO", has(`INSTANCE "VI_1" MASTER 150`))
	if err := os.WriteFile(file, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.waitFor("the priority change on the FIFO", has(`INSTANCE "VI_1" MASTER_PRIORITY 160`))
	n := len(got())
	reloads := strings.Count(r.proc.Output(), "Reload complete")
	r.signal(syscall.SIGHUP)
	r.waitFor("the reload", func() bool { return strings.Count(r.proc.Output(), "Reload complete") > reloads })
	time.Sleep(500 * time.Millisecond)
	if g := got(); len(g) != n {
		t.Errorf("a reload that kept the MASTER wrote %q", g[n:])
	}
	t.Logf("FIFO lines: %q", got())
	r.signal(syscall.SIGTERM)
}
