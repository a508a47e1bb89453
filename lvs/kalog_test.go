package lvs

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/check/probe"
	"github.com/dsas/keepalived-go/config"
	"github.com/google/go-cmp/cmp"
)

// keepalived 2.2.7's checker lines, as the LVS differential saw them in
// the VM (differential/testdata/lvs/tcp_http_quorum.conf).
func TestVerdictLines(t *testing.T) {
	rs := "[10.20.1.2]:tcp:8080"
	urls := []*config.URL{{Path: "/health"}, {Path: "/d", Digest: []byte{1}}}
	for _, tc := range []struct {
		kind config.CheckerType
		v    check.Verdict
		want []string
	}{
		{config.CheckTCP, check.Verdict{Up: true, WasUp: true}, []string{"TCP connection to [10.20.1.2]:tcp:8080 success."}},
		{config.CheckTCP, check.Verdict{Up: false, WasUp: true, HasRun: true, Retry: 1}, []string{"TCP_CHECK on service [10.20.1.2]:tcp:8080 failed after 1 retries."}},
		{config.CheckTCP, check.Verdict{Up: false, WasUp: true, HasRun: false, Retry: 1}, []string{"TCP_CHECK on service [10.20.1.2]:tcp:8080 failed."}},
		{config.CheckTCP, check.Verdict{Up: false, WasUp: true, HasRun: true}, []string{"TCP_CHECK on service [10.20.1.2]:tcp:8080 failed."}},
		{config.CheckHTTP, check.Verdict{Up: true, WasUp: true}, []string{"Remote Web server [10.20.1.2]:tcp:8080 succeed on service."}},
		// A url that passed while the checker is down (check_http.c's
		// http_handle_response), then the last one of the walk (epilog).
		{config.CheckHTTP, check.Verdict{Up: true, WasUp: false, HasRun: true, URL: 0, Partial: true}, []string{
			"HTTP status code success to [10.20.1.2]:tcp:8080 url(/health)"}},
		{config.CheckHTTP, check.Verdict{Up: true, WasUp: false, HasRun: true, URL: 1}, []string{
			"MD5 digest success to [10.20.1.2]:tcp:8080 url(/d)",
			"Remote Web server [10.20.1.2]:tcp:8080 succeed on service."}},
		{config.CheckSSL, check.Verdict{Up: false, WasUp: true, HasRun: true, Retry: 3}, []string{"HTTP_CHECK on service [10.20.1.2]:tcp:8080 failed after 3 retries."}},
		{config.CheckHTTP, check.Verdict{Up: false, WasUp: true, HasRun: false, Retry: 1}, []string{"HTTP_CHECK on service [10.20.1.2]:tcp:8080 failed after 1 retries."}},
		{config.CheckHTTP, check.Verdict{Up: false, WasUp: true, HasRun: true}, []string{"HTTP_CHECK on service [10.20.1.2]:tcp:8080 failed."}},
		{config.CheckUDP, check.Verdict{Up: true}, []string{"UDP connection to [10.20.1.2]:tcp:8080 success."}},
		{config.CheckUDP, check.Verdict{HasRun: true, Retry: 2}, []string{"UDP_CHECK on service [10.20.1.2]:tcp:8080 failed after 2 retries."}},
		{config.CheckPing, check.Verdict{Up: true}, []string{"ICMP connection to [10.20.1.2]:tcp:8080 success."}},
		{config.CheckPing, check.Verdict{HasRun: true, Retry: 1}, []string{"ICMP CHECK on service [10.20.1.2]:tcp:8080 of [10.20.0.1]:tcp:80 failed after 1 retries."}},
		{config.CheckPing, check.Verdict{}, []string{"ICMP CHECK on service [10.20.1.2]:tcp:8080 failed."}},
		{config.CheckSMTP, check.Verdict{Up: true}, []string{"Remote SMTP server [10.20.1.2]:tcp:8080 succeed on service."}},
		// smtp_final's and dns_final's reasons (check_smtp.c, check_dns.c).
		{config.CheckSMTP, check.Verdict{HasRun: true, Retry: 2, Err: &probe.SMTPError{Reason: "Read timeout from server [10.20.1.2]:25"}},
			[]string{"SMTP_CHECK Read timeout from server [10.20.1.2]:25"}},
		{config.CheckSMTP, check.Verdict{Err: errors.New("other")}, nil},
		{config.CheckDNS, check.Verdict{Up: true}, nil},
		{config.CheckDNS, check.Verdict{HasRun: true, Retry: 1, Err: &probe.DNSError{Reason: "failed to read socket; errno 111 (Connection refused)"}},
			[]string{"DNS_CHECK ([10.20.1.2]:tcp:8080) failed to read socket; errno 111 (Connection refused) after 1 retries"}},
		{config.CheckDNS, check.Verdict{HasRun: true, Err: &probe.DNSError{Reason: "read timeout from socket"}},
			[]string{"DNS_CHECK ([10.20.1.2]:tcp:8080) read timeout from socket after 0 retries"}},
		{config.CheckDNS, check.Verdict{Retry: 3, Err: &probe.DNSError{Reason: "read error occurred. (rcode = 2)"}},
			[]string{"DNS_CHECK ([10.20.1.2]:tcp:8080) read error occurred. (rcode = 2)"}},
		// layer4.c's connect_error (corpus 045: two checkers bound to one
		// bindto and bind_port), then the checker's own line.
		{config.CheckTCP, check.Verdict{NotRun: true, WasUp: true, Err: &probe.SetupError{Op: "bind", Err: syscall.EADDRINUSE}},
			[]string{"Checker bind failed: Address already in use", "TCP socket bind failed. Rescheduling."}},
		{config.CheckSSL, check.Verdict{NotRun: true, Err: &probe.SetupError{Op: "SO_BINDTODEVICE", Arg: "eth9", Err: syscall.ENODEV}},
			[]string{"Checker can't bind to device eth9: No such device", "WEB socket bind failed. Rescheduling"}},
		{config.CheckSMTP, check.Verdict{NotRun: true, Err: &probe.SetupError{Op: "SO_MARK", Arg: "7", Err: syscall.EPERM}},
			[]string{"Error setting fwmark 7 to socket: Operation not permitted", "SMTP_CHECK socket bind failed. Rescheduling."}},
	} {
		if diff := cmp.Diff(tc.want, verdictLines(&config.Checker{Type: tc.kind, HTTP: &config.HTTPCheck{URLs: urls}}, "[10.20.0.1]:tcp:80", rs, tc.v)); diff != "" {
			t.Errorf("%s %+v (-want +got):\n%s", tc.kind, tc.v, diff)
		}
	}
}

