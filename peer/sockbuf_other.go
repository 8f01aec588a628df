//go:build !unix

package peer

import (
	"errors"
	"syscall"
)

// socketBuffers cannot read the granted sizes back on this OS; no warning is
// given.
func socketBuffers(syscall.Conn) (read, write int, err error) {
	return 0, 0, errors.New("reading socket buffer sizes is not supported on this OS")
}

func raiseLimitHint(int) string { return "" }
