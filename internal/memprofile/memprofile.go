// Package memprofile turns the runtime's heap-profile sampling off when
// the process starts, before the packages that allocate most at init
// (client_golang, protobuf: their import paths sort after this one, and
// packages initialise in that order once their own imports have). main
// imports it for that alone.
//
// At the runtime's default rate (one sample per 512 KB allocated) a
// daemon that never writes a heap profile still pays for one: the
// sampled stacks' buckets, their 1.4 MB hash table (touched a page per
// bucket) and the stack walk of each sample. KEEPALIVED_GO_HEAPPROFILE
// (cmd/keepalived/profile.go) keeps sampling, at every allocation.
package memprofile

import (
	"os"
	"runtime"
)

func init() {
	if os.Getenv("KEEPALIVED_GO_HEAPPROFILE") == "" {
		runtime.MemProfileRate = 0
	}
}
