package vrrphost

import (
	"fmt"
	"maps"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dsas/keepalived-go/ifaddr"
)

// Delay is one interface's interface_up_down_delays: how long a link
// must stay down (up) before the change is acted on.
type Delay struct {
	Up, Down time.Duration
}

// delayed is a change of usability waiting for its delay
// (keepalived's flags_change_thread).
type delayed struct {
	flags uint32 // the interface's flags once the delay has passed
	timer *time.Timer
}

// flagsUp is keepalived's FLAGS_UP: administratively up and running.
func flagsUp(f uint32) bool {
	const both = unix.IFF_UP | unix.IFF_RUNNING
	return f&both == both
}

// SetDelays sets the interface_up_down_delays by interface name (a
// VMAC's are its base interface's). A change already waiting keeps the
// delay it was given.
func (lw *Watcher) SetDelays(d map[string]Delay) {
	lw.mu.Lock()
	lw.delays = d
	lw.mu.Unlock()
}

func (lw *Watcher) delay(name string, up bool) time.Duration {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if up {
		return lw.delays[name].Up
	}
	return lw.delays[name].Down
}

// Pending reports whether a change of the interface's usability is
// waiting for its delay (the SIGUSR1 dump's "Delayed state change
// running").
func (lw *Watcher) Pending(name string) bool {
	lw.state.Lock()
	defer lw.state.Unlock()
	return lw.links[name].pending != nil
}

// flagsChanged follows new flags of a known interface as keepalived's
// update_interface_flags does: a change of usability waits for the
// interface's delay, once the interface has been seen up, and is dropped
// if the interface is back (to the very flags it had, silently; to other
// flags of the same usability, with "Delay timer ... cancelled") before
// the delay has passed. The caller holds state.
func (lw *Watcher) flagsChanged(sink Sink, l ifaddr.Link) {
	cur := lw.links[l.Name]
	f, nowUp := l.Flags, l.Usable()
	if f == cur.flags {
		lw.cancel(l.Name)
		return
	}
	if p := cur.pending; p != nil {
		if f == p.flags {
			return
		}
		if flagsUp(p.flags) == nowUp {
			p.flags = f // the same change, to newer flags
			return
		}
		lw.cancel(l.Name)
		cur.pending = nil
		lw.log.Info(fmt.Sprintf("Delay timer for %s cancelled", l.Name))
	}
	if cur.up == nowUp {
		return
	}
	if d := lw.delay(l.Name, nowUp); cur.seenUp && d > 0 {
		p := &delayed{flags: f}
		name := l.Name
		p.timer = time.AfterFunc(d, func() { lw.delayPassed(name, p) })
		cur.pending = p
		lw.links[l.Name] = cur
		lw.log.Info(fmt.Sprintf("%s: Adding flags change from 0x%x to 0x%x delay by %d", l.Name, cur.flags, f, d/time.Microsecond))
		return
	}
	lw.apply(sink, l.Name, cur, f)
}

// delayPassed acts on a change whose delay has passed, unless it was
// cancelled meanwhile.
func (lw *Watcher) delayPassed(name string, p *delayed) {
	lw.state.Lock()
	defer lw.state.Unlock()
	cur := lw.links[name]
	if cur.pending != p {
		return
	}
	cur.pending = nil
	lw.apply(lw.currentSink(), name, cur, p.flags)
}

// apply records the interface's new flags and acts on its change of
// usability.
func (lw *Watcher) apply(sink Sink, name string, cur linkView, f uint32) {
	cur.flags = f
	cur.up = flagsUp(f)
	cur.seenUp = cur.seenUp || cur.up
	lw.usable(sink, name, cur, true)
}

// cancel drops the interface's change waiting for its delay, if any.
func (lw *Watcher) cancel(name string) {
	cur, ok := lw.links[name]
	if !ok || cur.pending == nil {
		return
	}
	cur.pending.timer.Stop()
	cur.pending = nil
	lw.links[name] = cur
}

// Delayed lists the interfaces with a change waiting for its delay, with
// the flags keepalived still holds for them (those before the change).
func (lw *Watcher) Delayed() map[string]uint32 {
	lw.state.Lock()
	defer lw.state.Unlock()
	var out map[string]uint32
	for name, v := range lw.links {
		if v.pending != nil {
			if out == nil {
				out = map[string]uint32{}
			}
			out[name] = v.flags
		}
	}
	return out
}

// CutDelays holds the named interfaces' delays under limit, setting any
// of limit or more to cut (keepalived's check_debounce_timers, when a
// master's shorter advert interval shortens the master-down timer). It
// reports whether it changed one.
func (lw *Watcher) CutDelays(names []string, limit, cut time.Duration) bool {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	changed := false
	next := maps.Clone(lw.delays)
	for _, n := range names {
		d, ok := next[n]
		if !ok || (d.Up < limit && d.Down < limit) {
			continue
		}
		if d.Up >= limit {
			d.Up = cut
		}
		if d.Down >= limit {
			d.Down = cut
		}
		next[n], changed = d, true
	}
	if changed {
		lw.delays = next // SetDelays' map is the caller's: not written
	}
	return changed
}

// Delays are the delays in force by interface name.
func (lw *Watcher) Delays() map[string]Delay {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return maps.Clone(lw.delays)
}
