package daemon

import (
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dsas/keepalived-go/bfdconf"
	"github.com/dsas/keepalived-go/bfdrun"
	"github.com/dsas/keepalived-go/config"
)

// bfdHandle holds the running BFD side for readers that must not take
// the daemon's lock: checkers, which a reload holding it may wait for.
type bfdHandle = atomic.Pointer[bfdrun.Runner]

// DefaultBFDPIDFile is keepalived's BFD child pid file.
const DefaultBFDPIDFile = "/run/bfd.pid"

// bfdSide is keepalived's BFD child process: the sessions of every
// bfd_instance, whose Up/Down events reach the VRRP engine through a
// queue (keepalived's event pipe). The queue keeps the BFD engine's
// lock apart from the daemon's: an event never waits for a reload.
type bfdSide struct {
	log *slog.Logger
	run *bfdrun.Runner
	// detail is -D: keepalived logs each event's delivery only then.
	detail bool
	// target is the VRRP side events go to, set by syncVRRP; not read
	// through the Daemon, whose lock a stop holds while it waits for us.
	target atomic.Pointer[bfdTarget]
	// checker is the checker side (BFD_CHECK), set by syncLVS; keepalived
	// writes each event to its checker pipe as well as the VRRP one.
	checker atomic.Pointer[bfdTarget]
	// toChecker names the sessions whose events go to the checker side
	// (bfd_instance's `checker`, or neither `vrrp` nor `checker`).
	toChecker atomic.Pointer[map[string]bool]

	mu    sync.Mutex
	queue []bfdEvent
	wake  chan struct{}
	quit  chan struct{}
	done  chan struct{}
}

// bfdTarget boxes the side events go to, for the atomic pointer.
type bfdTarget struct{ BFDSink }

type bfdEvent struct {
	name string
	up   bool
	sent time.Time
	// sync: tell the router every session Up at the time this entry is
	// handled, in order with the events around it.
	sync bool
}

// wantBFD: keepalived starts its BFD child when there are bfd_instance
// blocks (or --all), unless -B: -P and -C clear only the checker or the
// VRRP child's bit (main.c), so the BFD child runs with either.
func (d *Daemon) wantBFD(cfg *config.Config) bool {
	return !d.opt.NoBFD && (d.opt.All || cfg.VRRP.BFDConfigured || len(cfg.VRRP.BFDs) > 0)
}

func (d *Daemon) bfdLog() *slog.Logger {
	if d.log.BFD != nil {
		return d.log.BFD
	}
	return d.log.Core
}

