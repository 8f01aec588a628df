//go:build unix

package rendezvousserver

import (
	"math"
	"syscall"
)

// openFileLimit is the process's soft RLIMIT_NOFILE.
func openFileLimit() (int, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, false
	}
	if rl.Cur > math.MaxInt32 {
		return math.MaxInt32, true
	}
	return int(rl.Cur), true
}
