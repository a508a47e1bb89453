package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestTCP(t *testing.T) {
	leakCheck(t)
	open := tcpServer(t, func(net.Conn) {})
	if r := mustReturn(t, &TCP{Conn: Conn{Addr: open, Timeout: time.Second}}); !r.OK() {
		t.Fatalf("open port: %v", r.Err)
	}
	if r := mustReturn(t, &TCP{Conn: Conn{Addr: closedPort(t), Timeout: time.Second}}); r.OK() {
		t.Fatal("closed port passed")
	}
}

// TestTCPBindInUse: a bind_port another socket holds is a SetupError (the
// check never ran; keepalived's connect_error), on the blocking and the
// stepped path alike.
func TestTCPBindInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	held := ln.Addr().(*net.TCPAddr).AddrPort()
	p := &TCP{Conn: Conn{Addr: closedPort(t), BindAddr: held.Addr(), BindPort: held.Port(), Timeout: time.Second}}
	var se *SetupError
	if r := p.Check(context.Background()); !errors.As(r.Err, &se) || se.Op != "bind" || !errors.Is(se, syscall.EADDRINUSE) {
		t.Fatalf("Check: %v", r.Err)
	}
	st := p.Begin(time.Now())
	if fd, _, _, _ := st.Wait(); fd >= 0 {
		t.Fatalf("stepped check waits on fd %d", fd)
	}
	if r, done := st.Step(time.Now(), false); !done || !errors.As(r.Err, &se) {
		t.Fatalf("Step: done %v, %v", done, r.Err)
	}
}

// smtpServer plays a scripted SMTP peer and records what the client said.
func smtpServer(banner, heloReply string, said *[]string, mu *sync.Mutex, done chan struct{}) func(net.Conn) {
	return func(c net.Conn) {
		defer close(done)
		if banner == "" { // silent server
			_, _ = io.Copy(io.Discard, c)
			return
		}
		_, _ = io.WriteString(c, banner)
		br := bufio.NewReader(c)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			mu.Lock()
			*said = append(*said, strings.TrimRight(l, "\r\n"))
			mu.Unlock()
			switch {
			case strings.HasPrefix(l, "HELO") && heloReply == "":
				return // hang up
			case strings.HasPrefix(l, "HELO"):
				_, _ = io.WriteString(c, heloReply)
			case strings.HasPrefix(l, "QUIT"):
				_, _ = io.WriteString(c, "221 bye\r\n")
				return
			}
		}
	}
}

// TestSMTP: keepalived's dialogue and its failure reasons (smtp_final's
// words, with the server as [ip]:port).
func TestSMTP(t *testing.T) {
	for _, tc := range []struct {
		name, banner, helo, heloReply string
		wantErr                       string // "" for a pass
		wantSaid                      string
	}{
		{"good", "220 mx ESMTP\r\n", "", "250 mx\r\n", "", "HELO smtpchecker.keepalived.org|QUIT"},
		{"bare codes and helo_name", "220\n", "me.example", "250\n", "", "HELO me.example|QUIT"},
		// keepalived parses the first line only, strictly.
		{"multi-line banner", "220-mx\r\n220 ready\r\n", "", "250 mx\r\n", "Bad greeting banner from server", ""},
		{"code then CR", "220\r\n", "", "250 mx\r\n", "Bad greeting banner from server", ""},
		{"554 banner", "554 go away\r\n", "", "250 mx\r\n", "Bad greeting banner from server", ""},
		{"helo refused", "220 mx\r\n", "", "501 no\r\n", "Bad HELO response from server", "HELO smtpchecker.keepalived.org"},
		{"multi-line helo answer", "220 mx\r\n", "", "250-mx\r\n250 ok\r\n", "Bad HELO response from server", "HELO smtpchecker.keepalived.org"},
		{"closed after HELO", "220 mx\r\n", "", "", "Read failure from server", "HELO smtpchecker.keepalived.org"},
		{"silent", "", "", "", "Read timeout from server", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			var mu sync.Mutex
			var said []string
			done := make(chan struct{})
			addr := tcpServer(t, smtpServer(tc.banner, tc.heloReply, &said, &mu, done))
			r := mustReturn(t, &SMTP{Conn: Conn{Addr: addr, Timeout: shortTimeout}, HELO: tc.helo})
			want := ""
			if tc.wantErr != "" {
				want = fmt.Sprintf("%s [%s]:%d", tc.wantErr, addr.Addr(), addr.Port())
			}
			if got := errText(r.Err); got != want {
				t.Fatalf("err %q, want %q", got, want)
			}
			<-done // the peer has seen the whole conversation
			mu.Lock()
			defer mu.Unlock()
			if got := strings.Join(said, "|"); got != tc.wantSaid {
				t.Errorf("client said %q, want %q", got, tc.wantSaid)
			}
		})
	}
	closed := closedPort(t)
	r := mustReturn(t, &SMTP{Conn: Conn{Addr: closed, Timeout: shortTimeout}})
	if want := fmt.Sprintf("Could not connect to server [%s]:%d", closed.Addr(), closed.Port()); errText(r.Err) != want {
		t.Errorf("closed port: %q, want %q", errText(r.Err), want)
	}
	var se *SMTPError
	if !errors.As(r.Err, &se) || !errors.Is(r.Err, syscall.ECONNREFUSED) {
		t.Errorf("closed port: %#v is not an SMTPError wrapping ECONNREFUSED", r.Err)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
