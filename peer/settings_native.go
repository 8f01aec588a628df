//go:build !js

package peer

import (
	"fmt"
	"io"

	"github.com/pion/ice/v4"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/webrtc/v4"

	"github.com/ferry-dev/ferry/internal/pionlog"
)

// newAPI builds the pion API for one PeerConnection. The returned closer
// releases the sockets of the UDP mux, if one was made; the caller closes it
// after the PeerConnection. bn reports how large the sockets' buffers became.
func newAPI(s settings) (api *webrtc.API, bn *bufferedNet, mux io.Closer, err error) {
	var se webrtc.SettingEngine
	se.LoggerFactory = pionlog.Factory{Log: s.Logger, Levels: pionlog.Peer}
	if s.diag != nil {
		se.LoggerFactory = s.diag.loggers(se.LoggerFactory)
	}
	se.DetachDataChannels()

	// Work on a machine whose only network is loopback, with no STUN server
	// and no internet: loopback candidates on, mDNS off (it would only add a
	// lookup that cannot succeed), UDP only (no ICE-TCP mux is set up).
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	if s.IPFilter != nil {
		se.SetIPFilter(s.IPFilter)
	}

	// pion's checking timeout is disconnected+failed = ICETimeout, and so is
	// the silence after which it declares a connected path failed: 20 s, too
	// long to notice a vanished peer. So the path is declared lost by Conn
	// (lostWatch) LostTimeout after the last packet: pion reports
	// "disconnected" after s.disconnected of silence (checked every
	// keepalive), and the rest of LostTimeout runs from there.
	se.SetICETimeouts(s.disconnected(), s.ICETimeout-s.disconnected(), s.keepalive())

	se.SetSCTPMaxMessageSize(uint32(s.maxMessage))
	se.SetSCTPMaxReceiveBufferSize(uint32(s.ReceiveWindow))
	// SNAP: each side puts its SCTP INIT in its session description, so the
	// association is up as soon as DTLS is, without SCTP's own 4-way
	// handshake (two round trips less before the first byte). A peer without
	// it sends no sctp-init and pion falls back to the handshake.
	se.EnableSctpSnap(true)

	var n transport.Net = s.net
	if n == nil {
		if n, err = stdnet.NewNet(); err != nil {
			return nil, nil, nil, fmt.Errorf("peer: listing network interfaces: %w", err)
		}
	}
	bn = &bufferedNet{Net: n, size: s.SocketBuffer}
	if s.UDPMux {
		m, err := newUDPMux(bn, s.IPFilter, se.LoggerFactory)
		if err != nil {
			return nil, nil, nil, err
		}
		se.SetICEUDPMux(m)
		mux = m
	}
	// Even with the mux, pion opens sockets of its own for server-reflexive and
	// relay candidates: give those the large buffers too.
	se.SetNet(bn)

	return webrtc.NewAPI(webrtc.WithSettingEngine(se)), bn, mux, nil
}
