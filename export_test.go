package ferry

import "net"

// KeepLoopbackOnly makes every peer connection of this test binary use
// loopback addresses only: no test traffic reaches the host's other
// addresses.
func KeepLoopbackOnly() { testIPFilter = func(ip net.IP) bool { return ip.IsLoopback() } }
