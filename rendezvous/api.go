// Package rendezvous pairs two ferry clients under a slot and relays their
// signaling messages. It holds the protocol types, the Server (an http.Handler),
// the Client, and codes. It must not import pion.
//
// API CONTRACT (agreed with internal/cli; extend, don't reshape):
//
//	NewServer(logger, Config) *Server           -- http.Handler; Close() error
//	Dial(ctx, serverURL) (*Conn, error)         -- ws://, wss://, http://, https://
//	(*Conn).ICEServers() []ICEServer
//	(*Conn).Allocate(ctx) (slot string, error)  -- sender: a free slot, drawn at random
//	(*Conn).Claim(ctx, slot) error              -- sender: a chosen slot (--code)
//	(*Conn).Join(ctx, slot) error               -- receiver
//	(*Conn).WaitPeer(ctx) error                 -- sender: until a receiver joined
//	(*Conn).Send(ctx, []byte) error / Recv(ctx) ([]byte, error)  -- opaque relay
//	(*Conn).Close() error
//
// Added by the implementation (see protocol.go for the wire protocol):
//
//	(*Server).Shutdown(ctx) error               -- tells clients, waits; Close() = Shutdown with 2 s grace
//	Config (limits; zero fields = DefaultConfig()), (*Server).Config()
//	ErrSlotUsed (also matches ErrSlotTaken), *ServerError{Code, Message}
//	Version, WSPath, VersionHeader; package rendezvoustest: Start(t, logger, cfg)
//	(*Server).MetricsHandler() http.Handler     -- Prometheus /metrics (metrics.go); on / too only with Config.PublicMetrics
//	(*Server).RegisterMetrics(...prometheus.Collector) error
//	Config.TrustedProxies []netip.Prefix        -- X-Forwarded-For believed only from these (clientip.go)
//	DialWith(ctx, url, DialOptions{HTTPClient, Header}) (*Conn, error)
//	NewHTTPServer(handler, HTTPLimits, *log.Logger) *http.Server  -- timeouts of every listener (listener.go)
//	(*Server).LimitListener(ln, name, HTTPLimits) (net.Listener, error)  -- TCP connections per address and in all
package rendezvous

import "errors"

// Client-side sentinel errors, found with errors.Is.
var (
	ErrVersion     = errors.New("the rendezvous server speaks another protocol version")
	ErrSlotTaken   = errors.New("that code is already in use")
	ErrNoSuchSlot  = errors.New("no sender is waiting under that code")
	ErrPeerGone    = errors.New("the other side left")
	ErrLimit       = errors.New("a rendezvous server limit was reached")
	ErrUnreachable = errors.New("could not reach the rendezvous server")
)

// ICEServer is a STUN or TURN server offered by the rendezvous server.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}
