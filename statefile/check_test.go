package statefile

import (
	"bytes"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/parser"
)

// TestCheckDataMatchesRealKeepalived is issue 11 item 10's checker side:
// testdata/keepalived-2.2.7-check holds the keepalived_check.data
// keepalived 2.2.7 wrote in the qemu VM (IPVS) for the file beside it,
// 127.0.0.1:8080 down (nothing listens) and the others not yet run.
func TestCheckDataMatchesRealKeepalived(t *testing.T) {
	dir := filepath.Join("testdata", "keepalived-2.2.7-check")
	real, err := os.ReadFile(filepath.Join(dir, CheckName))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parser.Parse(filepath.Join(dir, "keepalived.conf"), parser.Options{
		NoConfigID:      true,
		InterfaceExists: func(string) bool { return true },
		UserExists:      func(string) bool { return true },
		GroupExists:     func(string) bool { return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	health := map[string]check.ServiceStatus{
		"[10.10.9.1]:tcp:80": {ID: "[10.10.9.1]:tcp:80", QuorumUp: true, Reals: []check.RealStatus{
			{ID: "[127.0.0.1]:tcp:8080", Alive: false, Weight: 2, Checkers: []check.CheckerStatus{{Up: false, LastRun: time.Unix(1, 0), HasRun: true}}},
			{ID: "[127.0.0.2]:tcp:8080", Alive: true, Weight: 1, Checkers: []check.CheckerStatus{{Up: true}}},
		}},
		"FWM 5": {ID: "FWM 5", QuorumUp: true, Reals: []check.RealStatus{
			{ID: "[10.10.9.20]:none:0", Alive: true, Weight: 1, Checkers: []check.CheckerStatus{{Up: true}}},
		}},
	}
	var ours bytes.Buffer
	FormatCheckData(&ours, cfg, health)
	equalLines(t, normalise(ours.Bytes()), normalise(real))
}

// TestCheckDataScriptsAndDefaults: lines keepalived 2.2.7 wrote in the LVS
// differential (differential/testdata/lvs) that keepalived-go lacked: the
// notify and quorum scripts, the real server's retry settings, and the
// checker type's own default delay_before_retry (3 s for HTTP_GET).
func TestCheckDataScriptsAndDefaults(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "keepalived.conf")
	if err := os.WriteFile(conf, []byte(`virtual_server 10.20.0.1 80 {
  delay_loop 3
  protocol TCP
  quorum_up "/bin/true quorum_up"
  sorry_server 10.20.9.9 80
  real_server 10.20.1.2 8080 {
    retry 2
    notify_down "/bin/true down"
    HTTP_GET {
      url {
        path /health
      }
    }
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parser.Parse(conf, parser.Options{NoConfigID: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	FormatCheckData(&out, cfg, map[string]check.ServiceStatus{"[10.20.0.1]:tcp:80": {ID: "[10.20.0.1]:tcp:80",
		Reals: []check.RealStatus{{ID: "[10.20.1.2]:tcp:8080", Checkers: []check.CheckerStatus{{FailedURL: "/health"}}}}}})
	for _, want := range []string{
		"   Quorum up notify script = '/bin/true' 'quorum_up', uid:gid 0:0\n",
		"   Retry count = 2\n",
		"     RS down notify script = '/bin/true' 'down', uid:gid 0:0\n",
		"   Default delay before retry = 3000000 us\n",
		"   sorry server = [10.20.9.9]:tcp:80\n     forwarding method = NAT\n     Inhibit on failure is OFF\n",
		"   Failed URL = /health\n",
	} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
}

// TestFailedURLFromStatus: the dump prints the checker's own failed url
// (corpus 014: /mrtg/, not "/" which the error text also quoted), and
// nothing without one.
func TestFailedURLFromStatus(t *testing.T) {
	vs := &config.VirtualServer{Protocol: config.ProtoTCP}
	rs := &config.RealServer{}
	c := &config.Checker{Type: config.CheckHTTP, HTTP: &config.HTTPCheck{URLs: []*config.URL{{Path: "/"}, {Path: "/mrtg/"}}}}
	for _, tc := range []struct {
		st   check.CheckerStatus
		want string
	}{
		{check.CheckerStatus{FailedURL: "/mrtg/", LastFailure: "http 10.0.0.1:80/: connect: refused"}, "/mrtg/"},
		{check.CheckerStatus{LastFailure: "http 10.0.0.1:80/mrtg/: digest"}, ""},
	} {
		var got []string
		p := func(f string, a ...any) {
			if l := fmt.Sprintf(f, a...); strings.HasPrefix(l, "   Failed URL = ") {
				got = append(got, strings.TrimPrefix(l, "   Failed URL = "))
			}
		}
		dumpChecker(p, vs, rs, c, &tc.st, regexes{})
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%+v: Failed URL %q, want %q", tc.st, got, tc.want)
		}
	}
}

// TestHasRunNotSetByUnboundCheck: a TCP_CHECK whose bind fails (corpus
// 061: bindto fe80::… with no interface, EINVAL) has been tried but not
// run; keepalived 2.2.7 prints "Has run = no" (issue 11 LVS divergence 7).
func TestHasRunNotSetByUnboundCheck(t *testing.T) {
	vs := &config.VirtualServer{Protocol: config.ProtoTCP}
	rs := &config.RealServer{}
	c := &config.Checker{Type: config.CheckTCP}
	for _, tc := range []struct {
		st   check.CheckerStatus
		want string
	}{
		{check.CheckerStatus{Up: true, LastRun: time.Unix(1, 0), Checks: 3}, "   Has run = no"},
		{check.CheckerStatus{Up: true, LastRun: time.Unix(1, 0), Checks: 3, HasRun: true}, "   Has run = yes"},
	} {
		var lines []string
		p := func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }
		dumpChecker(p, vs, rs, c, &tc.st, regexes{})
		if !slices.Contains(lines, tc.want) {
			t.Errorf("%+v: no %q in %q", tc.st, tc.want, lines)
		}
	}
}

// TestCheckDataSectionsMatchRealKeepalived: testdata/keepalived-2.2.7-check2
// holds the keepalived_check.data keepalived 2.2.7 wrote in the qemu VM
// (keepalived -C, SIGUSR1 before any check ran) for the file beside it:
// the SSL definitions, virtual server groups (ranges, fwmark, both
// families) with their alive counts, a dual-family group's address family,
// SMTP_CHECK's helo and bindto, DNS_CHECK's type and name, UDP_CHECK's
// payload and reply, and the url virtualhost and regex lines (issue 11 LVS
// divergence 4).
func TestCheckDataSectionsMatchRealKeepalived(t *testing.T) {
	dir := filepath.Join("testdata", "keepalived-2.2.7-check2")
	real, err := os.ReadFile(filepath.Join(dir, CheckName))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parser.Parse(filepath.Join(dir, "keepalived.conf"), parser.Options{
		NoConfigID:      true,
		InterfaceExists: func(string) bool { return true },
		UserExists:      func(string) bool { return true },
		GroupExists:     func(string) bool { return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	var ours bytes.Buffer
	FormatCheckData(&ours, cfg, nil)
	equalLines(t, normalise(ours.Bytes()), normalise(real))
}

// TestCheckDataTrackersMatchRealKeepalived: testdata/keepalived-2.2.7-check3
// is keepalived 2.2.7's keepalived_check.data (VM, -C, SIGUSR1 at once) for
// FILE_CHECKs and BFD_CHECKs: the FILE_CHECKs queued after the other
// checkers with their current weight, each real server's tracked files and
// BFDs, and the checker process's track file and BFD sections. The state
// is keepalived's at the dump: B1's session down, /tmp/tf2 holding 3
// (init_file), the TCP_CHECK not yet run.
func TestCheckDataTrackersMatchRealKeepalived(t *testing.T) {
	dir := filepath.Join("testdata", "keepalived-2.2.7-check3")
	real, err := os.ReadFile(filepath.Join(dir, CheckName))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parser.Parse(filepath.Join(dir, "keepalived.conf"), parser.Options{NoConfigID: true})
	if err != nil {
		t.Fatal(err)
	}
	// The track files as keepalived's init_file left them.
	tmp := t.TempDir()
	for i := range cfg.VRRP.Files {
		f := &cfg.VRRP.Files[i]
		p := filepath.Join(tmp, filepath.Base(f.Path))
		if f.Name == "TF_2" {
			if err := os.WriteFile(p, []byte("3\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		f.Path = p
	}
	ran := time.Unix(1, 0)
	health := map[string]check.ServiceStatus{"[10.10.9.1]:tcp:80": {ID: "[10.10.9.1]:tcp:80", QuorumUp: false,
		Members: []check.Member{{ID: "[127.0.0.2]:tcp:8080", Weight: 0}},
		Reals: []check.RealStatus{
			{ID: "[127.0.0.1]:tcp:8080", Alive: false, Weight: 1, RawWeight: 1, Checkers: []check.CheckerStatus{
				{Up: true, LastRun: ran, HasRun: true}, {Up: false, LastRun: ran, HasRun: true}}},
			{ID: "[127.0.0.2]:tcp:8080", Alive: true, Weight: 0, RawWeight: -50, Checkers: []check.CheckerStatus{
				{Up: true}, {Up: true, LastRun: ran, HasRun: true, Weight: -60}, {Up: true, LastRun: ran, HasRun: true}}},
		}}}
	var ours bytes.Buffer
	FormatCheckData(&ours, cfg, health)
	got := normalise(ours.Bytes())
	for i, l := range got {
		got[i] = strings.Replace(l, tmp, "/tmp", 1)
	}
	equalLines(t, got, normalise(real))
}

// TestDefaultScriptUserFromGlobal: keepalived leaves "Default script uid:gid"
// out when script_user names a user that does not exist, or when
// keepalived_script does not exist and script security is on (corpus
// 034, 041, 050 in the LVS differential).
func TestDefaultScriptUserFromGlobal(t *testing.T) {
	for _, tc := range []struct {
		g    config.Global
		want bool
	}{
		{config.Global{}, true},
		{config.Global{ScriptUser: "root"}, true},
		{config.Global{ScriptUser: "no-such-user-lvsdiff"}, false},
		{config.Global{ScriptUser: "root", ScriptGroup: "no-such-group-lvsdiff"}, false},
		{config.Global{EnableScriptSecurity: true}, userExists("keepalived_script")},
	} {
		if _, _, ok := defaultScriptUser(&tc.g); ok != tc.want {
			t.Errorf("%+v: line written %v, want %v", tc.g, ok, tc.want)
		}
	}
}

func userExists(name string) bool {
	_, err := user.Lookup(name)
	return err == nil
}

// TestCheckDataNoVRRPNFTables: keepalived's VRRP process turns nftables on
// for a strict (no_accept) instance; its checker process never does, so
// keepalived_check.data has no nftables lines (corpus 044).
func TestCheckDataNoVRRPNFTables(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "keepalived.conf")
	if err := os.WriteFile(conf, []byte("global_defs {\n  vrrp_strict\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n"+
		"  priority 100\n  virtual_ipaddress {\n    10.0.0.9\n  }\n}\nvirtual_server 10.0.0.1 80 {\n  protocol TCP\n"+
		"  real_server 10.0.1.1 80 {\n  }\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parser.Parse(conf, parser.Options{NoConfigID: true, InterfaceExists: func(string) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Global.VRRP.Firewall.NFTables {
		t.Fatal("the VRRP side did not turn nftables on")
	}
	var out bytes.Buffer
	FormatCheckData(&out, cfg, nil)
	if strings.Contains(out.String(), "nftables table name") {
		t.Errorf("nftables lines in keepalived_check.data:\n%s", out.String())
	}
}

// TestCheckDataSyncDaemon: lvs_sync_daemon's lines as keepalived 2.2.7's
// checker process wrote them for corpus 062 in the LVS differential
// (maxlen 120000 is out of range there, so no maxlen line).
func TestCheckDataSyncDaemon(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "keepalived.conf")
	if err := os.WriteFile(conf, []byte("global_defs {\n  lvs_sync_daemon eth4 id 12 maxlen 120000 port 2000 ttl 5\n}\n"+
		"virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.1.1 80 {\n  }\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parser.Parse(conf, parser.Options{NoConfigID: true, InterfaceExists: func(string) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	FormatCheckData(&out, cfg, nil)
	want := " Disable local IGMP = no\n LVS syncd interface = eth4\n LVS syncd syncid = 12\n LVS syncd mcast port = 2000\n" +
		" LVS syncd mcast ttl = 5\n LVS flush = false\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("no\n%s\nin\n%s", want, out.String())
	}
}

// TestSMTPTimeoutDefault: with smtp_server set and no smtp_connect_timeout
// keepalived prints its 30 s default (corpus 082).
func TestSMTPTimeoutDefault(t *testing.T) {
	var b strings.Builder
	dumpGlobal(func(f string, a ...any) { fmt.Fprintf(&b, f+"\n", a...) }, &config.Global{SMTPServer: "127.0.0.1"}, nil, "r")
	if !strings.Contains(b.String(), " Smtp server connection timeout = 30\n") {
		t.Errorf("no default timeout in:\n%s", b.String())
	}
	b.Reset()
	dumpGlobal(func(f string, a ...any) { fmt.Fprintf(&b, f+"\n", a...) }, &config.Global{}, nil, "r")
	if strings.Contains(b.String(), "Smtp server connection timeout") {
		t.Errorf("a timeout without smtp_server:\n%s", b.String())
	}
}

// TestCheckDataFIFOScripts: keepalived's checker process prints the FIFO
// scripts quoted (cmd_str), keeps the VRRP FIFO script it never checks,
// and drops its own LVS FIFO script when it cannot run it (corpus 041).
func TestCheckDataFIFOScripts(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "keepalived.conf")
	if err := os.WriteFile(conf, []byte("global_defs {\n  vrrp_notify_fifo /tmp/v.fifo\n  vrrp_notify_fifo_script /nonexistent/n.sh\n"+
		"  lvs_notify_fifo /tmp/l.fifo\n  lvs_notify_fifo_script /nonexistent/n.sh\n  notify_fifo /tmp/g.fifo\n  notify_fifo_script /bin/true\n}\n"+
		"vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  priority 100\n  virtual_ipaddress {\n    10.0.0.9\n  }\n}\n"+
		"virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.1.1 80 {\n  }\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parser.Parse(conf, parser.Options{NoConfigID: true, InterfaceExists: func(string) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	FormatCheckData(&out, cfg, nil)
	got := out.String()
	for _, want := range []string{" Global notify fifo script = '/bin/true', uid:gid", " VRRP notify fifo script = '/nonexistent/n.sh', uid:gid"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q", want)
		}
	}
	if strings.Contains(got, "LVS notify fifo script") {
		t.Error("the LVS FIFO script the checker cannot run is printed")
	}
}

// TestDefaultScriptUserResolvedEarly: keepalived resolves the default
// script user at the first script without a user and keeps that answer;
// a shutdown_script read before enable_script_security resolves it as
// root, so the dump prints the line even with security on (corpus 075).
func TestDefaultScriptUserResolvedEarly(t *testing.T) {
	g := config.Global{EnableScriptSecurity: true, DefaultScriptUserResolved: true}
	if _, _, ok := defaultScriptUser(&g); !ok {
		t.Error("resolved while reading: line left out")
	}
	g.DefaultScriptUserFailed = true
	if _, _, ok := defaultScriptUser(&g); ok {
		t.Error("failed while reading: line written")
	}
}

// TestPersistenceGranularity: dump_vs prints the granularity when it is
// set, a prefix length for IPv6 and a netmask for IPv4 (corpus 045's
// freda and FWM 15 in the LVS differential).
func TestPersistenceGranularity(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "keepalived.conf")
	if err := os.WriteFile(conf, []byte(`virtual_server fwmark 15 {
  persistence_granularity 128
  real_server 10:10:10::2 24 {
  }
}
virtual_server 10.20.0.1 80 {
  protocol TCP
  persistence_granularity 255.255.255.0
  real_server 10.20.1.2 80 {
  }
}
virtual_server 10.20.0.2 80 {
  protocol TCP
  real_server 10.20.1.2 80 {
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parser.Parse(conf, parser.Options{NoConfigID: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	FormatCheckData(&out, cfg, nil)
	got := regexp.MustCompile(`(?m)^ +persistence granularity = .*$`).FindAllString(out.String(), -1)
	want := []string{"   persistence granularity = 128", "   persistence granularity = 255.255.255.0"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestVSGFwmarkAliveFamily: keepalived counts a group's fwmark entry's
// destinations as IPv4 only for an AF_INET virtual server; one on a group
// of both families (AF_UNSPEC) counts them as IPv6 (corpus 033 in the LVS
// differential).
func TestVSGFwmarkAliveFamily(t *testing.T) {
	for _, tc := range []struct {
		group, want string
	}{
		{"10.0.0.1 53\n fd00::4a 53\n fwmark 22 inet\n fwmark 36 inet6", "     Alive: 0 IPv4, 2 IPv6"},
		{"10.0.0.1 53\n fwmark 22 inet", "     Alive: 2 IPv4, 0 IPv6"},
	} {
		conf := filepath.Join(t.TempDir(), "keepalived.conf")
		src := "virtual_server_group G {\n " + tc.group + "\n}\nvirtual_server group G {\n protocol TCP\n lvs_method TUN\n" +
			"real_server 2001:db8::20 {\n}\nreal_server 10.0.0.26 {\n}\n}\n"
		if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, diags, err := parser.Parse(conf, parser.Options{NoConfigID: true})
		if err != nil || len(cfg.LVS.VirtualServers) == 0 {
			t.Fatalf("%v %v", err, diags)
		}
		vs := cfg.LVS.VirtualServers[0]
		h := check.ServiceStatus{Members: []check.Member{{ID: "a", Weight: 1}, {ID: "b", Weight: 1}}}
		var out bytes.Buffer
		FormatCheckData(&out, cfg, map[string]check.ServiceStatus{vsID(vs): h})
		got := regexp.MustCompile(`(?m)^ +Alive: \d+ IPv4.*$`).FindString(out.String())
		if got != tc.want {
			t.Errorf("%q: %q, want %q (family %v)", tc.group, got, tc.want, vs.Family)
		}
	}
}
