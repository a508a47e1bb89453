package track

import (
	"context"
	"errors"
	"github.com/dsas/keepalived-go/vrrp"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/vrrp/script"
)

type sink struct {
	mu      sync.Mutex
	scripts []bool
	files   map[string]int
	procs   map[string]bool
	got     chan struct{}
}

func newSink() *sink {
	return &sink{files: map[string]int{}, procs: map[string]bool{}, got: make(chan struct{}, 100)}
}

func (s *sink) ScriptRan(_ string, run vrrp.ScriptRun) {
	ok := run.OK
	s.mu.Lock()
	s.scripts = append(s.scripts, ok)
	s.mu.Unlock()
	s.got <- struct{}{}
}
func (s *sink) FileValue(n string, v int) {
	s.mu.Lock()
	s.files[n] = v
	s.mu.Unlock()
	s.got <- struct{}{}
}
func (s *sink) ProcessRunning(n string, ok bool) {
	s.mu.Lock()
	s.procs[n] = ok
	s.mu.Unlock()
	s.got <- struct{}{}
}

func (s *sink) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-s.got:
		case <-time.After(20 * time.Second):
			t.Fatal("no tracker result")
		}
	}
}

func TestScriptsFeedResults(t *testing.T) {
	var mu sync.Mutex
	runs := 0
	run := func(_ context.Context, argv []string, timeout time.Duration) script.Result {
		mu.Lock()
		defer mu.Unlock()
		runs++
		if timeout != 5*time.Millisecond {
			t.Errorf("timeout %v, want the interval", timeout)
		}
		return script.Result{ExitCode: runs % 2}
	}
	s := newSink()
	tr := Start(Config{Scripts: []Script{{Name: "chk", Argv: []string{"x"}, Interval: 5 * time.Millisecond}}, Run: run}, s)
	s.wait(t, 3)
	tr.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scripts[0] || !s.scripts[1] || s.scripts[2] {
		t.Fatalf("results %v, want alternating from failure", s.scripts)
	}
}

func TestReadFileValue(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		content string
		want    int
	}{
		{"5\n", 5}, {"  -12 trailing", -12}, {"+7", 7}, {"abc", 0}, {"", 0},
	}
	for _, tt := range tests {
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := ReadFileValue(p); got != tt.want {
			t.Errorf("%q: %d, want %d", tt.content, got, tt.want)
		}
	}
	if ReadFileValue(filepath.Join(dir, "missing")) != 0 {
		t.Error("missing file not 0")
	}
}

func TestFilesAndInit(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "prio")
	three := 3
	s := newSink()
	tr := Start(Config{Files: []File{{Name: "f", Path: p, Init: &three}}, Poll: time.Millisecond}, s)
	s.wait(t, 1)
	tr.Stop()
	if s.files["f"] != 3 {
		t.Fatalf("value %d", s.files["f"])
	}
}

func fakeProc(t *testing.T, procs map[string][2]string) string {
	root := t.TempDir()
	for pid, pc := range procs {
		d := filepath.Join(root, pid)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "comm"), []byte(pc[0]+"\n"), 0o644)
		os.WriteFile(filepath.Join(d, "cmdline"), []byte(pc[1]), 0o644)
	}
	os.MkdirAll(filepath.Join(root, "self"), 0o755)
	return root
}

func TestCountProcesses(t *testing.T) {
	root := fakeProc(t, map[string][2]string{
		"1":  {"haproxy", "/usr/sbin/haproxy\x00-f\x00/etc/haproxy.cfg\x00"},
		"2":  {"haproxy", "/usr/sbin/haproxy\x00-f\x00/etc/other.cfg\x00-q\x00"},
		"3":  {"nginx", "nginx: master\x00"},
		"40": {"averyveryverylo", "/bin/x\x00"},
	})
	ps := []Process{
		{Name: "a", Process: "haproxy"},
		{Name: "b", Process: "/usr/sbin/haproxy", Params: []string{"-f", "/etc/haproxy.cfg"}},
		{Name: "c", Process: "/usr/sbin/haproxy", Params: []string{"-f"}, ParamMatch: "initial"},
		{Name: "d", Process: "/usr/sbin/haproxy", Params: []string{"other.cfg"}, ParamMatch: "partial"},
		{Name: "e", Process: "averyveryverylongname"},
		{Name: "f", Process: "sshd"},
	}
	got := CountProcesses(root, ps)
	want := []int{2, 1, 2, 0, 1, 0}
	// "partial" matches substrings of the joined parameters.
	want[3] = 1
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: %d, want %d", ps[i].Name, got[i], want[i])
		}
	}
}

func TestQuorum(t *testing.T) {
	tests := []struct {
		p    Process
		n    int
		want bool
	}{
		{Process{}, 0, false}, {Process{}, 1, true},
		{Process{Quorum: 2}, 1, false}, {Process{Quorum: 2, QuorumMax: 3}, 4, false},
		{Process{FailRunning: true}, 0, true}, {Process{FailRunning: true}, 1, false},
	}
	for _, tt := range tests {
		if got := tt.p.quorumOK(tt.n); got != tt.want {
			t.Errorf("%+v n=%d: %v", tt.p, tt.n, got)
		}
	}
}

// TestInitFileDanglingSymlink: a dangling link planted at a track file's
// path is not followed, so root does not create the file it names.
func TestInitFileDanglingSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "created-by-root")
	path := filepath.Join(dir, "track")
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if err := InitFile(path, 3); err != nil {
		t.Fatalf("an existing link is no error: %v", err)
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Fatalf("a file was created through the link: %v", err)
	}
	// A missing file is still created.
	plain := filepath.Join(dir, "plain")
	if err := InitFile(plain, 3); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(plain); err != nil || string(b) != "3\n" {
		t.Fatalf("track file %q (%v), want \"3\\n\"", b, err)
	}
}

// TestInitFileMissingDir: a file whose directory is missing cannot be
// made, and the error says why (keepalived logs "Unable to open ...").
func TestInitFileMissingDir(t *testing.T) {
	err := InitFile(filepath.Join(t.TempDir(), "gone", "track"), 1)
	if !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("InitFile in a missing directory: %v, want ENOENT", err)
	}
}

// TestPrimeBeforeStart: Prime creates an init_file and reports the file's
// value before returning, so the engine knows it at its first state, as
// keepalived reads its track files before its instances start.
func TestPrimeBeforeStart(t *testing.T) {
	dir := t.TempDir()
	one := 1
	s := newSink()
	Prime(Config{Files: []File{{Name: "f", Path: filepath.Join(dir, "f"), Init: &one}, {Name: "g", Path: filepath.Join(dir, "g")}}}, s)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files["f"] != 1 || len(s.files) != 2 {
		t.Fatalf("primed %v, want f=1 and g reported", s.files)
	}
}
