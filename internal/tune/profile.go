package tune

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// EnvCPUProfile names a file to which ferry (and the ends of the benchmark's
// measurements) write a CPU profile of the whole run: go tool pprof -top
// FILE. It is for measuring ferry, not a user feature, and is not in --help.
const EnvCPUProfile = "FERRY_CPUPROFILE"

// StartCPUProfile starts the CPU profile asked for in FERRY_CPUPROFILE and
// returns the function that stops it; a failure is reported on stderr and
// otherwise ignored.
func StartCPUProfile() (stop func()) {
	path := os.Getenv(EnvCPUProfile)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v (continuing without a profile)\n", EnvCPUProfile, err)
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
