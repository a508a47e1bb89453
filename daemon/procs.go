package daemon

import (
	"os"
	"runtime"
)

// fitProcessors gives a daemon that runs VRRP alone one scheduler P, and
// gives the runtime's own choice back as soon as the configuration has
// virtual servers.
//
// The VRRP engine is one goroutine's work at a time (its lock serialises
// every packet and timer), like keepalived's single-threaded VRRP child.
// With two Ps each received burst of adverts woke a second thread to
// steal the work (futex wake-ups, context switches, the scheduler's
// spinning), and the runtime re-read the CPU affinity every second to keep
// GOMAXPROCS current: a BACKUP with 255 instances spent a tenth of its CPU
// on that. Checkers are different: thousands of HTTP and TLS probes are
// real parallel work, and on one P a burst of them would delay adverts.
// An operator's GOMAXPROCS always wins.
func fitProcessors(checkers bool) {
	if _, set := os.LookupEnv("GOMAXPROCS"); set {
		return
	}
	switch {
	case !checkers && runtime.GOMAXPROCS(0) != 1:
		runtime.GOMAXPROCS(1)
	case checkers && onOneP:
		runtime.SetDefaultGOMAXPROCS()
	}
	onOneP = !checkers
}

// onOneP records that fitProcessors pinned GOMAXPROCS to 1 (rather than
// the machine having one CPU).
var onOneP bool
