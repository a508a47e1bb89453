package daemon

import (
	"os"
	"runtime"

	"github.com/dsas/keepalived-go/config"
)

// fitProcessors gives the daemon one scheduler P unless it has checkers
// that are real parallel work (SSL_GET's TLS handshakes), and gives the
// runtime's own choice back as soon as it has.
//
// The VRRP engine is one goroutine's work at a time (its lock serialises
// every packet and timer), like keepalived's single-threaded VRRP child;
// HTTP_GET and TCP_CHECK run on the checker engine's single event loop,
// like keepalived's checker process. With two Ps each wake-up of either
// woke a second thread to steal the work (futex wake-ups, context
// switches, the scheduler's spinning), and the runtime re-read the CPU
// affinity every second to keep GOMAXPROCS current: a BACKUP with 255
// instances spent a tenth of its CPU on that, and the checker engine in
// the VM under TCG 1.7-2x the context switches and CPU per check. TLS
// handshakes are different: thousands of them are real parallel work,
// and on one P a burst of them would delay adverts. An operator's
// GOMAXPROCS always wins.
func fitProcessors(parallel bool) {
	if _, set := os.LookupEnv("GOMAXPROCS"); set {
		return
	}
	switch {
	case !parallel && runtime.GOMAXPROCS(0) != 1:
		runtime.GOMAXPROCS(1)
	case parallel && runtime.GOMAXPROCS(0) == 1:
		// Pinned by us (here, or by cmd/keepalived's internal/early at
		// init); on a one-CPU machine this sets 1 again.
		runtime.SetDefaultGOMAXPROCS()
	}
}

// parallelCheckers reports whether cfg has checkers whose work is CPU
// that several threads share well: SSL_GET.
func parallelCheckers(cfg *config.Config) bool {
	for _, vs := range cfg.LVS.VirtualServers {
		for _, rs := range vs.RealServers {
			for _, c := range rs.Checkers {
				if c.Type == config.CheckSSL {
					return true
				}
			}
		}
	}
	return false
}
