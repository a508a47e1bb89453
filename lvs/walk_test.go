package lvs

import (
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
	"github.com/dsas/keepalived-go/ipvs"
)

// lineLog keeps the messages logged at info and above.
type lineLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelInfo }
func (l *lineLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, r.Message)
	return nil
}
func (l *lineLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *lineLog) WithGroup(string) slog.Handler      { return l }

func (l *lineLog) matching(sub string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			out = append(out, s)
		}
	}
	return out
}

// TestURLWalkLogs runs an HTTP_GET with two urls against a local server
// whose second url's body is wrong for a while, and compares the urls it
// asked for and keepalived's log lines: one url per check, the failed url
// alone until it answers, then every url again, each logged while the
// checker is down, and the checker up at the end of that walk
// (check_http.c's http_handle_response and epilog). It takes about 7 s:
// keepalived's timers count in seconds.
func TestURLWalkLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("real time")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		asked []string
		good  atomic.Bool
	)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		body := "ok\n"
		if r.URL.Path == "/mrtg/" && !good.Load() {
			body = "stale\n"
		}
		_, _ = io.WriteString(w, body)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	conf := fmt.Sprintf(`virtual_server 10.0.0.1 80 {
  delay_loop 1
  lb_algo rr
  protocol TCP
  real_server 127.0.0.1 %d {
    HTTP_GET {
      url {
        path /
      }
      url {
        path /mrtg/
        digest %x
      }
      connect_timeout 2
      retry 0
      delay_before_retry 1
      warmup 0
    }
  }
}
`, port, md5.Sum([]byte("ok\n")))
	logs := &lineLog{}
	m, err := New(parse(t, conf), Options{Kernel: &ipvs.Memory{}, Resync: -1, RunScript: func(*config.Command) {}, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	stop := sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	defer stop()
	rs := fmt.Sprintf("[127.0.0.1]:tcp:%d", port)
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s; log:\n%s", what, strings.Join(logs.matching(""), "\n"))
			}
		}
	}
	failedURL := func() string {
		m.mu.Lock()
		g := m.gen
		m.mu.Unlock()
		if g == nil {
			return ""
		}
		return g.eng.Status()[0].Reals[0].Checkers[0].FailedURL
	}
	waitFor("failed url", func() bool { return failedURL() == "/mrtg/" })
	good.Store(true)
	waitFor("recovery", func() bool { return len(logs.matching("succeed on service")) > 0 })
	stop()

	want := []string{
		"HTTP_CHECK on service " + rs + " failed.",
		"MD5 digest success to " + rs + " url(/mrtg/)",
		"HTTP status code success to " + rs + " url(/)",
		"MD5 digest success to " + rs + " url(/mrtg/)",
		"Remote Web server " + rs + " succeed on service.",
	}
	var got []string
	for _, l := range logs.matching(rs) {
		if strings.Contains(l, "HTTP_CHECK") || strings.Contains(l, "success to") || strings.Contains(l, "succeed on") {
			got = append(got, l)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("log lines\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	mu.Lock()
	defer mu.Unlock()
	// The failed url is asked until it answers (how often depends on the
	// test's timing), then each url once.
	if s := strings.Join(asked, " "); !askedRe.MatchString(s) {
		t.Errorf("asked %s, want %s", s, askedRe)
	}
	if u := failedURL(); u != "" {
		t.Errorf("failed url %q after the recovery", u)
	}
}

var askedRe = regexp.MustCompile(`^/( /mrtg/){2,} / /mrtg/$`)
