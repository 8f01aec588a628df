package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// envCPUProfile names a file to which ferry writes a CPU profile of the whole
// run (go tool pprof ferry FILE). It is for measuring ferry itself (see
// scripts/bench.sh), not a user feature, and is left out of --help.
const envCPUProfile = "FERRY_CPUPROFILE"

// startProfile starts the CPU profile asked for in FERRY_CPUPROFILE and
// returns the function that stops it; a failure is reported and ignored.
func startProfile() (stop func()) {
	path := os.Getenv(envCPUProfile)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferry: %s: %v (continuing without a profile)\n", envCPUProfile, err)
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
