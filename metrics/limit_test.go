package metrics

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/dsas/keepalived-go/status"
)

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

// TestIdleConnectionFlood opens many connections that never send a request
// (and some that went idle after one, and some that never finish their
// headers): the server holds at most MaxConns
// of them, the rest are closed by the server, and a scrape made during the
// flood is answered. Before the bound, each connection held a descriptor
// and its goroutine until ReadHeaderTimeout, and a kept-alive connection
// forever.
func TestIdleConnectionFlood(t *testing.T) {
	srv, err := Serve("127.0.0.1:0", NewRegistry(status.Sources{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr := srv.Addr().String()
	base := openFDs(t)

	const n = 1000
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		switch i % 100 {
		case 0:
			// A scrape whose connection is kept alive, then left idle.
			keepAliveScrape(t, c)
		case 50:
			// Slowloris: headers that never end.
			if _, err := io.WriteString(c, "GET /metrics HTTP/1.1\r\nHo"); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The scrape is accepted after every connection above (the kernel
	// queues them in order), so by the time it is answered the server has
	// dealt with all of them.
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape during the flood: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "keepalived_up 1") {
		t.Fatalf("scrape during the flood: %s\n%s", resp.Status, body)
	}
	held := srv.lim.open()
	serverFDs := openFDs(t) - base - n
	t.Logf("%d client connections: server holds %d connections, %d descriptors more than before", n, held, serverFDs)
	if held > MaxConns || serverFDs > MaxConns+1 {
		t.Errorf("server holds %d connections / %d descriptors, want at most %d", held, serverFDs, MaxConns)
	}
	// The oldest connections were closed by the server: a read sees EOF.
	// The deadline only stops a broken run from hanging.
	closed := 0
	for _, c := range conns[:n-MaxConns] {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
			closed++
		}
	}
	if closed != n-MaxConns {
		t.Errorf("%d of the %d oldest idle connections closed by the server", closed, n-MaxConns)
	}
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": srv.srv.ReadHeaderTimeout, "ReadTimeout": srv.srv.ReadTimeout,
		"WriteTimeout": srv.srv.WriteTimeout, "IdleTimeout": srv.srv.IdleTimeout} {
		if d <= 0 {
			t.Errorf("%s not set", name)
		}
	}
}

func isReset(err error) bool { return err != nil && strings.Contains(err.Error(), "connection reset") }

// keepAliveScrape makes one HTTP/1.1 request on c and reads the response,
// leaving the connection open and idle.
func keepAliveScrape(t *testing.T, c net.Conn) {
	t.Helper()
	if _, err := io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// blockingGatherer holds its first Gather until release is closed.
type blockingGatherer struct {
	entered, release chan struct{}
	once             sync.Once
}

func (g *blockingGatherer) Gather() ([]*dto.MetricFamily, error) {
	g.once.Do(func() {
		close(g.entered)
		<-g.release
	})
	return NewRegistry(status.Sources{}).Gather()
}

// TestFloodSparesAnsweredScrape: a scrape being answered is never evicted,
// however many connections arrive meanwhile; it completes once its
// handler does.
func TestFloodSparesAnsweredScrape(t *testing.T) {
	g := &blockingGatherer{entered: make(chan struct{}), release: make(chan struct{})}
	srv, err := Serve("127.0.0.1:0", g, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr := srv.Addr().String()
	type result struct {
		body string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			done <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{string(b), err}
	}()
	<-g.entered
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 4*MaxConns; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// A second scrape is answered too: proof the flood has been accepted
	// (and evicted from) while the first was held.
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("index during the flood: %v", err)
	}
	resp.Body.Close()
	close(g.release)
	r := <-done
	if r.err != nil || !strings.Contains(r.body, "keepalived_up 1") {
		t.Fatalf("held scrape: %v\n%s", r.err, r.body)
	}
}
