// Package bfdrun is keepalived's BFD process: the bfd engine on this
// host's sockets (bfdsock), started, reloaded and stopped by the daemon.
// Session changes reach the VRRP and checker sides through Subscribe, the
// counterpart of keepalived's event pipes.
package bfdrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/dsas/keepalived-go/bfd"
	"github.com/dsas/keepalived-go/bfd/wire"
	"github.com/dsas/keepalived-go/bfdsock"
)

// Runner is one running BFD process.
type Runner struct {
	eng    *bfd.Engine
	cancel context.CancelFunc
	done   chan struct{}
	lns    []*bfdsock.Listener

	mu   sync.Mutex
	subs []func(name string, up bool)
}

// Options tune Start; the zero value is production.
type Options struct {
	// Port is the control port to listen on and send to; 0 is 3784.
	Port int
	// Do runs socket creation, e.g. inside a test's network namespace;
	// nil calls f directly.
	Do func(f func() error) error
}

type transport struct {
	port int
	do   func(func() error) error
}

func (t transport) Open(sp bfd.Spec) (bfd.Sender, error) {
	var s *bfdsock.Sender
	err := t.do(func() error {
		var err error
		s, err = bfdsock.Open(sp.Neighbor, sp.Source, sp.TTL, t.port)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Start listens on the control port of both families and runs specs.
func Start(log *slog.Logger, specs []bfd.Spec, opt Options) (*Runner, error) {
	if opt.Port == 0 {
		opt.Port = bfdsock.ControlPort
	}
	if opt.Do == nil {
		opt.Do = func(f func() error) error { return f() }
	}
	r := &Runner{done: make(chan struct{})}
	r.eng = bfd.NewEngine(log, transport{opt.Port, opt.Do}, r.publish)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	for _, v6 := range []bool{false, true} {
		var l *bfdsock.Listener
		err := opt.Do(func() error {
			var err error
			l, err = bfdsock.Listen(ctx, v6, opt.Port)
			return err
		})
		if err != nil {
			// A host without IPv6 still runs its IPv4 sessions.
			if v6 {
				log.Warn(fmt.Sprintf("Unable to open IPv6 listening socket: %v", err))
				continue
			}
			r.closeListeners()
			cancel()
			return nil, fmt.Errorf("bfd: %w", err)
		}
		r.lns = append(r.lns, l)
	}
	for _, l := range r.lns {
		go func() {
			if err := l.Serve(r.eng.Input); err != nil {
				log.Error(err.Error())
			}
		}()
	}
	lns := r.lns
	r.eng.SetPending(func() bool {
		for _, l := range lns {
			if l.Pending() {
				return true
			}
		}
		return false
	})
	r.eng.Apply(specs)
	go func() { defer close(r.done); r.eng.Run(ctx) }()
	return r, nil
}

// Subscribe adds a listener for Up (true) and Down (false) events: on Up,
// and on a fall from Up unless the peer went AdminDown (keepalived sends
// nothing then). It must not block.
func (r *Runner) Subscribe(f func(name string, up bool)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs = append(r.subs, f)
}

func (r *Runner) publish(name string, up bool) {
	r.mu.Lock()
	subs := r.subs
	r.mu.Unlock()
	for _, f := range subs {
		f(name, up)
	}
}

// Apply is a reload: unchanged sessions stay up.
func (r *Runner) Apply(specs []bfd.Spec) { r.eng.Apply(specs) }

// Status lists the sessions (none on a nil Runner: the BFD side is not
// running).
func (r *Runner) Status() []bfd.Status {
	if r == nil {
		return nil
	}
	return r.eng.Status()
}

// Counters are the engine's packet counters (zero on a nil Runner).
func (r *Runner) Counters() bfd.Counters {
	if r == nil {
		return bfd.Counters{}
	}
	return r.eng.Counters()
}

// Up reports whether session name is Up (false on a nil Runner).
func (r *Runner) Up(name string) bool {
	for _, s := range r.Status() {
		if s.Name == name {
			return s.State == wire.Up
		}
	}
	return false
}

// UpSessions names the sessions that are Up now.
func (r *Runner) UpSessions() []string {
	var out []string
	for _, s := range r.Status() {
		if s.State == wire.Up {
			out = append(out, s.Name)
		}
	}
	return out
}

// Stop sends AdminDown on every session and closes the sockets.
func (r *Runner) Stop() error {
	r.cancel()
	<-r.done
	return r.closeListeners()
}

func (r *Runner) closeListeners() error {
	var errs []error
	for _, l := range r.lns {
		errs = append(errs, l.Close())
	}
	r.lns = nil
	return errors.Join(errs...)
}

// Dump lists the sessions for the SIGUSR1 file (none on a nil Runner).
func (r *Runner) Dump() []bfd.EntryDump {
	if r == nil {
		return nil
	}
	return r.eng.Dump()
}

// InputFD is the descriptor packets arrive on (the IPv4 listener's;
// -1 when none), the file's fd_in.
func (r *Runner) InputFD() int {
	if r == nil || len(r.lns) == 0 {
		return -1
	}
	return r.lns[0].FD()
}
