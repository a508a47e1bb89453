package daemon

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/config"
)

type recSink struct {
	mu  sync.Mutex
	got []string
}

func (r *recSink) BFDState(name string, up bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, name+map[bool]string{true: " up", false: " down"}[up])
}

func (r *recSink) Run(ctx context.Context) error { <-ctx.Done(); return nil }
func (r *recSink) Reload(*config.Config) error   { return nil }

func (r *recSink) events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// TestBFDEventRouting: every event reaches the VRRP side; the checker side
// gets only those of sessions routed to it (`checker`, or neither `vrrp`
// nor `checker`), as keepalived writes its two pipes.
func TestBFDEventRouting(t *testing.T) {
	b := &bfdSide{log: slog.New(slog.DiscardHandler), wake: make(chan struct{}, 1),
		quit: make(chan struct{}), done: make(chan struct{})}
	b.route(&config.Config{VRRP: config.VRRP{BFDs: []config.BFDInstance{
		{Name: "BOTH", ToVRRP: true, ToChecker: true},
		{Name: "VRRPONLY", ToVRRP: true},
		{Name: "CHECKONLY", ToChecker: true},
	}}})
	v, c := &recSink{}, &recSink{}
	b.target.Store(&bfdTarget{v})
	b.syncLVS(c)
	go b.forward()
	defer func() { close(b.quit); <-b.done }()
	b.enqueue("BOTH", true)
	b.enqueue("VRRPONLY", false)
	b.enqueue("CHECKONLY", true)
	deadline := time.Now().Add(5 * time.Second)
	for len(v.events()) < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := v.events(); !slices.Equal(got, []string{"BOTH up", "VRRPONLY down", "CHECKONLY up"}) {
		t.Errorf("VRRP side got %v", got)
	}
	if got := c.events(); !slices.Equal(got, []string{"BOTH up", "CHECKONLY up"}) {
		t.Errorf("checker side got %v", got)
	}
	b.syncLVS(nil)
	if b.checker.Load() != nil {
		t.Error("syncLVS(nil) left a checker target")
	}
}
