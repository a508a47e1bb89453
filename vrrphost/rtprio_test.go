package vrrphost

import (
	"bytes"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/internal/netns"
)

// TestAutoPriority: each late timer raises every thread of the process one
// realtime step, from SCHED_RR 1 up to max_auto_priority, with keepalived's
// log lines; max 0 only logs.
func TestAutoPriority(t *testing.T) {
	netns.SkipUnlessRoot(t)
	t.Cleanup(func() { _ = SetRealtime(0) })
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	off := NewAutoPriority(0, log)
	off.Late(1500 * time.Millisecond)
	if p := policies(t); p != "0/0" {
		t.Fatalf("max 0 changed the policy: %s", p)
	}
	a := NewAutoPriority(2, log)
	for _, want := range []string{"2/1", "2/2", "2/2"} { // SCHED_RR = 2
		a.Late(1500 * time.Millisecond)
		if p := policies(t); p != want {
			t.Fatalf("policy/priority of the threads %s, want %s", p, want)
		}
	}
	out := buf.String()
	for _, want := range []string{"A thread timer expired 1.500000 seconds ago", "Set realtime priority 1", "Set realtime priority 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// policies returns "policy/priority" when every thread agrees.
func policies(t *testing.T) string {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range tasks {
		tid, _ := strconv.Atoi(e.Name())
		attr, err := unix.SchedGetAttr(tid, 0)
		if err != nil {
			continue // exited
		}
		seen[strconv.Itoa(int(attr.Policy))+"/"+strconv.Itoa(int(attr.Priority))] = true
	}
	if len(seen) != 1 {
		t.Fatalf("threads disagree: %v", seen)
	}
	for k := range seen {
		return k
	}
	return ""
}
