package lvs

import (
	"bufio"
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/check"
	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/ipvs"
)

// mailbox is a fake SMTP server on 127.0.0.1 taking any number of
// conversations; each message arrives as "Subject\nbody".
type mailbox struct {
	ln   net.Listener
	msgs chan string
}

func newMailbox(t *testing.T) *mailbox {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb := &mailbox{ln: ln, msgs: make(chan string, 32)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go mb.serve(c)
		}
	}()
	return mb
}

func (mb *mailbox) port() int { return mb.ln.Addr().(*net.TCPAddr).Port }

func (mb *mailbox) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	c.Write([]byte("220 fake\r\n"))
	var subject string
	var body []string
	inData, inBody := false, false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		if inData {
			switch {
			case line == ".":
				inData = false
				mb.msgs <- subject + "\n" + strings.TrimSpace(strings.Join(body, "\n"))
				c.Write([]byte("250 queued\r\n"))
			case inBody:
				body = append(body, line)
			case line == "":
				inBody = true
			case strings.HasPrefix(line, "Subject: "):
				subject = strings.TrimPrefix(line, "Subject: ")
			}
			continue
		}
		cmd, _, _ := strings.Cut(line, " ")
		switch cmd {
		case "DATA":
			inData = true
			c.Write([]byte("354 go\r\n"))
		case "QUIT":
			c.Write([]byte("221 bye\r\n"))
			return
		default:
			c.Write([]byte("250 ok\r\n"))
		}
	}
}

// next waits for n messages, in any order (each is sent on its own
// connection, as keepalived does).
func (mb *mailbox) next(t *testing.T, n int) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for range n {
		select {
		case m := <-mb.msgs:
			got[m] = true
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d mails; got %v", len(got), n, got)
		}
	}
	return got
}

