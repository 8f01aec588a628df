package peer

import (
	"fmt"
	"net"

	"github.com/pion/ice/v4"
	"github.com/pion/logging"
)

// newUDPMux listens on every local address (loopback included, filtered by
// ipFilter) on one socket each, with the enlarged buffers of bn, and muxes
// all ICE traffic of the PeerConnection's host candidates over them.
func newUDPMux(bn *bufferedNet, ipFilter func(net.IP) bool, lf logging.LoggerFactory) (*ice.MultiUDPMuxDefault, error) {
	opts := []ice.UDPMuxFromPortOption{
		ice.UDPMuxFromPortWithNet(bn),
		ice.UDPMuxFromPortWithLoopback(),
		ice.UDPMuxFromPortWithNetworks(ice.NetworkTypeUDP4, ice.NetworkTypeUDP6),
		ice.UDPMuxFromPortWithLogger(lf.NewLogger("udpmux")),
	}
	if ipFilter != nil {
		opts = append(opts, ice.UDPMuxFromPortWithIPFilter(ipFilter))
	}
	m, err := ice.NewMultiUDPMuxFromPort(0, opts...)
	if err != nil {
		return nil, fmt.Errorf("peer: opening the UDP sockets: %w", err)
	}
	return m, nil
}
