package peer

import (
	"fmt"
	"io"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/webrtc/v4"

	"github.com/ferry-dev/ferry/internal/pionlog"
)

// settings is a Config with every default filled in.
type settings struct {
	Config
	maxMessage int        // the largest message this side accepts (and reads into one buffer)
	diag       *diagnosis // why no path was found; set by Connect
}

func (cfg Config) withDefaults() (settings, error) {
	s := settings{Config: cfg}
	if s.MessageSize == 0 {
		s.MessageSize = DefaultMessageSize
	}
	if s.HighWater == 0 {
		s.HighWater = DefaultHighWater
	}
	if s.LowWater == 0 {
		s.LowWater = s.HighWater / 4
	}
	if s.ReceiveWindow == 0 {
		s.ReceiveWindow = DefaultReceiveWindow
	}
	if s.SocketBuffer == 0 {
		s.SocketBuffer = DefaultSocketBuffer
	}
	if s.ICETimeout == 0 {
		s.ICETimeout = DefaultICETimeout
	}
	if s.LostTimeout == 0 {
		s.LostTimeout = DefaultLostTimeout
	}
	if s.CloseTimeout == 0 {
		s.CloseTimeout = DefaultCloseTimeout
	}
	switch {
	case s.MessageSize < 0 || s.MessageSize > 1<<24:
		return s, fmt.Errorf("peer: config: MessageSize %d is out of range (1 to 16 MiB)", s.MessageSize)
	case s.HighWater < 0 || s.LowWater < 0 || s.LowWater >= s.HighWater:
		return s, fmt.Errorf("peer: config: LowWater (%d) must be below HighWater (%d)", s.LowWater, s.HighWater)
	case s.ReceiveWindow < 0 || s.ReceiveWindow > 1<<30:
		return s, fmt.Errorf("peer: config: ReceiveWindow %d is out of range (1 byte to 1 GiB)", s.ReceiveWindow)
	case s.ICETimeout < 0 || s.CloseTimeout < 0 || s.LostTimeout < 0:
		return s, fmt.Errorf("peer: config: timeouts must not be negative")
	}
	s.maxMessage = max(s.MessageSize, DefaultMaxMessageSize)
	return s, nil
}

// disconnected is how long a connected path is silent before pion reports
// it disconnected (the lost timer starts then): a few keepalives, so that a
// lossy but live path seldom gets there.
func (s settings) disconnected() time.Duration {
	return min(3*time.Second, s.ICETimeout/6, s.LostTimeout/2)
}

// keepalive is how often ICE sends a consent check on the selected pair, so
// that an idle connection is never silent for long; pion also checks its
// timers this often.
func (s settings) keepalive() time.Duration {
	return min(time.Second, s.disconnected()/2)
}

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

// webrtcConfig turns the ICE part of cfg into pion's configuration. No public
// STUN server is ever added: only what the caller offers is contacted.
func webrtcConfig(cfg Config) webrtc.Configuration {
	var c webrtc.Configuration
	for _, s := range cfg.ICEServers {
		ws := webrtc.ICEServer{URLs: s.URLs, Username: s.Username}
		if s.Credential != "" {
			ws.Credential = s.Credential
		}
		c.ICEServers = append(c.ICEServers, ws)
	}
	if cfg.ForceRelay {
		c.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	return c
}
