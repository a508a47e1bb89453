package daemon

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/dsas/keepalived-go/internal/residency"
)

// startupGCPercent is the collector's growth target while the daemon
// starts: 8x the runtime's 4 MB minimum, so a start-up that allocates less
// than 32 MB (255 instances: about 7 MB through the first takeover) runs
// no collection at all. Profiled with 255 instances, the two collections
// during parsing and the two during the takeover were 15 % of the start-up
// CPU; with no collection the heap touches about 3 MB more, which the
// settle step returns (FreeOSMemory). A larger start-up collects once at
// 32 MB and continues at the ordinary target.
const startupGCPercent = 800

var (
	// inStartupGC is true while startupGCPercent is in force.
	inStartupGC atomic.Bool
	// afterStartupGC is the percent that ends it: the runtime's default
	// until the daemon reaches its steady state, then steadyGCPercent.
	afterStartupGC atomic.Int32
	// inSteadyGC is true once fitCollector has chosen the steady target,
	// which steadyGC puts in force.
	inSteadyGC atomic.Bool
)

// steadyGCPercent is the steady state's target (see steadyStateMemory).
const steadyGCPercent = 50

// StartupGC raises the collector's target for the start-up (unless the
// operator set GOGC) until the first collection or the settle step,
// whichever comes first. The caller is a daemon about to read its
// configuration; a config test (-t) keeps the default.
func StartupGC() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	afterStartupGC.Store(100)
	inStartupGC.Store(true)
	debug.SetGCPercent(startupGCPercent)
	// A cleanup runs after the collection that finds its object
	// unreachable: the first one, as nothing keeps the sentinel.
	runtime.AddCleanup(new([32]byte), func(struct{}) { endStartupGC() }, struct{}{})
}

// endStartupGC puts the collector back to its post-start-up target, once.
func endStartupGC() {
	if inStartupGC.CompareAndSwap(true, false) {
		if p := int(afterStartupGC.Load()); inSteadyGC.Load() {
			steadyGC(p)
		} else {
			debug.SetGCPercent(p)
		}
	}
}

// steadyStateMemory sets the daemon up for its long steady state once
// start-up is over: the binary's pages it does not use leave the resident
// set, and the heap's growth is fitted (fitCollector). While the
// start-up's target is still in force (no collection yet), the fitted
// target waits for the settle step, so the first takeover runs without a
// collection either (the heap is then about 2 MB larger until the settle
// step).
func steadyStateMemory(log *slog.Logger, checkers bool) {
	if err := residency.TrimExecutable(); err != nil {
		log.Debug(fmt.Sprintf("cannot trim the executable's resident pages: %v", err))
	}
	fitCollector(checkers)
	// The first takeover comes seconds after start-up (Master_Down_Interval,
	// then the delayed GARPs) and maps code and tables it never uses again
	// (6.7 MB of read-only data resident with 255 instances): trim again
	// once that has passed.
	time.AfterFunc(settleTrim, func() {
		endStartupGC()
		settle()
		if err := residency.TrimExecutable(); err != nil {
			log.Debug(fmt.Sprintf("cannot trim the executable's resident pages: %v", err))
		}
	})
}

// fitCollector collects the heap at a fraction of the default growth
// unless the operator set GOGC: half (GOGC 50) for VRRP and BFD, a
// quarter (GOGC 25) when the LVS checkers run. The VRRP steady heap is
// about 2 MB, under the runtime's 4 MB minimum target, so the default let
// garbage add 2 MB of RSS for nothing; the engines allocate next to nothing
// per advert, so the extra collections cost no measurable CPU. The
// checkers' live heap grows with the real servers (4-5 MB at 1 000) and
// their stepped checks allocate next to nothing either: at GOGC 25 the
// mean RSS over 20 s was 0.86-1.02x GOGC 50's (VM A/B in one boot, 2 runs
// each at 200 and 1 000 real servers at delay_loop 1), CPU per check
// within the noise (0.85x-1.12x). Above 8 MB live the target is paced
// without the runtime's forced cycle every 2 minutes (steadyGC).
func fitCollector(checkers bool) {
	p := int32(steadyGCPercent)
	if checkers {
		p = checkersGCPercent
	}
	afterStartupGC.Store(p)
	inSteadyGC.Store(true)
	if _, set := os.LookupEnv("GOGC"); set || inStartupGC.Load() {
		return
	}
	steadyGC(int(p))
}

// checkersGCPercent is the steady state's target while LVS checkers run.
const checkersGCPercent = 25

// settle returns the heap's free pages: start-up's garbage (the
// parsed configuration, netlink dumps, the first takeover's messages)
// leaves the heap's pages resident until the background scavenger gets
// to them, which it does not below the runtime's 4 MB heap goal, and
// the live heap is about 2 MB: the pages go back to the system at once.
// It comes before the executable's trim, as the collection maps code of
// its own.
func settle() {
	debug.FreeOSMemory()
}

// settleTrim is when the trim runs: past a takeover at advert_int 1
// (3.6 s) and vrrp_garp_master_delay's second GARP burst (5 s).
const settleTrim = 12 * time.Second
