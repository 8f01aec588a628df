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
//	(*Conn).Warning() string       -- added: the OS capped the UDP socket buffers
//	ConnectLink(ctx, sig, role, cfg) (*Link, error) -- added: Config.Parallel
//	                                  connections striped into one stream;
//	                                  *Link has Conn's methods
//
// Signaling messages are peer's own small JSON encoding (signal.go); the
// Signaler only carries them. Candidates trickle as they are gathered.
package peer

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/pion/transport/v5"
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

// Config configures Connect. The zero value works: every field has a default
// chosen from measurements (see DESIGN.md, "Targets").
type Config struct {
	ICEServers []ICEServer
	ForceRelay bool // use relay candidates only

	// MessageSize is the largest data-channel message Write sends; a longer
	// Write is split. Default DefaultMessageSize. Peers accept messages up to
	// max(MessageSize, DefaultMaxMessageSize), so two ferry versions with
	// different MessageSize defaults still interoperate.
	MessageSize int
	// HighWater and LowWater drive backpressure: Write blocks while more than
	// HighWater bytes are queued in SCTP (sent but not yet acknowledged
	// included) and resumes once the queue falls to LowWater. On real links
	// throughput is capped near HighWater / RTT. Defaults DefaultHighWater and
	// HighWater/4.
	HighWater int
	LowWater  int
	// ReceiveWindow is the SCTP receive buffer: the window the peer may have
	// in flight, so throughput is also capped near ReceiveWindow / RTT.
	// Default DefaultReceiveWindow (pion's own default is 1 MiB).
	ReceiveWindow int

	// SocketBuffer is the size asked of the OS for the read and write buffers
	// of the UDP sockets; the kernel default drops packets at data-channel
	// speeds. Default DefaultSocketBuffer; negative leaves the OS default.
	// When the OS grants less, (*Conn).Warning says so.
	SocketBuffer int
	// UDPMux makes the host candidates share one socket per local address
	// through pion's ICE UDP mux (webrtc.SettingEngine.SetICEUDPMux) instead
	// of pion's own per-candidate sockets; both get SocketBuffer. Off by
	// default: it measured no faster, with about 6 MiB more peak RSS per side
	// (it queues every packet in an 8 KiB buffer), see process_bench_test.go.
	UDPMux bool
	// IPFilter, when set, keeps only the local addresses for which it returns
	// true as candidates (tests keep loopback only). Loopback addresses are
	// included by default so that two peers on one machine without any other
	// network still connect.
	IPFilter func(net.IP) bool

	// ICETimeout bounds how long ICE checks candidate pairs before Connect
	// reports ErrNoRoute. Default DefaultICETimeout: with the signaling
	// before it, a failure is reported within 30 s of meeting.
	ICETimeout time.Duration
	// LostTimeout is how long a connected path may stay silent (not even
	// ICE's keepalives, sent every second both ways) before the connection
	// is declared lost, within a second after that: Read and Write then fail,
	// also a Write waiting on backpressure (lost.go). Default
	// DefaultLostTimeout; values above ICETimeout act as ICETimeout.
	LostTimeout time.Duration
	// CloseTimeout bounds how long Close waits while the peer acknowledges
	// nothing of what is still queued, and then how long it waits for the
	// peer to confirm the end of the stream. Default DefaultCloseTimeout.
	CloseTimeout time.Duration

	// Parallel is how many PeerConnections ConnectLink sets up: the offerer
	// asks for that many, the answerer agrees to at most that many. 0 means
	// DefaultParallel(); Connect ignores it.
	Parallel int

	// Logger receives pion's own log lines: its warnings and errors at Warn
	// and Error, its info at Debug, its debug and trace lines at Debug-4.
	// Nil discards them all, so a terminal stays clean.
	Logger *slog.Logger

	bare bool          // set by ConnectBare: no stream layer on the channel
	net  transport.Net // tests: a virtual network (pion's vnet) instead of the OS's
}

// Defaults for Config's zero fields.
const (
	DefaultMessageSize    = 64 << 10
	DefaultMaxMessageSize = 256 << 10
	DefaultHighWater      = 4 << 20
	DefaultReceiveWindow  = 4 << 20
	DefaultSocketBuffer   = 4 << 20
	DefaultICETimeout     = 20 * time.Second
	DefaultLostTimeout    = 7 * time.Second
	DefaultCloseTimeout   = 5 * time.Second
)

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
