package ferry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/ferry-dev/ferry/peer"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// Side is the part a program plays: the one that holds the code, or the one
// that typed it.
type Side = rendezvous.Side

const (
	// Sender holds the code on the server and waits for the receiver.
	Sender = rendezvous.SideSender
	// Receiver joins the sender waiting under the code.
	Receiver = rendezvous.SideReceiver
)

// ConnectConfig configures [Connect].
type ConnectConfig struct {
	Config
	Side Side
	// Words is the number of words in a code the sender gets (when
	// Config.Code is empty), each adding about 11.5 bits; 0 is the default.
	Words int
	// Wait is how long a receiver keeps trying while no sender waits under
	// the code yet (a receiver that may start first); 0 fails at once with
	// [ErrNoSuchCode].
	Wait time.Duration
	// LocalServer configures the server a sender starts when Config.Server
	// is empty.
	LocalServer ServerConfig
}

// Link is the connection between the two sides: an ordered, reliable byte
// stream, encrypted (DTLS) and authenticated by the code. Send and Receive
// speak ferry's transfer protocol over it; a program that calls Connect may
// speak its own.
type Link struct {
	pl     *peer.Link
	server *LocalServer // started for this link, stopped with it
	conn   Connection
}

// Read reads what the other side wrote.
func (l *Link) Read(p []byte) (int, error) { return l.pl.Read(p) }

// Write writes p to the other side; it blocks while the other side is
// behind.
func (l *Link) Write(p []byte) (int, error) { return l.pl.Write(p) }

// Close closes the connection (and the local rendezvous server started for
// it).
func (l *Link) Close() error {
	err := l.pl.Close()
	if l.server != nil {
		_ = l.server.Close()
	}
	return err
}

// abort closes the connection without waiting for the other side to take
// what was written: it has given up already (transfer.FromPeer).
func (l *Link) abort() {
	_ = l.pl.Abort()
	if l.server != nil {
		_ = l.server.Close()
	}
}

// Connection describes the connection.
func (l *Link) Connection() Connection { return l.conn }

// Connect meets the other side under the code on the rendezvous server,
// proves that both hold the code, and connects the two directly (or through
// a relay). A sender reports its code through [Events.Code] before it waits.
func Connect(ctx context.Context, cfg ConnectConfig) (*Link, error) {
	return connect(ctx, cfg, nil)
}

// connect is Connect; beforeCode, if any, runs just before a sender reports
// its code.
func connect(ctx context.Context, cfg ConnectConfig, beforeCode func()) (_ *Link, err error) {
	var (
		rz     *rendezvousclient.Conn
		code   rendezvous.Code
		server *LocalServer
	)
	switch cfg.Side {
	case Sender:
		rz, code, server, err = meetAsSender(ctx, cfg, beforeCode)
	case Receiver:
		rz, code, err = meetAsReceiver(ctx, cfg)
	default:
		return nil, fmt.Errorf("ferry: connect: unknown side %d", cfg.Side)
	}
	if err != nil {
		return nil, err
	}
	defer rz.Close() // signaling is over once the peers are connected
	defer func() {
		if err != nil && server != nil {
			_ = server.Close()
		}
	}()
	sess, err := rendezvous.Secure(ctx, rz, code.Slot, code.Password(), cfg.Side)
	if err != nil {
		return nil, fmt.Errorf("secure the connection: %w", err)
	}
	if cfg.Verify != nil {
		if err := cfg.Verify(ctx, sess.Verifier()); err != nil {
			return nil, err
		}
	}
	role := peer.Offerer
	if cfg.Side == Receiver {
		role = peer.Answerer
	}
	// Over the sealed session, never the raw rendezvous connection: the offer
	// and answer carry the DTLS fingerprints, and only the PAKE-sealed session
	// keeps the server from reading or swapping them.
	pl, err := peer.ConnectLink(ctx, sess, role, peerConfig(rz.ICEServers(), cfg.Network))
	if errors.Is(err, peer.ErrNoRoute) {
		return nil, err // "could not connect to the peer: why"
	}
	if err != nil {
		return nil, fmt.Errorf("connect to peer: %w", err)
	}
	l := &Link{pl: pl, server: server, conn: Connection{Route: pl.Route(), Connections: pl.Conns(), Warning: pl.Warning()}}
	cfg.events().Connected(l.conn)
	return l, nil
}

