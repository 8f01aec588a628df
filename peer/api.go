// Package peer sets up a pion/webrtc PeerConnection with one ordered, reliable
// data channel between two ferry clients and exposes it as a byte stream with
// backpressure. It knows nothing of files, terminals or the rendezvous protocol:
// signaling messages travel through a Signaler that the caller supplies.
//
// API CONTRACT (agreed with internal/cli; extend, don't reshape):
//
//	Connect(ctx, sig, role, cfg) (*Conn, error)
//	(*Conn).Read / Write / Close   -- io.ReadWriteCloser with stream semantics
//	(*Conn).Route() Route
package peer

import (
	"context"
	"errors"
)

// Signaler carries opaque signaling messages to the other peer and back, in order.
// The rendezvous client (later: its sealed session) implements it.
type Signaler interface {
	Send(ctx context.Context, msg []byte) error
	Recv(ctx context.Context) ([]byte, error)
}

// Role says which side makes the offer.
type Role int

const (
	Offerer  Role = iota // the sender: creates the data channel and the offer
	Answerer             // the receiver
)

// ICEServer is a STUN or TURN server.
type ICEServer struct {
	URLs       []string
	Username   string
	Credential string
}

// Config configures Connect.
type Config struct {
	ICEServers []ICEServer
	ForceRelay bool // use relay candidates only
}

// Route describes the selected ICE candidate pair.
type Route struct {
	Direct     bool   // false when either side is a relay candidate
	LocalType  string // "host", "srflx", "prflx", "relay"
	RemoteType string
	Local      string // address:port of the local candidate
	Remote     string
}

// ErrNoRoute: ICE could not find any working candidate pair.
var ErrNoRoute = errors.New("could not connect to the peer")
