//go:build unix

package transfer

import (
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// readUmask returns the process's umask: from /proc/self/status on Linux
// (4.7 and later), which leaves it alone; elsewhere by setting it and setting
// it back, with the most private value (077) in between, so that a file that
// another goroutine creates meanwhile is at worst too private.
func readUmask() fs.FileMode {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "Umask:"); ok {
				if n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return fs.FileMode(n) & fs.ModePerm
				}
			}
		}
	}
	old := syscall.Umask(0o077)
	syscall.Umask(old)
	return fs.FileMode(old) & fs.ModePerm
}
