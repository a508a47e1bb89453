package smtpalert

import (
	"bufio"
	"bytes"
	"log/slog"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer answers one SMTP conversation on 127.0.0.1 and records what
// the client sent; codes overrides a command's reply.
func fakeServer(t *testing.T, codes map[string]string) (netip.AddrPort, func() string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var got strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		c.Write([]byte("220-fake\r\n220 ready\r\n"))
		inData := false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			mu.Lock()
			got.WriteString(line)
			mu.Unlock()
			if inData {
				if line == ".\r\n" {
					inData = false
					c.Write([]byte("250 queued\r\n"))
				}
				continue
			}
			cmd := strings.Fields(line)[0]
			reply := map[string]string{"HELO": "250 hi", "MAIL": "250 ok", "RCPT": "250 ok", "DATA": "354 go", "QUIT": "221 bye"}[cmd]
			if r, ok := codes[cmd]; ok {
				reply = r
			}
			c.Write([]byte(reply + "\r\n"))
			if cmd == "DATA" && strings.HasPrefix(reply, "354") {
				inData = true
			}
			if cmd == "QUIT" {
				return
			}
		}
	}()
	ap := netip.MustParseAddrPort(ln.Addr().String())
	return ap, func() string {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return got.String()
	}
}

func logger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestSendKeepalivedConversation: the commands, headers and body are
// keepalived 2.2.7's (core/smtp.c, vrrp_notify.c).
func TestSendKeepalivedConversation(t *testing.T) {
	ap, transcript := fakeServer(t, nil)
	var logs bytes.Buffer
	s := New(Config{Server: ap, From: "ka@example.com", To: []string{"a@example.com", "b@example.com"}, RouterID: "lb1", Timeout: 5 * time.Second}, logger(&logs))
	s.now = func() time.Time { return time.Date(2021, 3, 1, 9, 44, 8, 0, time.UTC) }
	s.Send("VRRP Instance", "VI_1", "Entering MASTER state", "=> VRRP Instance is now owning VRRP VIPs <=")
	s.Wait()
	want := "HELO localhost\r\n" +
		"MAIL FROM:<ka@example.com>\r\n" +
		"RCPT TO:<a@example.com>\r\n" +
		"RCPT TO:<b@example.com>\r\n" +
		"DATA\r\n" +
		"Date: Mon, 01 Mar 2021 09:44:08 +0000\r\n" +
		"From: ka@example.com\r\n" +
		"Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\n" +
		"X-Mailer: Keepalived\r\n" +
		"To: a@example.com, b@example.com\r\n" +
		"\r\n" +
		"=> VRRP Instance is now owning VRRP VIPs <=\r\n" +
		"\r\n" +
		".\r\n" +
		"QUIT\r\n"
	if got := transcript(); got != want {
		t.Fatalf("conversation:\n%q\nwant\n%q", got, want)
	}
	if !strings.Contains(logs.String(), "SMTP alert successfully sent.") {
		t.Fatalf("log:\n%s", logs.String())
	}
}

// TestSendRefusedAndRejected: keepalived's lines for a server that
// refuses the connection and for an unexpected reply (then QUIT).
func TestSendRefusedAndRejected(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	var logs bytes.Buffer
	s := New(Config{Server: closed, From: "ka@x", To: []string{"a@x"}, Timeout: 5 * time.Second}, logger(&logs))
	s.Send("VRRP Instance", "VI_1", "Entering BACKUP state", "body")
	s.Wait()
	if !regexp.MustCompile(`smtp fd \d+ returned write error`).MatchString(logs.String()) {
		t.Fatalf("refused: log\n%s", logs.String())
	}
	// An IPv6 server (corpus 029's smtp_server 2a02::4): on loopback,
	// refused likewise.
	logs.Reset()
	s = New(Config{Server: netip.AddrPortFrom(netip.IPv6Loopback(), closed.Port()), From: "ka@x", To: []string{"a@x"}, Timeout: 5 * time.Second}, logger(&logs))
	s.Send("VRRP Instance", "VI_1", "Entering BACKUP state", "body")
	s.Wait()
	if !regexp.MustCompile(`smtp fd \d+ returned write error`).MatchString(logs.String()) {
		t.Fatalf("IPv6 refused: log\n%s", logs.String())
	}

	ap, transcript := fakeServer(t, map[string]string{"RCPT": "550 no such user"})
	logs.Reset()
	s = New(Config{Server: ap, Helo: "lb1.example", From: "ka@x", To: []string{"a@x"}, Timeout: 5 * time.Second}, logger(&logs))
	s.Send("VRRP Group", "G1", "Stopping", "body")
	s.Wait()
	if got := transcript(); got != "HELO lb1.example\r\nMAIL FROM:<ka@x>\r\nRCPT TO:<a@x>\r\nQUIT\r\n" {
		t.Fatalf("conversation %q", got)
	}
	wantLine := "Error processing RCPT cmd on SMTP server [127.0.0.1]:" + strings.Split(ap.String(), ":")[1] + ". SMTP status code = 550"
	if !strings.Contains(logs.String(), wantLine) {
		t.Fatalf("log lacks %q:\n%s", wantLine, logs.String())
	}
}

// TestDisabled: no server or no recipient sends nothing.
func TestDisabled(t *testing.T) {
	if New(Config{To: []string{"a@x"}}, nil).Enabled() || New(Config{Server: netip.MustParseAddrPort("127.0.0.1:25")}, nil).Enabled() {
		t.Fatal("enabled without a server or a recipient")
	}
}

// FuzzReadReply: any server output decodes to a code in 0-999 or an
// error, never a panic.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"220 ok\r\n", "250-a\r\n250-b\r\n250 c\r\n", "354\r\n", "xyz\r\n", "25", "550-\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		code, err := readReply(bufio.NewReader(bytes.NewReader(b)))
		if err == nil && (code < 0 || code > 999) {
			t.Fatalf("code %d from %q", code, b)
		}
	})
}