// TestCheckerMailTCP runs the real Manager (IPVS in memory) with a
// TCP_CHECK on a local listener: the real server going down and up again
// and the quorum lost and regained are mailed with keepalived 2.2.7's
// subjects and bodies (core/smtp.c, check_tcp.c, ipwrapper.c).
func TestCheckerMailTCP(t *testing.T) {
	mb := newMailbox(t)
	rsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rsPort := rsLn.Addr().(*net.TCPAddr).Port
	conf := `global_defs {
  router_id lb1
  notification_email {
    ops@example.com
  }
  notification_email_from ka@example.com
  smtp_server 127.0.0.1 ` + strconv.Itoa(mb.port()) + `
  smtp_connect_timeout 5
  smtp_alert_checker
}
virtual_server 10.0.0.1 80 {
  delay_loop 1
  protocol TCP
  quorum 1
  real_server 127.0.0.1 ` + strconv.Itoa(rsPort) + ` {
    TCP_CHECK {
      connect_timeout 1
      retry 0
      warmup 0
    }
  }
}`
	cfg := parse(t, conf)
	m, err := New(cfg, Options{Kernel: &ipvs.Memory{}, Resync: -1, RunScript: func(*config.Command) {}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	rs := "[127.0.0.1]:tcp:" + strconv.Itoa(rsPort)
	vs := "[10.0.0.1]:tcp:80"
	want := func(msgs ...string) {
		t.Helper()
		got := mb.next(t, len(msgs))
		for _, w := range msgs {
			if !got[w] {
				t.Fatalf("no mail %q; got %v", w, got)
			}
		}
	}
	// keepalived starts each service's quorum down and mails it coming up.
	want("[lb1] Virtualserver " + vs + " - UP\n=> Starting with quorum up 1+0=1 <= 1 <=")

	rsLn.Close()
	want("[lb1] Realserver "+rs+" of virtual server "+vs+" - DOWN\n=> TCP CHECK failed on service <=",
		"[lb1] Virtualserver "+vs+" - DOWN\n=> Lost quorum 1+0=1 <= 0 <=")

	rsLn, err = net.Listen("tcp", rsLn.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer rsLn.Close()
	want("[lb1] Realserver "+rs+" of virtual server "+vs+" - UP\n=> TCP CHECK succeed on service <=",
		"[lb1] Virtualserver "+vs+" - UP\n=> Gained quorum 1+0=1 <= 1 <=")

	// A reload that replaces the live real server mails its removal.
	i := strings.Index(conf, "  real_server 127.0.0.1")
	if err := m.Reload(parse(t, conf[:i]+"  real_server 127.0.0.9 80 {\n  }\n}\n")); err != nil {
		t.Fatal(err)
	}
	want("[lb1] Realserver " + rs + " of virtual server " + vs + " - DOWN\n=> Removing <=")
}

// recorder is an alerter that keeps the mails.
type recorder struct {
	mu   sync.Mutex
	sent []string
}

func (r *recorder) Enabled() bool { return true }
func (r *recorder) Alert(subject, body string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, subject+"\n"+body)
}

// TestCheckerMailRules: which events keepalived mails, per smtp_alert and
// no_checker_emails, and the texts of the other checkers.
func TestCheckerMailRules(t *testing.T) {
	const vs, rs = "[10.0.0.1]:tcp:80", "[10.0.1.1]:tcp:80"
	p := &plan{vss: []check.VirtualServer{{ID: vs, Reals: []check.RealServer{{ID: rs, Checkers: []check.Checker{{Kind: "TCP_CHECK"}, {Kind: "BFD_CHECK", Wake: bfdWakeKey("b1")}}}}}}}
	ck := func(kind check.EventKind, checker string, alive, changed, first bool) check.Event {
		ev := check.Event{Kind: kind, VS: vs, RS: rs, Checker: checker, Alive: alive, AliveChanged: changed, First: first}
		if checker == "BFD_CHECK" {
			ev.CheckerIndex = 1
		}
		return ev
	}
	subjDown := "Realserver " + rs + " of virtual server " + vs + " - DOWN\n"
	subjUp := "Realserver " + rs + " of virtual server " + vs + " - UP\n"
	for _, tc := range []struct {
		name      string
		rsOn      bool
		vsOn      bool
		noChecker bool
		ev        check.Event
		want      []string
	}{
		{"rs smtp_alert off", false, true, false, ck(check.CheckerDown, "TCP_CHECK", false, true, false), nil},
		{"second checker down", true, false, false, ck(check.CheckerDown, "TCP_CHECK", false, false, false), []string{subjDown + "=> TCP CHECK failed on service <="}},
		{"no_checker_emails, alive unchanged", true, false, true, ck(check.CheckerDown, "TCP_CHECK", false, false, false), nil},
		{"no_checker_emails, alive changed", true, false, true, ck(check.CheckerUp, "TCP_CHECK", true, true, false), []string{subjUp + "=> TCP CHECK succeed on service <="}},
		{"first verdict of TCP_CHECK", true, false, false, ck(check.CheckerDown, "TCP_CHECK", false, false, true), nil},
		{"first verdict of MISC_CHECK", true, false, false, ck(check.CheckerUp, "MISC_CHECK", true, false, true), []string{subjUp + "=> MISC CHECK succeeded on service <="}},
		{"HTTP_GET down", true, false, false, ck(check.CheckerDown, "HTTP_GET", false, true, false), []string{subjDown + "=> CHECK failed on service : HTTP request failed <="}},
		{"BFD_CHECK up", true, false, false, ck(check.CheckerUp, "BFD_CHECK", true, true, false), []string{subjUp + "=> BFD CHECK b1 succeeded on service <="}},
		{"FILE_CHECK sends none", true, false, false, ck(check.CheckerDown, "FILE_CHECK", false, true, false), nil},
		{"shutdown (keepalived exits before sending)", true, true, false, check.Event{Kind: check.RealServerDown, VS: vs, RS: rs, Shutdown: true}, nil},
		{"removed by a reload", true, false, false, check.Event{Kind: check.RealServerDown, VS: vs, RS: rs, Removed: true}, []string{subjDown + "=> Removing <="}},
		{"rs down event itself", true, false, false, check.Event{Kind: check.RealServerDown, VS: vs, RS: rs}, nil},
		{"quorum vs off", true, false, false, check.Event{Kind: check.QuorumDown, VS: vs}, nil},
		{"quorum lost", false, true, false, check.Event{Kind: check.QuorumDown, VS: vs, Quorum: 3, Hysteresis: 1, Threshold: 2, Weight: 1},
			[]string{"Virtualserver " + vs + " - DOWN\n=> Lost quorum 3+1=2 <= 1 <="}},
		{"quorum down at start", false, true, false, check.Event{Kind: check.QuorumDown, VS: vs, Init: true, Quorum: 3, Hysteresis: 1, Threshold: 4, Weight: 1},
			[]string{"Virtualserver " + vs + " - DOWN\n=> Starting with quorum down 3+1=4 <= 1 <="}},
		{"quorum at stop", false, true, false, check.Event{Kind: check.QuorumDown, VS: vs, Shutdown: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			p.mail = mailPlan{sender: r, vs: map[string]bool{vs: tc.vsOn}, rs: map[[2]string]bool{{vs, rs}: tc.rsOn}, noChecker: tc.noChecker}
			p.sendMail(tc.ev)
			if strings.Join(r.sent, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("sent %q, want %q", r.sent, tc.want)
			}
		})
	}
}
