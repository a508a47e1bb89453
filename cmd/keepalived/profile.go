package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
)

// profileEnv names a file that receives a CPU profile of the whole run, from
// start to exit (a SIGTERM'd daemon included). It is a developer's knob for
// measuring where the daemon spends its time in places a test binary cannot
// reach, such as the IPVS VM of scripts/bench-checker.sh; unset, nothing is
// profiled.
const profileEnv = "KEEPALIVED_GO_CPUPROFILE"

// profileRateEnv sets the CPU profile's sampling rate in Hz (default 100):
// a start-up of 20-60 ms gives only a handful of samples at the default.
const profileRateEnv = "KEEPALIVED_GO_CPUPROFILE_HZ"

// heapProfileEnv names a file that receives a heap profile (every
// allocation sampled) written at exit, after a collection: what the
// daemon still holds, for memory work on the steady state.
const heapProfileEnv = "KEEPALIVED_GO_HEAPPROFILE"

// startProfile starts the profiles the environment asks for and returns
// what stops them; a profile that cannot start is reported and skipped.
func startProfile() func() {
	stopHeap := startHeapProfile()
	path := os.Getenv(profileEnv)
	if path == "" {
		return stopHeap
	}
	f, err := os.Create(path)
	if err == nil {
		if hz, e := strconv.Atoi(os.Getenv(profileRateEnv)); e == nil && hz > 0 {
			runtime.SetCPUProfileRate(hz) // StartCPUProfile then keeps it (and says so)
		}
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", profileEnv, err)
		if f != nil {
			f.Close()
		}
		return stopHeap
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		stopHeap()
	}
}

func startHeapProfile() func() {
	path := os.Getenv(heapProfileEnv)
	if path == "" {
		return func() {}
	}
	runtime.MemProfileRate = 1
	return func() {
		runtime.GC()
		f, err := os.Create(path)
		if err == nil {
			err = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", heapProfileEnv, err)
		}
	}
}
