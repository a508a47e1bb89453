package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/check/probe"
)

// fakeWalker is an HTTP_GET whose urls answer as bad says.
type fakeWalker struct {
	paths []string
	bad   map[string]bool
	aimed int
	asked []string
}

func (f *fakeWalker) Parts() int        { return len(f.paths) }
func (f *fakeWalker) Part(i int) string { return f.paths[i] }
func (f *fakeWalker) Aim(i int)         { f.aimed = i }
func (f *fakeWalker) Check(context.Context) probe.Result {
	p := f.paths[f.aimed]
	f.asked = append(f.asked, p)
	if f.bad[p] {
		return probe.Result{Err: errors.New("digest")}
	}
	return probe.Result{}
}

// walkStep is what one check did: the url fetched, the verdict logged,
// up afterwards, the failed url and the delay to the next check.
func walkStep(c *checkerState, f *fakeWalker) string {
	c.aim()
	v := c.apply(f.Check(context.Background()), 1)
	said := "-"
	if l := v.logged; l != nil {
		said = fmt.Sprintf("up=%v url=%d partial=%v", l.Up, l.URL, l.Partial)
	}
	return fmt.Sprintf("%s %s up=%v failed=%q next=%v", f.asked[len(f.asked)-1], said, c.up, c.walk.failedURL(), v.delay)
}

// TestURLWalk follows check_http.c's epilog over three urls, the second
// failing for a while: one url per check, delay_loop apart; the failed
// url alone until it answers; then every url again from the first, the
// checker up only at the end of that walk; and retries counted per url.
func TestURLWalk(t *testing.T) {
	f := &fakeWalker{paths: []string{"/a", "/b", "/c"}, bad: map[string]bool{"/b": true}}
	tm := Timing{DelayLoop: 10 * time.Second, DelayBeforeRetry: 3 * time.Second, Retry: 1}
	c := newCheckerState(&Checker{Kind: "HTTP_GET", Probe: f, Timing: tm})
	var got []string
	for i := 0; i < 11; i++ {
		if i == 3 {
			f.bad["/b"] = false
		}
		if i == 8 {
			f.bad["/b"] = true
		}
		got = append(got, walkStep(c, f))
	}
	want := []string{
		// First walk: a failure takes the checker down at once (retries
		// start spent), and /b becomes the failed url.
		`/a - up=true failed="" next=10s`,
		`/b up=false url=1 partial=false up=false failed="/b" next=10s`,
		`/b - up=false failed="/b" next=10s`,
		// /b answers: it is cleared, the walk starts again from /a.
		`/b up=true url=1 partial=true up=false failed="" next=10s`,
		`/a up=true url=0 partial=true up=false failed="" next=10s`,
		`/b up=true url=1 partial=true up=false failed="" next=10s`,
		`/c up=true url=2 partial=false up=true failed="" next=10s`,
		`/a - up=true failed="" next=10s`,
		// Up: /b gets its retry after delay_before_retry, then fails for good.
		`/b - up=true failed="" next=3s`,
		`/b up=false url=1 partial=false up=false failed="/b" next=10s`,
		`/b - up=false failed="/b" next=10s`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestURLWalkAlpha: an alpha checker is down from the start; its first
// failure is quiet (timeout_epilog marks it as run before the epilog
// looks) but marks the url failed; each url that passes while it is down
// is logged.
func TestURLWalkAlpha(t *testing.T) {
	f := &fakeWalker{paths: []string{"/a", "/b"}, bad: map[string]bool{"/a": true}}
	tm := Timing{DelayLoop: 10 * time.Second, DelayBeforeRetry: 3 * time.Second, Retry: 2, Alpha: true}
	c := newCheckerState(&Checker{Kind: "SSL_GET", Probe: f, Timing: tm})
	got := []string{walkStep(c, f)}
	f.bad["/a"] = false
	for i := 0; i < 3; i++ {
		got = append(got, walkStep(c, f))
	}
	want := []string{
		`/a - up=false failed="/a" next=10s`,
		`/a up=true url=0 partial=true up=false failed="" next=10s`,
		`/a up=true url=0 partial=true up=false failed="" next=10s`,
		`/b up=true url=1 partial=false up=true failed="" next=10s`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestURLWalkFastRecovery: fast_recovery checks at once before the first
// verdict and while the checker is down with no url failed.
func TestURLWalkFastRecovery(t *testing.T) {
	f := &fakeWalker{paths: []string{"/a", "/b"}, bad: map[string]bool{}}
	tm := Timing{DelayLoop: 10 * time.Second, DelayBeforeRetry: 3 * time.Second, Retry: 0}
	c := newCheckerState(&Checker{Kind: "HTTP_GET", Probe: f, Timing: tm, FastRecovery: true})
	var got []time.Duration
	for i, bad := range []bool{false, false, true, true, false, false, false, false} {
		f.bad["/b"] = bad && i > 1
		c.aim()
		got = append(got, c.apply(f.Check(context.Background()), 1).delay)
	}
	// /a /b (up) /a /b (down, failed) /b (cleared: down, none failed) /a /b (up) /a
	want := []time.Duration{0, 10 * time.Second, 10 * time.Second, 10 * time.Second, 0, 0, 10 * time.Second, 10 * time.Second}
	if fmt.Sprint(got) != fmt.Sprint(want) || strings.Join(f.asked, " ") != "/a /b /a /b /b /a /b /a" {
		t.Errorf("delays %v want %v; asked %v", got, want, f.asked)
	}
}

// TestURLWalkEngine runs the engine on a real HTTP_GET with two urls
// against a local server whose second url's digest never matches: the
// server sees one url per check, the failed url alone once it failed,
// and the status names it.
func TestURLWalkEngine(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var asked []string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		_, _ = io.WriteString(w, "ok\n")
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	h := &probe.HTTP{Conn: probe.Conn{Addr: netip.MustParseAddrPort(ln.Addr().String()), Timeout: 2 * time.Second},
		URLs: []probe.URL{{Path: "/"}, {Path: "/mrtg/", Digest: "9b3a0c85a887a256d6939da88aabd8cd"}}}
	tm := Timing{DelayLoop: 50 * time.Millisecond, DelayBeforeRetry: 50 * time.Millisecond, Retry: 1}
	vs := VirtualServer{ID: "vs", Reals: []RealServer{{ID: "rs", Weight: 1, Checkers: []Checker{{Kind: "HTTP_GET", Timing: tm, Probe: h}}}}}
	for _, loop := range []bool{true, false} {
		t.Run(fmt.Sprintf("loop=%v", loop), func(t *testing.T) {
			mu.Lock()
			asked = nil
			mu.Unlock()
			var opts []Option
			if !loop {
				opts = append(opts, WithoutEventLoop())
			}
			e, err := New([]VirtualServer{vs}, &memberSink{members: map[string][]Member{}}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { _ = e.Run(ctx); close(done) }()
			deadline := time.Now().Add(15 * time.Second)
			for e.Checks() < 5 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			<-done
			st := e.Status()[0].Reals[0].Checkers[0]
			mu.Lock()
			got := strings.Join(asked[:5], " ")
			mu.Unlock()
			if got != "/ /mrtg/ /mrtg/ /mrtg/ /mrtg/" || st.FailedURL != "/mrtg/" || st.Up {
				t.Errorf("asked %s; status up %v failed url %q", got, st.Up, st.FailedURL)
			}
		})
	}
}
