// Package notify turns engine events into keepalived's notifications:
// notify_master/backup/fault/stop, the generic notify (+4 arguments),
// notify_master_rx_lower_pri, and notify_fifo lines.
//
// Scripts of one instance (or sync group) run one after another in event
// order on that instance's own queue, so a slow script delays only later
// notifications of the same instance and never the engine's timers (the
// keepalived baseline showed 200 notify scripts starving its event loop
// into spurious transitions). FIFO lines are written at once, in global
// event order, because a FIFO write never blocks.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/script"
)

// Scripts are the notify commands of one instance or sync group, as argv.
type Scripts struct {
	Master           []string
	Backup           []string
	Fault            []string
	Stop             []string
	Deleted          []string // notify_deleted's script
	MasterRxLowerPri []string
	// Generic is `notify`; it gets INSTANCE|GROUP, name, state, priority
	// appended and runs after the state's own script.
	Generic []string
}

// Config wires the dispatcher.
type Config struct {
	Instances map[string]Scripts
	Groups    map[string]Scripts
	// FIFOs are notify_fifo and vrrp_notify_fifo paths; duplicates are
	// written once, as keepalived does.
	FIFOs []string
	// Timeout bounds each script run (SIGTERM, then SIGKILL 2 s later).
	// Zero means 30 s.
	Timeout time.Duration
	// Run executes one script; nil means script.Run. Tests inject fakes.
	Run    func(ctx context.Context, argv []string, timeout time.Duration) script.Result
	Logger *slog.Logger
}

type key struct {
	group bool
	name  string
}

type job struct {
	argv []string
}

type queue struct {
	jobs    []job
	running bool
}

type fifo struct {
	path    string
	f       *os.File
	created bool
}

// Dispatcher is a vrrp.Notifier.
type Dispatcher struct {
	cfg    Config
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	queues map[key]*queue
	fifos  []*fifo
	wg     sync.WaitGroup
	closed bool
}

var _ vrrp.Notifier = (*Dispatcher)(nil)

// New opens (and if needed creates) the FIFOs.
func New(cfg Config) (*Dispatcher, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Run == nil {
		cfg.Run = script.Run
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{cfg: cfg, log: cfg.Logger, ctx: ctx, cancel: cancel, queues: make(map[key]*queue)}
	seen := map[string]bool{}
	for _, p := range cfg.FIFOs {
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		ff, err := openFIFO(p)
		if err != nil {
			// keepalived logs it and runs on without that FIFO, so a link
			// planted at the path cannot stop the daemon either.
			d.log.Info(fmt.Sprintf("Unable to open notify fifo %s - errno %d", p, errnoOf(err)), "err", err)
			continue
		}
		d.fifos = append(d.fifos, ff)
	}
	return d, nil
}

// errnoOf is err's errno, 0 when it has none.
func errnoOf(err error) int {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return int(errno)
	}
	return 0
}

func openFIFO(path string) (*fifo, error) {
	created := false
	if err := syscall.Mkfifo(path, 0o644); err == nil {
		created = true
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("notify fifo %s: %w", path, err)
	}
	// Read-write so the open neither blocks nor fails without a reader.
	// O_NOFOLLOW as keepalived: a link planted where the FIFO should be
	// (often /tmp) must not make root write event lines into any file.
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		if created {
			os.Remove(path)
		}
		return nil, fmt.Errorf("notify fifo %s: unable to open: %w", path, err)
	}
	return &fifo{path: path, f: f, created: created}, nil
}

// Notify implements vrrp.Notifier; it never blocks on a script.
func (d *Dispatcher) Notify(ev vrrp.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	line := ev.FIFOLine()
	for _, f := range d.fifos {
		if _, err := f.f.WriteString(line); err != nil {
			d.log.Warn("notify fifo write failed", "fifo", f.path, "err", err)
		}
	}
	scripts, ok := d.scripts(ev)
	if !ok || ev.FIFOOnly() {
		return
	}
	var jobs []job
	if ev.Kind == vrrp.EventMasterRxLowerPri {
		if len(scripts.MasterRxLowerPri) > 0 {
			jobs = append(jobs, job{scripts.MasterRxLowerPri})
		}
	} else {
		var specific []string
		switch ev.State {
		case vrrp.StateMaster:
			specific = scripts.Master
		case vrrp.StateBackup:
			specific = scripts.Backup
		case vrrp.StateFault:
			specific = scripts.Fault
		case vrrp.StateStop:
			specific = scripts.Stop
		case vrrp.StateDeleted:
			specific = scripts.Deleted
		}
		if len(specific) > 0 {
			jobs = append(jobs, job{specific})
		}
		if len(scripts.Generic) > 0 {
			what := "INSTANCE"
			if ev.Group {
				what = "GROUP"
			}
			argv := append(append([]string(nil), scripts.Generic...), what, ev.Name, ev.State.String(), strconv.Itoa(ev.Priority))
			jobs = append(jobs, job{argv})
		}
	}
	if len(jobs) == 0 {
		return
	}
	k := key{ev.Group, ev.Name}
	q := d.queues[k]
	if q == nil {
		q = &queue{}
		d.queues[k] = q
	}
	q.jobs = append(q.jobs, jobs...)
	if !q.running {
		q.running = true
		d.wg.Add(1)
		go d.drain(q)
	}
}

func (d *Dispatcher) scripts(ev vrrp.Event) (Scripts, bool) {
	if ev.Group {
		s, ok := d.cfg.Groups[ev.Name]
		return s, ok
	}
	s, ok := d.cfg.Instances[ev.Name]
	return s, ok
}

// drain runs one queue's jobs in order and exits when it is empty.
func (d *Dispatcher) drain(q *queue) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		if len(q.jobs) == 0 {
			q.running = false
			d.mu.Unlock()
			return
		}
		j := q.jobs[0]
		q.jobs = q.jobs[1:]
		d.mu.Unlock()
		if r := d.cfg.Run(d.ctx, j.argv, d.cfg.Timeout); !r.OK() {
			d.log.Warn("notify script failed", "argv", j.argv, "exit", r.ExitCode, "err", r.Err)
		}
	}
}

// Close waits for queued scripts (notify_stop included) until ctx ends,
// then kills what still runs, closes the FIFOs and removes those it created.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	done := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("notify: scripts still running at close: %w", ctx.Err())
		d.cancel()
		<-done
	}
	d.cancel()
	d.mu.Lock()
	d.closeFIFOs()
	d.mu.Unlock()
	return err
}

// Adopt takes over the FIFOs old created that d uses too, so that closing
// old after a reload does not remove a FIFO d still writes to.
func (d *Dispatcher) Adopt(old *Dispatcher) {
	old.mu.Lock()
	defer old.mu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, of := range old.fifos {
		for _, nf := range d.fifos {
			if nf.path == of.path && of.created {
				nf.created, of.created = true, false
			}
		}
	}
}

func (d *Dispatcher) closeFIFOs() {
	for _, f := range d.fifos {
		_ = f.f.Close()
		if f.created {
			_ = os.Remove(f.path)
		}
	}
	d.fifos = nil
}
