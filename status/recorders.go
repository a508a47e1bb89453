package status

import (
	"sort"
	"sync"
	"time"

	"github.com/dsas/keepalived-go/vrrp"
	"github.com/dsas/keepalived-go/vrrp/track"
)

// Reloads records configuration reloads (SIGHUP). The zero value is ready.
type Reloads struct {
	mu sync.Mutex
	s  ReloadStats
}

// ReloadStats is a snapshot of Reloads.
type ReloadStats struct {
	Total    uint64
	Failures uint64
	// LastOK reports the last reload's outcome; true before any reload,
	// since the running configuration is then the one that started fine.
	LastOK        bool
	LastAt        time.Time // zero before any reload
	LastSuccessAt time.Time // start (Loaded) or last applied reload; zero before either
	LastError     string
}

// Loaded notes that the configuration the daemon started with is running
// since at: a dashboard's "time since the last good configuration" starts
// at the start, not at the first SIGHUP.
func (r *Reloads) Loaded(at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.s.LastSuccessAt.IsZero() {
		r.s.LastSuccessAt = at
	}
}

// Record notes one reload attempt finished at at; err is why it was rejected
// (nil: the new configuration is running).
func (r *Reloads) Record(at time.Time, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Total++
	r.s.LastAt = at
	if err != nil {
		r.s.Failures++
		r.s.LastError = err.Error()
		return
	}
	r.s.LastError = ""
	r.s.LastSuccessAt = at
}

// Stats returns a snapshot.
func (r *Reloads) Stats() ReloadStats {
	if r == nil {
		return ReloadStats{LastOK: true}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.s
	s.LastOK = s.LastError == ""
	return s
}

// Transitions counts VRRP instance state changes by (instance, from, to).
// It is a vrrp.Notifier: the daemon tees the Router's events into it. Sync
// group events and STOP are not instance transitions and are ignored.
type Transitions struct {
	mu      sync.Mutex
	last    map[string]vrrp.State
	counts  map[TransitionKey]uint64
	reasons map[ReasonKey]uint64
}

// ReasonKey identifies one counter of transitions by the engine's reason
// ("master down timer", "higher priority advert", "track_script chk").
// Reasons come from the configuration's names, so their number is bounded.
type ReasonKey struct {
	Instance string
	To       vrrp.State
	Reason   string
}

// ReasonCount is one reason counter's value.
type ReasonCount struct {
	ReasonKey
	Count uint64
}

// TransitionKey identifies one counter.
type TransitionKey struct {
	Instance string
	From, To vrrp.State
}

// TransitionCount is one counter's value.
type TransitionCount struct {
	TransitionKey
	Count uint64
}

// Notify implements vrrp.Notifier; it never blocks beyond a map update.
func (t *Transitions) Notify(ev vrrp.Event) {
	if ev.Kind != vrrp.EventState || ev.Group || ev.State == vrrp.StateStop {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil {
		t.last = make(map[string]vrrp.State)
		t.counts = make(map[TransitionKey]uint64)
		t.reasons = make(map[ReasonKey]uint64)
	}
	from, ok := t.last[ev.Name]
	if !ok {
		from = vrrp.StateInit // every instance starts in INIT
	}
	t.last[ev.Name] = ev.State
	if from == ev.State {
		return
	}
	t.counts[TransitionKey{Instance: ev.Name, From: from, To: ev.State}]++
	reason := ev.Reason
	if reason == "" {
		reason = "unknown"
	}
	t.reasons[ReasonKey{Instance: ev.Name, To: ev.State, Reason: reason}]++
}

// Reasons returns every non-zero reason counter, sorted by instance, to
// state and reason.
func (t *Transitions) Reasons() []ReasonCount {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	out := make([]ReasonCount, 0, len(t.reasons))
	for k, n := range t.reasons {
		out = append(out, ReasonCount{ReasonKey: k, Count: n})
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Instance != b.Instance {
			return a.Instance < b.Instance
		}
		if a.To != b.To {
			return a.To < b.To
		}
		return a.Reason < b.Reason
	})
	return out
}

// Counts returns every non-zero counter, sorted by instance, from, to.
func (t *Transitions) Counts() []TransitionCount {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	out := make([]TransitionCount, 0, len(t.counts))
	for k, n := range t.counts {
		out = append(out, TransitionCount{TransitionKey: k, Count: n})
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Instance != b.Instance {
			return a.Instance < b.Instance
		}
		if a.From != b.From {
			return a.From < b.From
		}
		return a.To < b.To
	})
	return out
}

// Tee fans one engine event out to several notifiers, in order. Every
// receiver must be non-blocking, as vrrp.Notifier requires.
type Tee []vrrp.Notifier

