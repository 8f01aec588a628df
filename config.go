package ferry

import (
	"context"
	"net/http"

	"github.com/ferry-dev/ferry/internal/buildinfo"
	"github.com/ferry-dev/ferry/peer"
)

// Config is what both sides set: where they meet, under which code, and how
// they connect.
type Config struct {
	// Server is the rendezvous server's URL (ws://, wss://, http:// or
	// https://). A sender without one starts a server in this process
	// ([SendConfig].LocalServer) and announces it on the local network; a
	// receiver without one looks there for [DiscoverTimeout] (or its Wait).
	Server string
	// Code is the code both sides use, e.g. "7-apple-river". A receiver
	// needs it; a sender without one gets a new code ([Events.Code]).
	Code string
	// Network configures the peer connection.
	Network Network
	// Verify, when set, is called with a verification string derived from
	// the key the two sides agreed on, before anything else is said: when
	// the strings the two sides see differ, someone is in the middle.
	// Return an error (wrapping [ErrWrongCode] for a mismatch) to stop.
	Verify func(ctx context.Context, verifier string) error
	// Events hears what happens; nil hears nothing.
	Events Events
	// HTTPClient dials the rendezvous server (its Transport's TLS settings
	// and proxy are used); nil is the default client.
	HTTPClient *http.Client
	// Software names this program's release to a peer that speaks no common
	// protocol version, for its error message; "" is ferry's version.
	Software string
}

// Network configures the peer connection.
type Network struct {
	// ICEServers are STUN and TURN servers to use besides those the
	// rendezvous server offers.
	ICEServers []ICEServer
	// ForceRelay connects only through a TURN relay, never directly: the
	// peer never learns this host's address.
	ForceRelay bool
	// Parallel is how many peer connections carry the data, 1 to
	// [MaxParallel]; the sender asks, the receiver allows at most. 0 picks
	// from the number of cores and the free memory ([DefaultParallel]).
	Parallel int
}

// ICEServer is a STUN or TURN server.
type ICEServer = peer.ICEServer

// ParseICEServer parses "stun:host:port" or "turn:user:password@host:port"
// (turns: for TLS; ?transport=tcp for TCP).
func ParseICEServer(s string) (ICEServer, error) { return peer.ParseICEServer(s) }

// MaxParallel is the most peer connections one transfer runs at once.
const MaxParallel = peer.MaxParallel

// DefaultParallel is how many peer connections [Network].Parallel 0 stands
// for on this machine.
func DefaultParallel() int { return peer.DefaultParallel() }

func (c Config) events() Events {
	if c.Events == nil {
		return NopEvents{}
	}
	return c.Events
}

func (c Config) software() string {
	if c.Software == "" {
		return buildinfo.String()
	}
	return c.Software
}
