package probe

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync"
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
			case strings.HasPrefix(l, "HELO"):
				_, _ = io.WriteString(c, heloReply)
			case strings.HasPrefix(l, "QUIT"):
				_, _ = io.WriteString(c, "221 bye\r\n")
				return
			}
		}
	}
}

func TestSMTP(t *testing.T) {
	for _, tc := range []struct {
		name, banner, helo, heloReply string
		wantOK                        bool
		wantSaid                      string
	}{
		{"good", "220 mx ESMTP\r\n", "", "250 mx\r\n", true, "HELO smtpchecker.keepalived.org|QUIT"},
		{"multi-line banner and helo_name", "220-mx\r\n220 ready\r\n", "me.example", "250-mx\r\n250 ok\r\n", true, "HELO me.example|QUIT"},
		{"554 banner", "554 go away\r\n", "", "250 mx\r\n", false, ""},
		{"helo refused", "220 mx\r\n", "", "501 no\r\n", false, "HELO smtpchecker.keepalived.org"},
		{"silent", "", "", "", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			var mu sync.Mutex
			var said []string
			done := make(chan struct{})
			addr := tcpServer(t, smtpServer(tc.banner, tc.heloReply, &said, &mu, done))
			r := mustReturn(t, &SMTP{Conn: Conn{Addr: addr, Timeout: shortTimeout}, HELO: tc.helo})
			if r.OK() != tc.wantOK {
				t.Fatalf("ok=%v err=%v, want %v", r.OK(), r.Err, tc.wantOK)
			}
			<-done // the peer has seen the whole conversation
			mu.Lock()
			defer mu.Unlock()
			if got := strings.Join(said, "|"); got != tc.wantSaid {
				t.Errorf("client said %q, want %q", got, tc.wantSaid)
			}
		})
	}
}
