package vrrphost

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// AutoPriority is keepalived's max_auto_priority: each time a timer runs
// later than min_auto_priority_delay (the engine's Late hook), keepalived
// logs it and raises its realtime priority by one step, starting with
// SCHED_RR at the lowest priority, up to the configured maximum.
//
// keepalived changes one process; a Go process is many threads, and Linux
// schedules threads, so every thread of the process is moved, again at
// each late timer: SCHED_RESET_ON_FORK (keepalived's flag, which keeps
// notify scripts out of realtime) also gives threads the Go runtime
// starts later the normal policy until then. keepalived's RLIMIT_RTTIME
// safety net is not set: a Go thread may legitimately run a garbage
// collection mark phase longer than its 10 ms without blocking, and the
// hard limit is SIGKILL.
type AutoPriority struct {
	log *slog.Logger
	max int

	mu  sync.Mutex
	cur int
}

// NewAutoPriority returns the hook for a max_auto_priority of max (0 or
// less: timers are still reported late, the priority is left alone, as
// keepalived does).
func NewAutoPriority(max int, log *slog.Logger) *AutoPriority {
	return &AutoPriority{log: log, max: max}
}

// Late is the engine's Late hook.
func (a *AutoPriority) Late(late time.Duration) {
	a.log.Info(fmt.Sprintf("A thread timer expired %d.%06d seconds ago", late/time.Second, late%time.Second/time.Microsecond))
	if a.max <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	next := a.cur + 1
	if a.cur == 0 {
		next = 1 // sched_get_priority_min(SCHED_RR)
	}
	next = min(next, a.max)
	if err := SetRealtime(next); err != nil {
		a.log.Warn(fmt.Sprintf("cannot raise priority: %v", err))
		return
	}
	if next != a.cur {
		a.cur = next
		a.log.Info(fmt.Sprintf("Set realtime priority %d", next))
	}
}

// SetRealtime puts every thread of this process in SCHED_RR at prio,
// with SCHED_RESET_ON_FORK (prio 0: back to SCHED_OTHER).
func SetRealtime(prio int) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	attr := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_RR, Priority: uint32(prio), Flags: unix.SCHED_FLAG_RESET_ON_FORK}
	if prio == 0 {
		attr = unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_NORMAL}
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetAttr(tid, &attr, 0); err != nil && err != unix.ESRCH {
			return fmt.Errorf("thread %d: %w", tid, err)
		}
	}
	return nil
}
