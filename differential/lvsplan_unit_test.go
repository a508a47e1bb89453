package differential

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// TestLVSPlan checks, on the host, how the VM's LVS differential plans a
// file: the addresses on lo, which endpoint answers what and when, and the
// phase length taken from the file's own timing.
func TestLVSPlan(t *testing.T) {
	p := makeLVSPlan("differential/testdata/lvs/tcp_http_quorum.conf", "testdata/lvs/tcp_http_quorum.conf")
	if p.skip != "" || p.extra != nil {
		t.Fatalf("skip %q extra %v", p.skip, p.extra)
	}
	var ends []string
	for _, e := range p.ends {
		ends = append(ends, fmt.Sprintf("%s %s %d", e.kind, e.addr, e.role))
	}
	want := []string{
		fmt.Sprintf("%s 10.20.1.1:8080 %d", epHTTP, roleDies),
		fmt.Sprintf("%s 10.20.1.2:8080 %d", epHTTP, roleBorn),
		fmt.Sprintf("%s 10.20.1.3:8080 %d", epHTTP, roleAlive),
		fmt.Sprintf("%s [fd00:20:1::1]:443 %d", epHTTP, roleDies),
		fmt.Sprintf("%s [fd00:20:1::2]:443 %d", epHTTP, roleBorn),
	}
	if strings.Join(ends, "\n") != strings.Join(want, "\n") {
		t.Errorf("endpoints:\n%s\nwant:\n%s", strings.Join(ends, "\n"), strings.Join(want, "\n"))
	}
	if len(p.locals) != 5 || p.locals[0] != netip.MustParseAddr("10.20.1.1") {
		t.Errorf("locals %v", p.locals)
	}
	// delay_loop 3 + retry 1 × 1 s + 2 × connect_timeout 1 s + slack 6 s.
	if p.phase != 12*time.Second {
		t.Errorf("phase %v", p.phase)
	}
	for kind, want := range map[config.CheckerType]string{config.CheckSSL: epTLS, config.CheckSMTP: epSMTP,
		config.CheckUDP: epUDP, config.CheckTCP: epHTTP, config.CheckDNS: "", config.CheckMisc: ""} {
		if got := endpointKind(kind); got != want {
			t.Errorf("endpointKind(%s) = %q, want %q", kind, got, want)
		}
	}
	if p := lvsPhase([]*config.VirtualServer{{RealServers: []*config.RealServer{{Checkers: []*config.Checker{
		{DelayLoop: 60 * time.Second, Retry: 3, DelayBeforeRetry: 10 * time.Second}}}}}}); p != lvsMaxPhase {
		t.Errorf("long timing: phase %v, want the cap %v", p, lvsMaxPhase)
	}
	if p := makeLVSPlan("x", "testdata/allow-lvs.tsv"); p.skip == "" {
		t.Error("a file without virtual_server is planned")
	}
	for _, n := range lvsCISubset {
		if !strings.HasPrefix(n, "corpus/") {
			if p := makeLVSPlan(n, strings.TrimPrefix(n, "differential/")); p.skip != "" {
				t.Errorf("%s: %s", n, p.skip)
			}
		}
	}
}

func TestRewriteLVS(t *testing.T) {
	in := "  notify_up /usr/local/bin/up.sh\n  @high quorum_down \"/bin/qd arg\"\n  misc_path \"/bin/check x\"\n  notify_master /x\n"
	got := rewriteLVS(in, "/run/w/rec.sh", "/run/w/ok.sh")
	want := "  notify_up \"/run/w/rec.sh notify_up@L1\"\n  @high quorum_down \"/run/w/rec.sh quorum_down@L2\"\n" +
		"  misc_path \"/run/w/ok.sh\"\n  notify_master \"/run/w/rec.sh notify_master\"\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// Inside a multi-line $MACRO the continuation must survive (corpus
	// 075: the rewritten macro lost its real servers in both daemons).
	in = "$RS= \\\n    notify_up \"/x/notify.sh UP\" \\\n    notify_master /x \\\n  }\n"
	got = rewriteLVS(in, "/run/w/rec.sh", "/run/w/ok.sh")
	want = "$RS= \\\n    notify_up \"/run/w/rec.sh notify_up@L2\" \\\n    notify_master \"/run/w/rec.sh notify_master\" \\\n  }\n"
	if got != want {
		t.Errorf("macro: got:\n%s\nwant:\n%s", got, want)
	}
}

