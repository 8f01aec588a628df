//go:build !unix

package loadgen

// RaiseFileLimit does nothing where there is no RLIMIT_NOFILE.
func RaiseFileLimit(uint64) (string, error) {
	return "open-file limit: not applicable on this system", nil
}
