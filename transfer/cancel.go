package transfer

import "io"

// aborter is a connection that can be torn down at once, without first
// delivering what was written (peer.Link, peer.Conn).
type aborter interface{ Abort() error }

// closeOnCancel is what Send and Receive do to conn when their ctx ends:
// this side gives up, so nothing it wrote needs delivering, and it must not
// wait for the peer to confirm the end of the stream (up to the peer's
// close timeout) to return.
func closeOnCancel(conn io.Closer) {
	if a, ok := conn.(aborter); ok {
		_ = a.Abort()
		return
	}
	_ = conn.Close()
}