// meetAsSender holds the code on the server (a chosen one, or a new one)
// and waits for the receiver.
func meetAsSender(ctx context.Context, cfg ConnectConfig, beforeCode func()) (_ *rendezvousclient.Conn, _ rendezvous.Code, _ *LocalServer, err error) {
	var chosen rendezvous.Code
	if cfg.Code != "" {
		if chosen, err = rendezvous.ParseCode(cfg.Code); err != nil {
			return nil, chosen, nil, err
		}
	}
	var server *LocalServer
	serverURL, dialURL := cfg.Server, cfg.Server
	if serverURL == "" {
		if server, err = StartServer(ctx, cfg.LocalServer); err != nil {
			return nil, chosen, nil, err
		}
		defer func() {
			if err != nil {
				_ = server.Close()
			}
		}()
		serverURL, dialURL = server.URL(), server.LocalURL()
	}
	rz, err := rendezvousclient.DialWith(ctx, dialURL, rendezvousclient.DialOptions{HTTPClient: cfg.HTTPClient})
	if err != nil {
		return nil, chosen, nil, err
	}
	code, err := holdCode(ctx, rz, chosen, cfg.Words)
	if err == nil {
		if beforeCode != nil {
			beforeCode()
		}
		info := CodeInfo{Code: code.String(), Server: serverURL, Command: receiveCommand(serverURL, code.String())}
		if rz.WebApp() {
			info.WebURL = rendezvousclient.PageURL(serverURL, code.String())
		}
		if server != nil && server.Announced() {
			info.LANCommand = "ferry receive " + code.String()
		}
		cfg.events().Code(info)
		err = rz.WaitPeer(ctx)
	}
	if err != nil {
		_ = rz.Close()
		return nil, code, nil, err
	}
	return rz, code, server, nil
}

// holdCode claims the chosen code's slot, or allocates one for a new code.
func holdCode(ctx context.Context, rz *rendezvousclient.Conn, chosen rendezvous.Code, words int) (rendezvous.Code, error) {
	if chosen.Slot != "" {
		return chosen, rz.Claim(ctx, chosen.Slot)
	}
	slot, err := rz.Allocate(ctx)
	if err != nil {
		return rendezvous.Code{}, err
	}
	if words == 0 {
		words = rendezvous.DefaultWords
	}
	return rendezvous.NewCode(slot, words)
}

// meetAsReceiver joins the sender waiting under the code.
func meetAsReceiver(ctx context.Context, cfg ConnectConfig) (*rendezvousclient.Conn, rendezvous.Code, error) {
	code, err := rendezvous.ParseCode(cfg.Code)
	if err != nil {
		return nil, code, err
	}
	rz, err := dialJoin(ctx, cfg, code)
	return rz, code, err
}

// testIPFilter, set by the package's tests, keeps the peer connections on
// loopback addresses.
var testIPFilter func(net.IP) bool

// receiveCommand is the command line a receiver runs, verbatim.
func receiveCommand(server, code string) string {
	return "ferry receive --server " + server + " " + code
}

// peerConfig is the peer configuration: the ICE servers the rendezvous
// server offered, then the program's own.
func peerConfig(offered []rendezvous.ICEServer, n Network) peer.Config {
	cfg := peer.Config{ForceRelay: n.ForceRelay, Parallel: n.Parallel, IPFilter: testIPFilter}
	for _, s := range offered {
		cfg.ICEServers = append(cfg.ICEServers, peer.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	cfg.ICEServers = append(cfg.ICEServers, n.ICEServers...)
	return cfg
}
