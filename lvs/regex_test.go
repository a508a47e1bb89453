package lvs

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// bodyServer answers every request with body over HTTP/1.0 on loopback.
func bodyServer(t *testing.T, body string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					l, err := r.ReadString('\n')
					if err != nil || l == "\r\n" {
						break
					}
				}
				_, _ = io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\n"+body)
			}()
		}
	}()
	return ln.Addr().String()
}

// TestURLRegex runs HTTP_GET url regex checks, translated from a
// configuration, against a loopback server: match, regex_no_match and the
// offset window, as keepalived's check_regex decides them.
func TestURLRegex(t *testing.T) {
	const body = "build 42 :: status IBM is up\n"
	host, port, _ := net.SplitHostPort(bodyServer(t, body))
	for _, tc := range []struct {
		name, url string
		want      bool
	}{
		{"match", `regex "IBM.*up"`, true},
		{"no match", `regex "IBM.*down"`, false},
		{"regex_no_match on a match", "regex \"IBM.*up\"\nregex_no_match", false},
		{"regex_no_match without match", "regex \"IBM.*down\"\nregex_no_match", true},
		{"PCRE $ before the final newline", `regex "is up$"`, true},
		{"caseless", "regex \"ibm IS UP\"\nregex_options caseless", true},
		{"min offset before the match", "regex \"IBM\"\nregex_min_offset 19", true},
		{"min offset past the match", "regex \"IBM\"\nregex_min_offset 20", false},
		{"max offset at the match", "regex \"IBM\"\nregex_max_offset 19", true},
		{"max offset before the match", "regex \"IBM\"\nregex_max_offset 18", false},
		{"construct RE2 lacks fails closed", `regex "(IBM) \\1"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := fmt.Sprintf(`virtual_server 10.9.9.9 80 {
  protocol TCP
  real_server %s %s {
    HTTP_GET {
      url {
        path /
        %s
      }
    }
  }
}
`, host, port, tc.url)
			p, err := translate(parse(t, conf), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
			if err != nil {
				t.Fatal(err)
			}
			r := p.vss[0].Reals[0].Checkers[0].Probe.Check(context.Background())
			if r.OK() != tc.want {
				t.Fatalf("ok=%v (%v), want %v", r.OK(), r.Err, tc.want)
			}
			if !tc.want && !strings.Contains(fmt.Sprint(r.Err), "regex") {
				t.Errorf("failure does not name the regex: %v", r.Err)
			}
		})
	}
}