// TestLVSViews: the log keeps the checker lines once each, without
// timestamps; ipvsadm -Sn is sorted per phase; the table judges the LVS
// columns with allow-lvs.tsv.
func TestLVSViews(t *testing.T) {
	log := "Mon Dec  7 04:22:28 2026: TCP connection to [10.0.0.1]:tcp:80 success.\n" +
		"Mon Dec  7 04:22:31 2026: TCP connection to [10.0.0.1]:tcp:80 success.\n" +
		"Mon Dec  7 04:22:31 2026: Starting Healthcheck child process, pid=12\n" +
		"Mon Dec  7 04:22:32 2026: Removing service [10.0.0.1]:tcp:80 from VS [10.0.1.1]:tcp:80\n" +
		"Mon Dec  7 04:22:33 2026: smtp fd 17 returned write error\n" +
		"Mon Dec  7 04:22:34 2026: smtp fd 9 returned write error\n"
	if got := lvsLogLines(log); strings.Join(got, "|") != "Removing service [10.0.0.1]:tcp:80 from VS [10.0.1.1]:tcp:80|TCP connection to [10.0.0.1]:tcp:80 success.|smtp fd N returned write error" {
		t.Errorf("log lines %q", got)
	}
	if got := ipvsLines("phase1", "-a -t b\n-A -t a\n"); strings.Join(got, "|") != "phase1: -A -t a|phase1: -a -t b" {
		t.Errorf("ipvs lines %q", got)
	}
	allow, err := readAllow("testdata/allow-lvs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	r := row{name: "differential/testdata/lvs/x.conf", views: map[string][2][]string{
		"log":  {{"a"}, {"a", "IPVS change=create service TCP 10.0.1.1:80 rr"}},
		"ipvs": {{"phase1: -A -t a"}, {"phase1: -A -t b"}},
	}}
	r.judgeCols(lvsAspects, allow)
	if r.cells["log"].verdict != documented || r.cells["ipvs"].verdict != differs || r.cells["exit"].verdict != same {
		t.Errorf("cells %+v", r.cells)
	}
	if rep := renderReport(lvsAspects, []row{r}, time.Second); !strings.Contains(rep, "1 files run, 0 skipped") {
		t.Errorf("report:\n%s", rep)
	}
}

// TestLVSTestVerdict: every file keepalived's -t does not refuse outright
// runs (exit 5 and 6 with a note); exit 4 is skipped with -t's first line.
func TestLVSTestVerdict(t *testing.T) {
	for _, c := range []struct {
		rc         int
		note, skip string
	}{
		{0, "", ""},
		{5, "-t exit 5 (non-fatal configuration errors)", ""},
		{6, "-t exit 6 (script security warning)", ""},
		{4, "", "keepalived -t exit 4: Unable to find file"},
		{1, "", "keepalived -t exit 1: Unable to find file"},
	} {
		note, skip := lvsTestVerdict(c.rc, "Unable to find file\nmore\n")
		if note != c.note || skip != c.skip {
			t.Errorf("exit %d: note %q skip %q, want %q %q", c.rc, note, skip, c.note, c.skip)
		}
	}
}

// TestRewriteKeepsContinuation: a script line inside a multiline
// definition keeps its "\" (corpus 043), so both daemons read the file's
// structure.
func TestRewriteKeepsContinuation(t *testing.T) {
	in := "$VS= \\\nvrrp_script s { \\\n    script \"/x.sh a\" \\\n    interval 1 \\\n}\n"
	out, n := rewrite(in, "/rec", "/ok")
	want := "$VS= \\\nvrrp_script s { \\\n    script \"/ok\" \\\n    interval 1 \\\n}\n"
	if n != 1 || out != want {
		t.Fatalf("got %q (%d), want %q", out, n, want)
	}
}