// startBFDLocked starts the BFD side; d.mu is held.
func (d *Daemon) startBFDLocked(cfg *config.Config) error {
	d.log.Core.Info(fmt.Sprintf("Starting BFD child process, pid=%d", os.Getpid()))
	log := d.bfdLog()
	run, err := bfdrun.Start(log, bfdconf.Specs(cfg), bfdrun.Options{})
	if err != nil {
		log.Error(fmt.Sprintf("BFD: %v", err))
		return err
	}
	b := &bfdSide{log: log, run: run, detail: d.opt.Detail,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	b.route(cfg)
	// keepalived's BFD child sends every session's state (Down) when it
	// starts them; the other sides log its delivery.
	for _, s := range cfg.VRRP.BFDs {
		if !s.Disabled {
			b.enqueue(s.Name, false)
		}
	}
	run.Subscribe(b.enqueue)
	go b.forward()
	d.bfd = b
	d.bfdNow.Store(run)
	return nil
}

func (b *bfdSide) enqueue(name string, up bool) {
	b.push(bfdEvent{name: name, up: up, sent: time.Now()})
}

func (b *bfdSide) push(ev bfdEvent) {
	b.mu.Lock()
	b.queue = append(b.queue, ev)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// forward hands queued events to the running VRRP engine in order.
func (b *bfdSide) forward() {
	defer close(b.done)
	for {
		select {
		case <-b.quit:
			return
		case <-b.wake:
		}
		b.mu.Lock()
		q := b.queue
		b.queue = nil
		b.mu.Unlock()
		var r, c BFDSink
		if t := b.target.Load(); t != nil {
			r = t.BFDSink
		}
		if t := b.checker.Load(); t != nil {
			c = t.BFDSink
		}
		for _, ev := range q {
			if ev.sync {
				b.pushUp(r)
				continue
			}
			if b.detail {
				b.log.Info(fmt.Sprintf("Received BFD event: instance %s is in state %s (delivered in %d usec)",
					ev.name, upState(ev.up), time.Since(ev.sent).Microseconds()))
			}
			if r != nil {
				r.BFDState(ev.name, ev.up)
			}
			if c != nil && (*b.toChecker.Load())[ev.name] {
				c.BFDState(ev.name, ev.up)
			}
		}
	}
}

// route records which sessions' events the checker side reads.
func (b *bfdSide) route(cfg *config.Config) {
	m := map[string]bool{}
	for _, i := range cfg.VRRP.BFDs {
		m[i.Name] = i.ToChecker
	}
	b.toChecker.Store(&m)
}

// upState is the session state keepalived logs with the event.
func upState(up bool) string {
	if up {
		return "Up"
	}
	return "Down"
}

// syncVRRP makes the VRRP side v the target of events and has it told the
// sessions Up, as keepalived's VRRP child reads the BFD state at start.
// The state is read by the forwarding goroutine, so an event that follows
// the read is also handled after it. A side that is no BFDSink is not told.
func (b *bfdSide) syncVRRP(v Side) {
	r, ok := v.(BFDSink)
	if b == nil || !ok {
		return
	}
	b.target.Store(&bfdTarget{r})
	b.push(bfdEvent{sync: true})
}

// syncLVS makes the checker side l (nil: none) the target of events for
// BFD_CHECK. It needs no start-up read: the checker asks the BFD side
// until its first event.
func (b *bfdSide) syncLVS(l Side) {
	if b == nil {
		return
	}
	r, ok := l.(BFDSink)
	if !ok {
		b.checker.Store(nil)
		return
	}
	b.checker.Store(&bfdTarget{r})
}

// pushUp tells r every session that is Up now.
func (b *bfdSide) pushUp(r BFDSink) {
	if r == nil {
		return
	}
	for _, name := range b.run.UpSessions() {
		r.BFDState(name, true)
	}
}

// reload applies a new configuration: unchanged sessions stay Up.
func (b *bfdSide) reload(cfg *config.Config) {
	b.log.Info("Reloading")
	b.route(cfg)
	b.run.Apply(bfdconf.Specs(cfg))
}

// stop takes every session AdminDown and ends the side.
func (b *bfdSide) stop() error {
	err := b.run.Stop()
	close(b.quit)
	<-b.done
	return err
}

// BFD is the running BFD side (nil when it is not running: its Status,
// Counters and Up are then empty), for status and metrics.
func (d *Daemon) BFD() *bfdrun.Runner { return d.bfdNow.Load() }

// applyBFDLocked is the BFD part of a reload; d.mu is held.
func (d *Daemon) applyBFDLocked(cfg *config.Config) error {
	switch {
	case d.bfd != nil && d.wantBFD(cfg):
		d.bfd.reload(cfg)
	case d.bfd != nil:
		d.stopBFDLocked()
	case d.wantBFD(cfg):
		if err := d.startBFDLocked(cfg); err != nil {
			return fmt.Errorf("bfd: %w", err)
		}
	}
	if d.vrrp != nil {
		d.bfd.syncVRRP(d.vrrp.Side)
	}
	d.bfd.syncLVS(d.lvsLocked())
	return nil
}

// lvsLocked is the checker side with d.mu held (nil when not running).
func (d *Daemon) lvsLocked() Side {
	if d.lvs == nil {
		return nil
	}
	return d.lvs.Side
}

func (d *Daemon) stopBFDLocked() {
	if d.bfd == nil {
		return
	}
	d.bfdNow.Store(nil)
	if err := d.bfd.stop(); err != nil {
		d.bfdLog().Warn(fmt.Sprintf("stop: %v", err))
	}
	d.bfd = nil
}

// BFDUp reports whether bfd_instance name is Up (false when the BFD side
// is not running). It takes no lock of the daemon's: BFD_CHECK calls it.
func (d *Daemon) BFDUp(name string) bool { return d.bfdNow.Load().Up(name) }
