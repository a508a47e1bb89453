package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// profileEnv names a file that receives a CPU profile of the whole run, from
// start to exit (a SIGTERM'd daemon included). It is a developer's knob for
// measuring where the daemon spends its time in places a test binary cannot
// reach, such as the IPVS VM of scripts/bench-checker.sh; unset, nothing is
// profiled.
const profileEnv = "KEEPALIVED_GO_CPUPROFILE"

// startProfile starts the CPU profile profileEnv asks for and returns what
// stops it; a profile that cannot start is reported and skipped.
func startProfile() func() {
	path := os.Getenv(profileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", profileEnv, err)
		if f != nil {
			f.Close()
		}
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
