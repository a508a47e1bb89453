package daemon

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"log/syslog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/config"
)

func TestPIDFiles(t *testing.T) {
	dir := t.TempDir()
	main, vrrp := filepath.Join(dir, "keepalived.pid"), filepath.Join(dir, "sub", "vrrp.pid")
	// A stale file (no such process) is taken over.
	if err := os.WriteFile(main, []byte("999999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pf, err := WritePIDFiles(main, vrrp)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{main, vrrp} {
		if pid, err := readPID(p); err != nil || pid != os.Getpid() {
			t.Fatalf("%s holds %d (%v)", p, pid, err)
		}
	}
	pf.Remove()
	if _, err := os.Stat(main); !os.IsNotExist(err) {
		t.Fatalf("pid file left behind: %v", err)
	}
	// A live process (our parent) holding a file refuses the start.
	if err := os.WriteFile(vrrp, []byte(strconv.Itoa(os.Getppid())+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WritePIDFiles(main, vrrp); !errors.Is(err, ErrRunning) {
		t.Fatalf("got %v, want ErrRunning", err)
	}
	if _, err := os.Stat(main); !os.IsNotExist(err) {
		t.Fatal("a refused start wrote a pid file")
	}
}

func TestConsoleLogFormat(t *testing.T) {
	var buf bytes.Buffer
	logs, err := NewLogs(LogOptions{Console: true, NoSyslog: true, Stderr: &buf})
	if err != nil {
		t.Fatal(err)
	}
	logs.VRRP.Info("(VI_1) Entering MASTER STATE", "instance", "VI_1")
	logs.VRRP.Debug("(VI_1) setting VIPs.")
	logs.Core.Warn("static route", "err", "boom")
	want := regexp.MustCompile(`^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d \d{4}: \(VI_1\) Entering MASTER STATE
[^\n]*: static route err=boom
$`)
	if !want.MatchString(buf.String()) {
		t.Fatalf("console log:\n%s", buf.String())
	}
	buf.Reset()
	logs, _ = NewLogs(LogOptions{Console: true, Detail: true, NoSyslog: true, Stderr: &buf})
	logs.VRRP.Debug("(VI_1) setting VIPs.")
	if !bytes.Contains(buf.Bytes(), []byte("(VI_1) setting VIPs.")) {
		t.Fatal("-D does not show detail lines")
	}
}

func TestParseFacility(t *testing.T) {
	tests := []struct {
		in   string
		want syslog.Priority
		ok   bool
	}{
		{"", syslog.LOG_DAEMON, true},
		{"daemon", syslog.LOG_DAEMON, true},
		{"user", syslog.LOG_USER, true},
		{"0", syslog.LOG_LOCAL0, true},
		{"local7", syslog.LOG_LOCAL7, true},
		{"3", syslog.LOG_LOCAL3, true},
		{"8", 0, false},
		{"kern", 0, false},
	}
	for _, tc := range tests {
		got, err := ParseFacility(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseFacility(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func TestSDNotify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify.sock")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("NOTIFY_SOCKET", path)
	var o Options
	SystemdHooks(&o)
	o.Ready()
	o.Reloading()
	o.Reloaded(errors.New("bad file"))
	o.Stopping()
	want := []string{"READY=1\nMAINPID=", "RELOADING=1\nMONOTONIC_USEC=", "READY=1\nSTATUS=Reload failed", "STOPPING=1"}
	buf := make([]byte, 512)
	for _, w := range want {
		n, err := l.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(buf[:n]), w) {
			t.Fatalf("got %q, want prefix %q", buf[:n], w)
		}
	}
}

func TestWatchdog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify.sock")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("NOTIFY_SOCKET", path)
	t.Setenv("WATCHDOG_USEC", "2000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	quit := make(chan struct{})
	done := make(chan struct{})
	alive := 0
	go func() { watchdog(quit, func() { alive++ }); close(done) }()
	buf := make([]byte, 64)
	n, err := l.Read(buf)
	close(quit)
	<-done
	if err != nil || string(buf[:n]) != "WATCHDOG=1" || alive == 0 {
		t.Fatalf("got %q %v after %d checks", buf[:n], err, alive)
	}
	t.Setenv("WATCHDOG_PID", "1")
	if watchdogInterval() != 0 {
		t.Fatal("watchdog meant for another process")
	}
}

func TestReloadRefusesNamespaceChange(t *testing.T) {
	old := &config.Config{}
	old.Global.NetNamespace = "blue"
	next := &config.Config{}
	next.Global.NetNamespace = "red"
	var buf bytes.Buffer
	logs, _ := NewLogs(LogOptions{Console: true, NoSyslog: true, Stderr: &buf})
	d := New(Options{Logs: logs, Load: func() (*config.Config, string, error) { return next, "", nil }})
	d.cfg = old
	if err := d.Reload(); err == nil {
		t.Fatal("namespace change accepted")
	}
	if d.Config() != old || !strings.Contains(buf.String(), "Cannot change network namespace at a reload - please restart keepalived") {
		t.Fatalf("config %p (old %p), log:\n%s", d.Config(), old, buf.String())
	}
	if n, err := d.Reloads(); n != 1 || err == nil {
		t.Fatalf("reloads %d %v", n, err)
	}
}

// TestPIDFilesPerSide: like keepalived, which starts a child only for a
// side with something to do, a side without configuration writes no pid
// file, so runbooks that test for checkers.pid keep their meaning.
func TestPIDFilesPerSide(t *testing.T) {
	vrrpOnly := &config.Config{}
	vrrpOnly.VRRP.Instances = make([]config.Instance, 1)
	// Every virtual server dropped: keepalived still runs its checker
	// (have_checker_config; corpus 075 and 088 in the LVS differential).
	droppedVS := &config.Config{}
	droppedVS.LVS.HaveCheckerConfig = true
	for _, tc := range []struct {
		name            string
		cfg             *config.Config
		vrrpSide, check bool
		want            []string
	}{
		{"both sides, VRRP config only", vrrpOnly, true, true, []string{"k.pid", "v.pid"}},
		{"-C, VRRP config only", vrrpOnly, false, true, []string{"k.pid"}},
		{"both sides, empty config", &config.Config{}, true, true, []string{"k.pid"}},
		{"virtual servers all dropped", droppedVS, true, true, []string{"c.pid", "k.pid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			d := New(Options{VRRP: tc.vrrpSide, Check: tc.check,
				PIDFile: filepath.Join(dir, "k.pid"), VRRPPIDFile: filepath.Join(dir, "v.pid"), CheckPIDFile: filepath.Join(dir, "c.pid")})
			pf, err := d.writePIDFiles(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Remove()
			ents, _ := os.ReadDir(dir)
			var got []string
			for _, e := range ents {
				got = append(got, e.Name())
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("pid files %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMaxAutoPriorityNotice: keepalived's parent logs the max_auto_priority
// NOTICE at start when the option is not set, and not when it is (-1, the
// explicit "off", included).
func TestMaxAutoPriorityNotice(t *testing.T) {
	const notice = "NOTICE: setting config option max_auto_priority should result in better keepalived performance"
	for _, tc := range []struct {
		prio int
		want bool
	}{{0, true}, {99, false}, {-1, false}} {
		buf := &syncBuffer{}
		logs, _ := NewLogs(LogOptions{Console: true, NoSyslog: true, Stderr: buf})
		ctx, cancel := context.WithCancel(context.Background())
		d := New(Options{Logs: logs, NoPIDFiles: true, Version: "test", Ready: cancel})
		cfg := &config.Config{}
		cfg.Global.MaxAutoPriority = tc.prio
		if err := d.Run(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		cancel()
		if got := strings.Contains(buf.String(), notice); got != tc.want {
			t.Errorf("max_auto_priority %d: notice logged %v, want %v; log:\n%s", tc.prio, got, tc.want, buf.String())
		}
	}
}

// TestConfigRefusedAtStart: a configuration keepalived's VRRP process
// exits on (config.VRRP.Refused) stops the daemon at start with ErrConfig
// (exit 2 in cmd) and keepalived's parent's lines, before any side runs.
func TestConfigRefusedAtStart(t *testing.T) {
	buf := &syncBuffer{}
	logs, _ := NewLogs(LogOptions{Console: true, NoSyslog: true, Stderr: buf})
	made := false
	d := New(Options{Logs: logs, NoPIDFiles: true, Version: "Keepalived v2.2.7 (01/16,2022)", VRRP: true, Detail: true,
		NewVRRP: func(*config.Config, *slog.Logger, bool) (Side, error) { made = true; return nil, nil }})
	cfg := &config.Config{}
	cfg.VRRP.Instances = make([]config.Instance, 1)
	cfg.VRRP.Refused = true
	err := d.Run(context.Background(), cfg)
	if !errors.Is(err, ErrConfig) || made {
		t.Fatalf("err %v, VRRP side made %v", err, made)
	}
	log := buf.String()
	for _, want := range []string{"Starting VRRP child process", "Stopped - used ", "exited with permanent error CONFIG. Terminating",
		"CPU usage (self/children)", "Stopped Keepalived v2.2.7 (01/16,2022)"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// TestReloadKeepsConfigOnRefused: where keepalived's reloaded VRRP process
// would exit and take the daemon down, the running configuration stays.
func TestReloadKeepsConfigOnRefused(t *testing.T) {
	old := &config.Config{}
	old.VRRP.Instances = make([]config.Instance, 1)
	next := &config.Config{}
	next.VRRP.Instances = make([]config.Instance, 1)
	next.VRRP.Refused = true
	logs, _ := NewLogs(LogOptions{Console: true, NoSyslog: true, Stderr: &bytes.Buffer{}})
	d := New(Options{Logs: logs, VRRP: true, Load: func() (*config.Config, string, error) { return next, "", nil }})
	d.cfg = old
	if err := d.Reload(); !errors.Is(err, ErrConfig) || d.Config() != old {
		t.Fatalf("reload: %v; config kept %v", err, d.Config() == old)
	}
}

// TestReloadKeepsConfigOnCheckerRefused: a file whose checker read gives
// up is never applied at a reload (it would empty the IPVS table).
func TestReloadKeepsConfigOnCheckerRefused(t *testing.T) {
	old := &config.Config{}
	old.LVS.VirtualServers = []*config.VirtualServer{{}}
	next := &config.Config{}
	next.LVS.Refused = true
	logs, _ := NewLogs(LogOptions{Console: true, NoSyslog: true, Stderr: &bytes.Buffer{}})
	d := New(Options{Logs: logs, Check: true, Load: func() (*config.Config, string, error) { return next, "", nil }})
	d.cfg = old
	if err := d.Reload(); !errors.Is(err, ErrConfig) || d.Config() != old {
		t.Fatalf("reload: %v; config kept %v", err, d.Config() == old)
	}
}