// Notify implements vrrp.Notifier.
func (t Tee) Notify(ev vrrp.Event) {
	for _, n := range t {
		if n != nil {
			n.Notify(ev)
		}
	}
}

// ScriptRecorder sits between vrrp/track and the VRRP engine: it forwards
// every result unchanged and keeps keepalived's per-script rise/fall counter
// so the data file and metrics can report GOOD/BAD as keepalived does.
type ScriptRecorder struct {
	next track.Sink
	now  func() time.Time

	mu      sync.Mutex
	order   []string
	scripts map[string]*scriptRec
}

type scriptRec struct {
	cfg     vrrp.ScriptConfig
	run     track.Script
	result  int
	lastRun time.Time
}

// NewScriptRecorder returns a recorder forwarding to next (normally the
// *vrrp.Router) for the given vrrp_script definitions: the engine's view
// (rise, fall) and, optionally, the trackers' (command, interval, timeout)
// matched by name.
func NewScriptRecorder(next track.Sink, scripts []vrrp.ScriptConfig, runs []track.Script) *ScriptRecorder {
	r := &ScriptRecorder{next: next, now: time.Now}
	r.SetConfig(scripts, runs)
	return r
}

// Wrap points the recorder at a new engine sink and script list and
// returns it, for daemon.Options.WrapTrackSink, which the daemon calls at
// start and again whenever a reload restarts the trackers:
//
//	rec := status.NewScriptRecorder(nil, nil, nil)
//	opt.WrapTrackSink = rec.Wrap
func (r *ScriptRecorder) Wrap(next track.Sink, scripts []vrrp.ScriptConfig, runs []track.Script) track.Sink {
	r.SetConfig(scripts, runs)
	r.mu.Lock()
	r.next = next
	r.mu.Unlock()
	return r
}

// SetConfig replaces the script list after a reload; scripts that survive
// keep their counter, as keepalived's INIT/RELOAD state does.
func (r *ScriptRecorder) SetConfig(scripts []vrrp.ScriptConfig, runs []track.Script) {
	byName := make(map[string]track.Script, len(runs))
	for _, t := range runs {
		byName[t.Name] = t
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.scripts
	r.scripts = make(map[string]*scriptRec, len(scripts))
	r.order = r.order[:0]
	for _, sc := range scripts {
		sc.Rise = max(sc.Rise, 1)
		sc.Fall = max(sc.Fall, 1)
		rec := &scriptRec{cfg: sc, run: byName[sc.Name], result: sc.Rise - 1}
		if sc.InitFail {
			rec.result = 0
		}
		if o, ok := old[sc.Name]; ok {
			rec.result = min(o.result, sc.Rise+sc.Fall-1)
			rec.lastRun = o.lastRun
		}
		r.scripts[sc.Name] = rec
		r.order = append(r.order, sc.Name)
	}
}

// ScriptRan implements track.Sink with keepalived's arithmetic
// (vrrp_script_child_thread).
func (r *ScriptRecorder) ScriptRan(name string, run vrrp.ScriptRun) {
	ok := run.OK
	r.mu.Lock()
	if s, found := r.scripts[name]; found {
		rise, fall := s.cfg.Rise, s.cfg.Fall
		switch {
		case ok && s.result < rise-1:
			s.result++
		case ok:
			s.result = rise + fall - 1
		case s.result > rise:
			s.result--
		default:
			s.result = 0
		}
		s.lastRun = r.now()
	}
	next := r.next
	r.mu.Unlock()
	if next != nil {
		next.ScriptRan(name, run)
	}
}

func (r *ScriptRecorder) sink() track.Sink {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.next
}

// FileValue implements track.Sink.
func (r *ScriptRecorder) FileValue(name string, v int) {
	if next := r.sink(); next != nil {
		next.FileValue(name, v)
	}
}

// ProcessRunning implements track.Sink.
func (r *ScriptRecorder) ProcessRunning(name string, ok bool) {
	if next := r.sink(); next != nil {
		next.ProcessRunning(name, ok)
	}
}

// Scripts implements ScriptSource, in configuration order.
func (r *ScriptRecorder) Scripts() []Script {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Script, 0, len(r.order))
	for _, name := range r.order {
		s := r.scripts[name]
		// The trackers run scripts in their own goroutines and report
		// only results, so the process state is always idle here.
		out = append(out, Script{
			Name:     name,
			Good:     s.result >= s.cfg.Rise,
			Result:   s.result,
			State:    ScriptIdle,
			LastRun:  s.lastRun,
			Argv:     s.run.Argv,
			Interval: s.run.Interval,
			Timeout:  s.run.Timeout,
			Rise:     s.cfg.Rise,
			Fall:     s.cfg.Fall,
			InitFail: s.cfg.InitFail,
		})
	}
	return out
}
