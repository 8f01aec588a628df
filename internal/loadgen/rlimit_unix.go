//go:build unix

package loadgen

import (
	"fmt"
	"syscall"
)

// RaiseFileLimit raises this process's soft limit on open files to its
// hard limit (the Go runtime may have done so already) and says what it is.
// Every client connection is a descriptor, so the limit must exceed the
// connections the run holds at once; it returns an error when even the hard
// limit cannot.
func RaiseFileLimit(need uint64) (string, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return "", fmt.Errorf("loadgen: read the open-file limit: %w", err)
	}
	before := lim.Cur
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return "", fmt.Errorf("loadgen: raise the open-file limit from %d to %d: %w", before, lim.Max, err)
		}
	}
	msg := fmt.Sprintf("open-file limit (RLIMIT_NOFILE) of the load generator raised to its hard limit: %d (soft limit before: %d; the Go runtime raises it at start too, and so does ferry-rendezvous)", lim.Cur, before)
	if lim.Cur < need {
		return msg, fmt.Errorf("loadgen: this run holds about %d connections, but the open-file limit is %d: raise the hard limit (ulimit -Hn, or LimitNOFILE= under systemd) or use fewer", need, lim.Cur)
	}
	return msg, nil
}
