package peer

import (
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
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
