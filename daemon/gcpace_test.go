package daemon

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestSteadyGC: under paceAbove the runtime paces at GOGC 50; with a large
// live heap GOGC is off (so no forced cycle every 2 minutes) and the memory
// limit follows the live heap; back under, GOGC again.
func TestSteadyGC(t *testing.T) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		t.Skip("GOMEMLIMIT is set")
	}
	old := debug.SetGCPercent(100)
	steadyGC(50)
	defer func() {
		gcPacer.pct.Store(100)
		debug.SetMemoryLimit(math.MaxInt64)
		debug.SetGCPercent(old)
	}()
	mode := func() (int, int64) {
		pct := debug.SetGCPercent(-1)
		debug.SetGCPercent(pct)
		return pct, debug.SetMemoryLimit(-1)
	}
	// waitMode collects until the finalizer has set the wanted mode.
	waitMode := func(wantPct int, ok func(limit int64) bool) {
		t.Helper()
		var pct int
		var limit int64
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			runtime.GC()
			time.Sleep(10 * time.Millisecond) // the finalizer runs after the cycle
			if pct, limit = mode(); pct == wantPct && ok(limit) {
				return
			}
		}
		t.Fatalf("GOGC %d, limit %d MB; want GOGC %d", pct, limit>>20, wantPct)
	}
	noLimit := func(l int64) bool { return l == math.MaxInt64 }
	waitMode(50, noLimit)

	live := make([][]byte, 64)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	// 64 MB live and half as much growth.
	waitMode(-1, func(l int64) bool { return l >= 96<<20 && l < 200<<20 })
	runtime.KeepAlive(live)
	live = nil
	waitMode(50, noLimit)
}
