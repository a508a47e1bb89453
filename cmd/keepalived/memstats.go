//go:build memstats

package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"time"
)

// memStatsEnv names a file that receives, every 10 s, the runtime's memory
// classes (heap in use, free, released, stacks, metadata…) and the
// goroutine count, followed by FILE.heap, a heap profile: the developer's
// view of where the anonymous part of the resident set goes, read in the
// IPVS VM of scripts/bench-checker.sh (tools/benchchecker -memstats).
const memStatsEnv = "KEEPALIVED_GO_MEMSTATS"

// startMemStats writes what memStatsEnv asks for every 10 s, so that a
// reader finds the steady state's (at exit the engines are gone); unset,
// nothing.
func startMemStats() {
	path := os.Getenv(memStatsEnv)
	if path == "" {
		return
	}
	runtime.MemProfileRate = 4096 // a heap profile that sees per-checker objects
	go func() {
		for range time.Tick(10 * time.Second) {
			writeMemStats(path)
		}
	}()
}

func writeMemStats(path string) {
	var b strings.Builder
	var samples []metrics.Sample
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/memory/classes/") || d.Name == "/sched/goroutines:goroutines" ||
			d.Name == "/gc/heap/goal:bytes" || d.Name == "/gc/cycles/total:gc-cycles" {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(samples)
	for _, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			fmt.Fprintf(&b, "%s %d\n", s.Name, s.Value.Uint64())
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", memStatsEnv, err)
		return
	}
	if f, err := os.Create(path + ".heap"); err == nil {
		_ = pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
	}
	if f, err := os.Create(path + ".goroutines"); err == nil {
		_ = pprof.Lookup("goroutine").WriteTo(f, 1)
		f.Close()
	}
}
