package parser

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDiagnosticLogLines: at daemon start keepalived's processes log the
// diagnostics of their own read, the parent's prefixed "(Line N)" (the
// file is named only for an included one), the children's — they read
// the parent's copy — always "(FILE: Line N)"; what is found after the
// read is logged bare; a process that does not run logs nothing. The
// lines are the ones keepalived 2.2.7 logged in the runtime differential
// (corpus 093 and 144) and in keepalived -t.
func TestDiagnosticLogLines(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "keepalived.conf")
	inc := filepath.Join(dir, "inc.conf")
	src := "global_defs {\n  notification_email {\n  }\n  vrrp_garp_interval 0\n}\n" +
		"include inc.conf\n" +
		"vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  priority 100\n" +
		"  authentication {\n    auth_type PASS\n    auth_pass 123456789\n  }\n" +
		"  virtual_ipaddress {\n    10.0.0.1/24\n    10.0.0.300\n  }\n}\n" +
		"vrrp_sync_group G_EMPTY {\n}\n" +
		"virtual_server 10.0.0.1 80 {\n  real_server 10.0.0.2 80 {\n    MISC_CHECK {\n    }\n  }\n}\n"
	if err := os.WriteFile(main, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inc, []byte("global_defs {\n  vrrp_gna_interval 0\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := recordedHost("high")
	o.InterfaceExists = func(n string) bool { return n == "eth0" }
	o.TestMode = false // the daemon's read
	_, diags, err := Parse(main, o)
	if err != nil {
		t.Fatal(err)
	}
	lines := func(running Process) []string {
		var out []string
		for _, d := range diags {
			out = append(out, d.LogLines(running)...)
		}
		return out
	}
	all := lines(ProcParent | ProcVRRP | ProcChecker)
	for _, want := range []string{
		"(Line 3) Warning - empty notification_email block",
		"(Line 4) WARNING - number '0' outside range [0.000001, 4294.967295]",
		"(Line 4) vrrp_garp_interval '0' is invalid",
		"(" + inc + ": Line 2) WARNING - number '0' outside range [0.000001, 4294.967295]",
		"(" + main + ": Line 13) Truncating auth_pass to 8 characters",
		"(" + main + ": Line 17) VRRP parsed invalid IP 10.0.0.300. skipping IP...",
		"(" + main + ": Line 24) No script path has been specified for MISC_CHECKER - skipping",
		"Sync group G_EMPTY has no virtual router(s). removing",
	} {
		if !slices.Contains(all, want) {
			t.Errorf("not logged: %q\nlogged:\n%s", want, strings.Join(all, "\n"))
		}
	}
	for _, l := range lines(ProcParent | ProcVRRP) {
		if strings.Contains(l, "MISC_CHECKER") {
			t.Errorf("-P: the checker's diagnostic is logged: %q", l)
		}
	}
	o.TestMode = true
	_, diags, _ = Parse(main, o)
	if !slices.ContainsFunc(diags, func(d Diagnostic) bool {
		return d.Msg == "number '0' outside range [0.000001, 4294.967295]"
	}) {
		t.Errorf("-t: no \"number '0' outside range\" (keepalived -t prints it without WARNING):\n%s", diags)
	}
}

// TestScriptAccessWordedAsStrerror: keepalived words a script it cannot
// reach with strerror ("No such file or directory"), not Go's error text.
func TestScriptAccessWordedAsStrerror(t *testing.T) {
	src := "global_defs {\n  enable_script_security\n  script_user root\n" +
		"  vrrp_notify_fifo /run/x.fifo\n  vrrp_notify_fifo_script \"/nonexistent-divlog/handler.sh --x\"\n}\n" +
		"vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  priority 100\n}\n"
	_, diags, _ := ParseBytes("k.conf", []byte(src), recordedHost("high"))
	want := "Script /nonexistent-divlog/handler.sh cannot be accessed - No such file or directory"
	if !slices.ContainsFunc(diags, func(d Diagnostic) bool { return d.Msg == want }) {
		t.Fatalf("want %q in:\n%s", want, diags)
	}
}

// TestEmptyStaticTrackGroup: keepalived 2.2.7 drops a track_group without
// a group block with a plain log line (no "(Line N)", no -t error: exit
// 0, checked with keepalived -t); an empty group block is a -t error.
func TestEmptyStaticTrackGroup(t *testing.T) {
	for _, tc := range []struct {
		src  string
		code int
	}{{"track_group TG1 {\n}\n", ExitOK}, {"track_group TG1 {\n  group {\n  }\n}\n", ExitConfig}} {
		_, diags, _ := ParseBytes("k.conf", []byte(tc.src), recordedHost("high"))
		if got := diags.ExitCode(); got != tc.code {
			t.Errorf("%q: -t exit %d, want %d:\n%s", tc.src, got, tc.code, diags)
		}
		var lines []string
		for _, d := range diags {
			lines = append(lines, d.LogLines(ProcParent|ProcVRRP|ProcChecker)...)
		}
		if !slices.Contains(lines, "Static track group TG1 has no virtual router(s)") {
			t.Errorf("%q: logged %q", tc.src, lines)
		}
	}
}

// TestTimerRangeMessages: keepalived's read_decimal_unsigned reports an
// out-of-range advert_int or preempt_delay before the keyword's own
// message (keepalived -t output), with "WARNING - " outside -t.
func TestTimerRangeMessages(t *testing.T) {
	src := "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  priority 100\n  advert_int 300\n  preempt_delay 2000\n" +
		"  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n"
	for _, test := range []bool{true, false} {
		o := recordedHost("high")
		o.TestMode = test
		_, diags, _ := ParseBytes("k.conf", []byte(src), o)
		warn := ""
		if !test {
			warn = "WARNING - "
		}
		for _, want := range []string{warn + "number '300' outside range [0.010000, 255.000000]", warn + "number '2000' outside range [0.000000, 1000.000000]"} {
			if !slices.ContainsFunc(diags, func(d Diagnostic) bool { return d.Msg == want }) {
				t.Errorf("-t %v: no %q in:\n%s", test, want, diags)
			}
		}
	}
}

// TestUpDownDelayLines: keepalived 2.2.7 logs interface_up_down_delays'
// own complaints and vrrp_complete_instance's debounce check with
// log_message, so bare (corpus 078 in the runtime differential, issue 11
// divergence 30): a delay of (down_timer_adverts - 1) advert intervals or
// more is cut to just under it, and with down_timer_adverts 1 to none.
func TestUpDownDelayLines(t *testing.T) {
	src := "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  priority 100\n" +
		"  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n" +
		"vrrp_instance VI_2 {\n  interface eth1\n  virtual_router_id 2\n  priority 100\n  down_timer_adverts 1\n" +
		"  virtual_ipaddress {\n    10.0.0.2\n  }\n}\n" +
		"vrrp_instance VI_3 {\n  interface eth2\n  virtual_router_id 3\n  priority 100\n" +
		"  virtual_ipaddress {\n    10.0.0.3\n  }\n}\n" +
		"interface_up_down_delays {\n  eth0 11 6\n  eth1 0.5\n  eth2 1.5 0.5\n  eth3\n  eth4 5 0 6\n}\n"
	o := recordedHost("high")
	o.InterfaceExists = func(string) bool { return true }
	o.TestMode = false
	cfg, diags, err := ParseBytes("k.conf", []byte(src), o)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, d := range diags {
		lines = append(lines, d.LogLines(ProcParent|ProcVRRP|ProcChecker)...)
	}
	for _, want := range []string{
		"No timeouts specified for eth3 up/down delays",
		"Too many parameters for eth4 up/down delays",
		"VI_1: interface eth0 debounce timer(s) not less that 2 * advert_int - resetting",
		"VI_2: cannot use debounce timers with down_timer_adverts = 1 - resetting",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("not logged: %q\nlogged:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	for _, l := range lines {
		if strings.Contains(l, "VI_3") {
			t.Errorf("eth2's delays are under 2 s: logged %q", l)
		}
	}
	want := map[string][2]time.Duration{
		"eth0": {2*time.Second - 3906*time.Microsecond, 2*time.Second - 3906*time.Microsecond},
		"eth1": {0, 0}, "eth2": {1500 * time.Millisecond, 500 * time.Millisecond},
	}
	for _, dl := range cfg.VRRP.UpDownDelays {
		if w, ok := want[dl.Name]; ok && (dl.Down != w[0] || dl.Up != w[1]) {
			t.Errorf("%s: down %v up %v, want %v", dl.Name, dl.Down, dl.Up, w)
		}
	}
}

// TestScriptUserLines: the lines keepalived 2.2.7 logged at daemon start
// for scripts whose user cannot be set (corpus 126, 131 and a FIFO file,
// both daemons run side by side): notify_script_init names every notify_*
// keyword's script "notify" and logs without "(Line N)", a FIFO's line
// names it "(null)", a missing user is told first, a vrrp_script's
// command is quoted word by word (cmd_str), and the vrrp_script end
// handler's messages point at the block's closing line.
func TestScriptUserLines(t *testing.T) {
	src := "global_defs {\n  enable_script_security\n  vrrp_notify_fifo /run/x.fifo\n  notify_fifo /run/y.fifo ziggy\n}\n" +
		"vrrp_script chk {\n  script \"/etc/keepalived/failover.sh\"\n  interval 15\n}\n" +
		"vrrp_script wan {\n  script \"/opt/erh.pyz -x\"\n  user ziggy ziggy\n}\n" +
		"vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  priority 100\n" +
		"  virtual_ipaddress {\n    10.0.0.1\n  }\n" +
		"  notify_master \"/etc/keepalived/notify.sh Master\"\n  notify_backup \"/etc/keepalived/notify.sh Backup\"\n" +
		"  notify_fault \"/etc/keepalived/notify.sh Fault\" ziggy\n}\n"
	o := recordedHost("high")
	o.TestMode = false
	_, diags, err := ParseBytes("k.conf", []byte(src), o)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, d := range diags {
		lines = append(lines, d.LogLines(ProcParent|ProcVRRP|ProcChecker)...)
	}
	for _, want := range []string{
		"Script user 'keepalived_script' does not exist",
		"Failed to set default user for vrrp_ fifo (null) - ignoring",
		"Script user 'ziggy' does not exist",
		"Invalid user/group for  fifo (null) - ignoring",
		"(k.conf: Line 9) Unable to set default user for vrrp script chk - removing",
		"(k.conf: Line 12) Unable to set uid/gid for script '/opt/erh.pyz' '-x'",
		"Failed to set default user for notify script /etc/keepalived/notify.sh - ignoring",
		"Invalid user/group for notify script /etc/keepalived/notify.sh - ignoring",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("not logged: %q\nlogged:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	for _, l := range lines {
		if strings.Contains(l, "notify_master script") || strings.Contains(l, "notify_fault script") {
			t.Errorf("logged %q: keepalived calls every notify script's kind \"notify\"", l)
		}
	}
}

// TestMissingBraceLoggedBare: keepalived reports missing '}'s once the
// file is closed, so its daemon logs the line without "(Line N)", in the
// parent's read and the VRRP child's alike (2.2.7 run side by side on a
// file whose last vrrp_instance lacks its '}').
func TestMissingBraceLoggedBare(t *testing.T) {
	src := "global_defs {\n  router_id x\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n" +
		"  virtual_ipaddress {\n    10.9.9.100/24\n  }\n"
	o := recordedHost("high")
	o.TestMode = false
	_, diags, err := ParseBytes("k.conf", []byte(src), o)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, d := range diags {
		lines = append(lines, d.LogLines(ProcParent|ProcVRRP)...)
	}
	want := "There are 1 missing '}'s or extra '{'s"
	if n := len(slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return l != want })); n != 2 {
		t.Errorf("%q logged %d times, want 2 (parent and VRRP child):\n%s", want, n, strings.Join(lines, "\n"))
	}
}

// TestQuorumZeroLogged: quorum is read by keepalived's lenient
// read_unsigned, so a daemon logs "WARNING - number '0' outside range"
// before "Quorum 0 must be in [1, …]. Setting to 1." (corpus 110 in the
// LVS differential); -t prints the first without WARNING.
func TestQuorumZeroLogged(t *testing.T) {
	main := filepath.Join(t.TempDir(), "keepalived.conf")
	src := "virtual_server 10.0.0.1 80 {\n  quorum 0\n  real_server 10.0.0.2 80 {\n    TCP_CHECK {\n    }\n  }\n}\n"
	if err := os.WriteFile(main, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, test := range []bool{false, true} {
		o := recordedHost("high")
		o.TestMode = test
		cfg, diags, err := Parse(main, o)
		if err != nil {
			t.Fatal(err)
		}
		want := "number '0' outside range [1, 4294967295]"
		if !test {
			want = "WARNING - " + want
		}
		if !slices.ContainsFunc(diags, func(d Diagnostic) bool { return d.Msg == want }) {
			t.Errorf("test mode %v: no %q:\n%s", test, want, diags)
		}
		if q := cfg.LVS.VirtualServers[0].Quorum; q != 1 {
			t.Errorf("test mode %v: quorum %d, keepalived sets 1", test, q)
		}
	}
}
