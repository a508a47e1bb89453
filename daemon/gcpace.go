package daemon

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// steadyGC puts the steady state's growth target pct in force: as GOGC=pct
// does, but without the runtime's forced cycle every two minutes once the
// live heap is large (the pacer's). An operator's GOMEMLIMIT keeps plain
// GOGC=pct (the caller already leaves an operator's GOGC alone).
func steadyGC(pct int) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		debug.SetGCPercent(pct)
		return
	}
	gcPacer.pct.Store(uint64(pct))
	gcPacer.set()
	gcPacer.once.Do(gcPacer.arm)
}

// gcPacer is the process's one pacer (steadyGC).
var gcPacer = &pacer{samples: []metrics.Sample{
	{Name: "/gc/heap/live:bytes"},
	{Name: "/memory/classes/total:bytes"},
	{Name: "/memory/classes/heap/released:bytes"},
	{Name: "/memory/classes/heap/free:bytes"},
	{Name: "/memory/classes/heap/objects:bytes"},
}}

// pacer collects the heap when it has grown by pct of what the last cycle
// left live (1 MB at least), as GOGC=pct does, without the forced cycle.
// That cycle marks the whole live heap even when nothing was allocated, so
// an idle daemon paid for the size of its table: about 52 MB live with
// 10 000 virtual servers × 4 real servers, 0.09 CPU-s per cycle under TCG
// (issue 16). The runtime skips the forced cycle only when GOGC is off, so
// the growth bound is set as a memory limit instead and moved after every
// cycle (a finalizer runs once per cycle). Heaps under paceAbove keep the
// runtime's own pacing.
type pacer struct {
	pct     atomic.Uint64
	once    sync.Once
	mu      sync.Mutex // guards samples
	samples []metrics.Sample
}

// minGrowth is the least growth allowed between cycles: what GOGC 50
// allowed over the VRRP daemon's 2 MB steady heap.
const minGrowth = 1 << 20

// paceAbove is the live heap from which the forced cycle is worth
// avoiding. Below it the runtime paces on its own: its forced cycle costs
// next to nothing on the VRRP daemon's 2 MB, and the limit lets the heap
// grow into free pages that GOGC would have reused (4 MB more in a test).
const paceAbove = 8 << 20

// set puts the limit where the runtime's goal derived from it is the live
// heap plus pct, as GOGC=pct's, or hands back to GOGC=pct under paceAbove.
// The memory the heap does not hold (stacks, metadata, fragmentation)
// counts towards the limit, free pages not: they may be returned to the
// system (start-up's), not added to the growth.
func (p *pacer) set() {
	p.mu.Lock()
	defer p.mu.Unlock()
	pct := p.pct.Load()
	metrics.Read(p.samples)
	v := func(i int) uint64 { return p.samples[i].Value.Uint64() }
	live, total, released, free, objects := v(0), v(1), v(2), v(3), v(4)
	if live < paceAbove {
		debug.SetMemoryLimit(math.MaxInt64)
		debug.SetGCPercent(int(pct))
		return
	}
	// objects may still hold unswept garbage: then the next cycle comes
	// earlier, never later.
	other := total - released - free - objects
	goal := live + max(live*pct/100, minGrowth)
	// The runtime keeps 3 % (1 MB at least) of the goal as headroom and
	// scavenges down to 95 % of the limit: leave room for both, or the
	// heap would be collected, or returned to the system, over and over.
	margin := max(1<<20, (other+goal)/16)
	limit := min(other+goal+margin, math.MaxInt64)
	debug.SetMemoryLimit(int64(limit))
	debug.SetGCPercent(-1)
}

// cycleMark is allocated so that its finalizer tells of the next cycle; a
// pointer field keeps it out of the tiny allocator, whose blocks are freed
// together and late.
type cycleMark struct{ _ *pacer }

// arm has the next collection call set, then arm again.
func (p *pacer) arm() {
	runtime.SetFinalizer(&cycleMark{}, func(*cycleMark) {
		p.set()
		p.arm()
	})
}
