package bfdrun

import (
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/bfd"
	"github.com/dsas/keepalived-go/bfd/wire"
	"github.com/dsas/keepalived-go/internal/lab"
)

// events records what a Runner publishes, with when.
type events struct {
	mu  sync.Mutex
	log []event
}

type event struct {
	at   time.Time
	name string
	up   bool
}

func (e *events) add(name string, up bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, event{time.Now(), name, up})
}

// since returns the first event for name with state up after t.
func (e *events) since(t time.Time, name string, up bool) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.log {
		if ev.name == name && ev.up == up && !ev.at.Before(t) {
			return ev.at, true
		}
	}
	return time.Time{}, false
}

// waitFor polls cond every 10 ms until it holds or limit passes. The limit
// is a hang guard, not an assertion on speed.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("%s: not after %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// startRunner runs a Runner inside h's namespace.
func startRunner(t *testing.T, h *lab.Host, specs []bfd.Spec) (*Runner, *events) {
	t.Helper()
	r, err := Start(testLogger(t), specs, Options{Do: h.Do})
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	r.Subscribe(ev.add)
	t.Cleanup(func() { r.Stop() })
	return r, ev
}

func state(r *Runner, name string) (wire.State, bfd.Timers) {
	for _, s := range r.Status() {
		if s.Name == name {
			return s.State, s.Timers
		}
	}
	return wire.AdminDown, bfd.Timers{}
}

func spec(name string, nbr, src netip.Addr, rx, tx time.Duration, mult uint8) bfd.Spec {
	ttl := 255
	if nbr.Is6() {
		ttl = 64 // keepalived's default hoplimit
	}
	return bfd.Spec{Config: bfd.Config{Name: name, MinRx: rx, MinTx: tx, IdleTx: time.Second, Multiplier: mult},
		Neighbor: nbr, Source: src, TTL: ttl}
}