func TestMiscLine(t *testing.T) {
	m := &config.MiscCheck{Path: config.Command{Argv: []string{"/bin/chk", "a"}, Raw: "/bin/chk a"}}
	for _, tc := range []struct {
		v    check.Verdict
		want string
	}{
		{check.Verdict{Up: true}, "Misc check for [R VS V] by [/bin/chk] succeeded."},
		{check.Verdict{Retry: 1, Err: errors.New("misc /bin/chk: exit status 3")}, "Misc check for [R VS V] by [/bin/chk] failed after 1 retry (exited with status 3)."},
		{check.Verdict{Retry: 2, Err: errors.New("misc /bin/chk: exit status 1")}, "Misc check for [R VS V] by [/bin/chk] failed after 2 retries (exited with status 1)."},
		{check.Verdict{Err: errors.New("misc /bin/chk: timed out after 5s, process group killed")}, "Misc check for [R VS V] by [/bin/chk] timed out with retry disabled."},
	} {
		if got := miscLine(m, "V", "R", tc.v); got != tc.want {
			t.Errorf("got %q\nwant %q", got, tc.want)
		}
	}
}

func TestLogEvent(t *testing.T) {
	var buf bytes.Buffer
	m := &Manager{log: slog.New(slog.NewTextHandler(&buf, nil))}
	p := &plan{vss: []check.VirtualServer{{ID: "VS", Sorry: &check.SorryServer{ID: "S", Inhibit: true},
		Reals: []check.RealServer{{ID: "A"}, {ID: "B", InhibitOnFailure: true}}}}}
	for _, ev := range []check.Event{
		{Kind: check.RealServerDown, VS: "VS", RS: "A"},
		{Kind: check.RealServerUp, VS: "VS", RS: "A"},
		{Kind: check.RealServerDown, VS: "VS", RS: "B"},
		{Kind: check.RealServerUp, VS: "VS", RS: "B"},
		{Kind: check.RealServerDown, VS: "VS", RS: "A", Init: true},
		{Kind: check.QuorumUp, VS: "VS", Quorum: 2, Threshold: 2, Weight: 3, Init: true},
		{Kind: check.QuorumDown, VS: "VS", Quorum: 2, Hysteresis: 1, Threshold: 1, Weight: 0},
		{Kind: check.QuorumUp, VS: "VS", Quorum: 2, Hysteresis: 1, Threshold: 3, Weight: 3},
		{Kind: check.QuorumDown, VS: "VS", Quorum: 2, Threshold: 2, Weight: 0, Init: true},
		{Kind: check.QuorumDown, VS: "VS", Shutdown: true},
	} {
		m.logEvent(p, ev)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		_, msg, _ := strings.Cut(l, "msg=")
		got = append(got, strings.Trim(msg, `"`))
	}
	want := []string{
		"Removing service A from VS VS",
		"Adding service A to VS VS",
		"Disabling service B of VS VS",
		"Enabling service B of VS VS",
		"Gained quorum 2+0=2 <= 3 for VS VS",
		"Lost quorum 2-1=1 > 0 for VS VS",
		"Enabling sorry server S to VS VS",
		"Removing alive servers from the pool for VS VS",
		"Gained quorum 2+1=3 <= 3 for VS VS",
		"Disabling sorry server S from VS VS",
		"Adding alive servers to the pool for VS VS",
		"Starting with quorum down 2-0=2 > 0 for VS VS",
		"Enabling sorry server S to VS VS",
		"Removing alive servers from the pool for VS VS",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestStartDaemonError: keepalived's line for a sync daemon that would not
// start (corpus 062: lvs_sync_daemon on an interface that does not exist).
func TestStartDaemonError(t *testing.T) {
	for err, want := range map[error]string{
		fmt.Errorf("ipvs: start master sync daemon on eth4: %w", &os.SyscallError{Syscall: "recvmsg", Err: syscall.ENODEV}): "IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: No such device(19)",
		syscall.EEXIST:           "IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: Daemon has already run(17)",
		errors.New("no netlink"): "IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: no netlink",
	} {
		if got := startDaemonError(err); got != want {
			t.Errorf("%v: %q, want %q", err, got, want)
		}
	}
}
