//go:build !memstats

package main

// startMemStats is a no-op unless built with -tags memstats
// (memstats.go): the heap profile it writes would keep the runtime's
// memory profiling, and its 1.4 MB bucket hash, in every build.
func startMemStats() {}
