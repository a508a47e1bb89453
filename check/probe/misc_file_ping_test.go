package probe

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "check.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMisc(t *testing.T) {
	for _, tc := range []struct {
		name    string
		body    string
		dynamic bool
		want    Result
		wantOK  bool
	}{
		{"exit 0", "exit 0", false, Result{}, true},
		{"exit 1", "exit 1", false, Result{}, false},
		{"exit 7 without misc_dynamic", "exit 7", false, Result{}, false},
		{"exit 7 dynamic", "exit 7", true, Result{Mode: WeightAbsolute, Weight: 5}, true},
		{"exit 2 dynamic", "exit 2", true, Result{Mode: WeightAbsolute, Weight: 0}, true},
		{"exit 0 dynamic", "exit 0", true, Result{Mode: WeightRelative}, true},
		{"exit 1 dynamic", "exit 1", true, Result{}, false},
		{"killed by signal", "kill -9 $$", false, Result{}, false},
		{"no shell semantics in argv", `test "$1" = '$HOME'`, false, Result{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			m := &Misc{Argv: []string{script(t, tc.body), "$HOME"}, Timeout: 10 * time.Second, Dynamic: tc.dynamic}
			r := mustReturn(t, m)
			if r.OK() != tc.wantOK || (r.OK() && r != tc.want) {
				t.Fatalf("got %+v, want ok=%v %+v", r, tc.wantOK, tc.want)
			}
		})
	}
}

func TestMiscShellRule(t *testing.T) {
	leakCheck(t)
	if r := mustReturn(t, &Misc{Argv: []string{"</dev/null"}, Timeout: 5 * time.Second}); !r.OK() {
		t.Fatalf("</dev/null: %v", r.Err)
	}
	if r := mustReturn(t, &Misc{Argv: []string{"</nonexistent/x"}, Timeout: 5 * time.Second}); r.OK() {
		t.Fatal("</nonexistent passed")
	}
	if r := mustReturn(t, &Misc{Argv: []string{"/nonexistent/check"}, Timeout: 5 * time.Second}); r.OK() {
		t.Fatal("missing program passed")
	}
}

// gone reports whether pid has been reaped or is at least dead (a zombie
// reparented to a PID 1 that does not reap still counts as dead).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestMiscTimeoutKillsGroup(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		// Everybody ignores SIGTERM: only the SIGKILL after the grace ends it.
		{"all ignore TERM", "trap '' TERM\nsleep 1000 &\necho $! > $1/child\necho $$ > $1/leader\nwait"},
		// The leader obeys SIGTERM, its child does not and must not survive.
		{"child ignores TERM", "(trap '' TERM; exec sleep 1000) &\necho $! > $1/child\necho $$ > $1/leader\nwait"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			dir := t.TempDir()
			m := &Misc{Argv: []string{script(t, tc.body), dir}, Timeout: 500 * time.Millisecond, KillGrace: 100 * time.Millisecond}
			r := mustReturn(t, m)
			if r.OK() {
				t.Fatal("hung script passed")
			}
			leader, child := readPid(t, filepath.Join(dir, "leader")), readPid(t, filepath.Join(dir, "child"))
			if _, err := os.Stat("/proc/" + strconv.Itoa(leader)); err == nil {
				t.Errorf("leader %d not reaped", leader)
			}
			for range 100 { // the kernel finishes the SIGKILL asynchronously
				if gone(child) {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
			t.Errorf("child %d survived the group kill", child)
		})
	}
}

func TestMiscCancel(t *testing.T) {
	leakCheck(t)
	m := &Misc{Argv: []string{"sleep", "1000"}, Timeout: time.Hour, KillGrace: 100 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result, 1)
	go func() { done <- m.Check(ctx) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case r := <-done:
		if r.OK() {
			t.Fatal("cancelled script passed")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("cancel did not stop the script")
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name     string
		content  *string
		weight   int64
		reverse  bool
		wantOK   bool
		wantMode WeightMode
		wantW    int64
	}{
		{"missing file is 0", nil, 0, false, true, WeightNone, 0},
		{"0 with weight 0", ptr("0\n"), 0, false, true, WeightNone, 0},
		{"1 with weight 0 fails", ptr("1"), 0, false, false, 0, 0},
		{"0 with weight 0 reverse fails", ptr("0"), 0, true, false, 0, 0},
		{"3 × 10", ptr("  3 trailing"), 10, false, true, WeightRelative, 30},
		{"3 × 10 reverse", ptr("3"), 10, true, true, WeightRelative, -30},
		{"hex", ptr("0x10"), 1, false, true, WeightRelative, 16},
		{"octal", ptr("010"), 1, false, true, WeightRelative, 8},
		{"negative", ptr("-2"), 5, false, true, WeightRelative, -10},
		{"fault", ptr("-2147483648"), 1, false, false, 0, 0},
		{"garbage is 0", ptr("abc"), 5, false, true, WeightRelative, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			if tc.content != nil {
				if err := os.WriteFile(p, []byte(*tc.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := (&File{Path: p, Weight: tc.weight, Reverse: tc.reverse}).Check(context.Background())
			if r.OK() != tc.wantOK || (r.OK() && (r.Mode != tc.wantMode || r.Weight != tc.wantW)) {
				t.Fatalf("got %+v", r)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestPing(t *testing.T) {
	leakCheck(t)
	for _, a := range []string{"127.0.0.1", "::1"} {
		p := &Ping{Conn: Conn{Addr: netip.AddrPortFrom(netip.MustParseAddr(a), 0), Timeout: 2 * time.Second}}
		r := mustReturn(t, p)
		if !r.OK() && a == "::1" && strings.Contains(r.Err.Error(), "socket") {
			t.Logf("no IPv6 ICMP here: %v", r.Err)
			continue
		}
		if !r.OK() {
			t.Fatalf("ping %s: %v", a, r.Err)
		}
	}
}
