package ferry

import (
	"context"
	"net"
	"time"
)

// KeepLoopbackOnly makes every peer connection of this test binary use
// loopback addresses only: no test traffic reaches the host's other
// addresses.
func KeepLoopbackOnly() { testIPFilter = func(ip net.IP) bool { return ip.IsLoopback() } }

// FakeLAN makes a receiver with no server find urls on the local network,
// in that order, and give up on each after perTry; the returned function
// undoes it.
func FakeLAN(perTry time.Duration, urls ...string) (undo func()) {
	oldLook, oldTimeout := lookOnLAN, lanJoinTimeout
	lookOnLAN = func(ctx context.Context, _ time.Duration, found chan<- string) {
		defer close(found)
		for _, u := range urls {
			select {
			case found <- u:
			case <-ctx.Done():
				return
			}
		}
	}
	lanJoinTimeout = perTry
	return func() { lookOnLAN, lanJoinTimeout = oldLook, oldTimeout }
}
