// Package early does what must happen before the packages that allocate
// and start goroutines at init (client_golang, protobuf: their import
// paths sort after this one, and packages initialise in that order once
// their own imports have). The daemon's main imports it for that alone;
// the process's other modes undo what they do not want (Unpin).
package early

import (
	"os"
	"runtime"
)

// pinned records that init set one P (the operator's GOMAXPROCS unset).
var pinned bool

func init() {
	// At the runtime's default rate (one sample per 512 KB allocated) a
	// daemon that never writes a heap profile still pays for one: the
	// sampled stacks' buckets, their 1.4 MB hash table (a page touched
	// per bucket) and the stack walk of each sample.
	// KEEPALIVED_GO_HEAPPROFILE (cmd/keepalived/profile.go) keeps
	// sampling, at every allocation.
	if os.Getenv("KEEPALIVED_GO_HEAPPROFILE") == "" {
		runtime.MemProfileRate = 0
	}
	// The daemon runs on one P unless it has parallel checkers
	// (daemon.fitProcessors, which decides once the configuration is
	// read). Before that, with one P per CPU, each goroutine started
	// at init and in main woke an idle P and the runtime made a thread
	// for it, kept for good: a 16 KB g0 stack and a 32 KB signal stack
	// from the heap per thread, 7 threads where the VRRP daemon needs
	// fewer.
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(1)
		pinned = true
	}
}

// Unpin gives the runtime's own number of Ps back, for the modes that are
// not the daemon (a configuration test, genhash).
func Unpin() {
	if pinned {
		runtime.SetDefaultGOMAXPROCS()
		pinned = false
	}
}
