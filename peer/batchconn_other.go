//go:build !linux

package peer

import "github.com/pion/transport/v5"

// newBatchConn leaves the socket as it is: x/net batches only on Linux.
func newBatchConn(c transport.UDPConn) transport.UDPConn { return c }
