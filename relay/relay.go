// Package relay is the STUN/TURN server that ferry-rendezvous can run beside
// the rendezvous, on pion/turn. Clients get credentials for it from the
// rendezvous server's welcome message, in coturn's shared-secret scheme
// (turncreds.Credentials), so the same secret also works with coturn.
//
// It relays UDP only (TURN over UDP, UDP allocations), answers STUN binding
// requests on the same port, and enforces limits against abuse: allocations
// in total, per user and per client address, the lifetime of an allocation
// and how long it may stay unused, and the bandwidth of one allocation and of
// one client address. By default it never relays to private, special-purpose
// or its own host's addresses (peers.go), and never into its own listening
// port. Refusals are counted by reason (Stats) and logged, sampled per reason
// (internal/logsample) so that a flood of bad packets cannot flood the log.
package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/pion/turn/v5"

	"github.com/ferry-dev/ferry/internal/logsample"
	"github.com/ferry-dev/ferry/internal/pionlog"
)

// Config configures a Server. Zero fields take the defaults below, except
// PublicIP and Secret, which are required.
type Config struct {
	// Listen is the UDP address for STUN and TURN, e.g. ":3478".
	Listen string
	// PublicIP is the address clients and peers reach the server at; relay
	// addresses are advertised on it (the server may listen on a private
	// address behind a 1:1 NAT).
	PublicIP netip.Addr
	// Secret is the shared secret of the credential scheme.
	Secret string
	// Realm is the TURN realm. Default DefaultRealm.
	Realm string

	// MinPort and MaxPort bound the UDP ports of relay addresses.
	MinPort, MaxPort uint16
	// MaxAllocations bounds the allocations at once, all users together.
	MaxAllocations int
	// MaxAllocationsPerUser bounds the allocations at once of one user
	// (the id in the username: one client address, as the rendezvous server
	// saw it).
	MaxAllocationsPerUser int
	// MaxAllocationsPerClient bounds the allocations at once from one client
	// source address as the relay sees it (an IPv4 address, an IPv6 /64),
	// whatever credentials it presents.
	MaxAllocationsPerClient int
	// IdleTimeout ends an allocation that relayed no packet, either way, for
	// this long (refreshes do not count). Default DefaultIdleTimeout;
	// negative: never.
	IdleTimeout time.Duration
	// MaxLifetime ends an allocation this long after it was made, however
	// often it was refreshed. Refreshes of a running allocation are accepted
	// this long past the credentials' expiry, so a transfer may outlive them.
	MaxLifetime time.Duration
	// Bandwidth bounds the bytes per second through one allocation, both
	// directions together; packets over it are dropped. 0: no limit.
	Bandwidth int64
	// ClientBandwidth bounds the bytes per second through all allocations of
	// one client source address together (both directions). 0: the default
	// DefaultClientBandwidth; NoLimit: none.
	ClientBandwidth int64
	// DeniedPeers are address ranges the server refuses to relay to, beside
	// the ones it refuses by default. They win over AllowedPeers.
	DeniedPeers []netip.Prefix
	// AllowedPeers are address ranges the server relays to although it would
	// refuse them by default (private ranges, loopback, its own addresses):
	// a relay for a LAN. Its own listening port stays refused.
	AllowedPeers []netip.Prefix

	// Logger receives allocation events (Debug), refusals (Info) and pion's
	// warnings. Nil: discard.
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultRealm                   = "ferry"
	DefaultMinPort                 = 49152
	DefaultMaxPort                 = 65535
	DefaultMaxAllocations          = 4000
	DefaultMaxAllocationsPerUser   = 10
	DefaultMaxAllocationsPerClient = 10
	DefaultMaxLifetime             = 12 * time.Hour
	DefaultIdleTimeout             = 60 * time.Second
	DefaultClientBandwidth         = 25_000_000 // bytes per second: 200 Mbit/s
	// NoLimit in ClientBandwidth turns the limit off.
	NoLimit = -1
)

// socketBuffer is asked of the OS for the listening socket: one goroutine
// reads every client's packets from it.
const socketBuffer = 4 << 20

func (c Config) withDefaults() (Config, error) {
	if c.Realm == "" {
		c.Realm = DefaultRealm
	}
	if c.MinPort == 0 && c.MaxPort == 0 {
		c.MinPort, c.MaxPort = DefaultMinPort, DefaultMaxPort
	}
	if c.MaxAllocations <= 0 {
		c.MaxAllocations = DefaultMaxAllocations
	}
	if c.MaxAllocationsPerUser <= 0 {
		c.MaxAllocationsPerUser = DefaultMaxAllocationsPerUser
	}
	if c.MaxAllocationsPerClient <= 0 {
		c.MaxAllocationsPerClient = DefaultMaxAllocationsPerClient
	}
	if c.MaxLifetime <= 0 {
		c.MaxLifetime = DefaultMaxLifetime
	}
	switch {
	case c.IdleTimeout == 0:
		c.IdleTimeout = DefaultIdleTimeout
	case c.IdleTimeout < 0:
		c.IdleTimeout = 0
	}
	switch {
	case c.ClientBandwidth == 0:
		c.ClientBandwidth = DefaultClientBandwidth
	case c.ClientBandwidth == NoLimit:
		c.ClientBandwidth = 0
	}
	switch {
	case !c.PublicIP.IsValid() || c.PublicIP.IsUnspecified():
		return c, errors.New("relay: the public IP (the address relays are advertised on) is missing")
	case !c.PublicIP.Unmap().Is4():
		return c, fmt.Errorf("relay: public IP %s: only IPv4 relays are supported", c.PublicIP)
	case c.Secret == "":
		return c, errors.New("relay: the shared secret is missing")
	case c.MinPort == 0 || c.MinPort > c.MaxPort:
		return c, fmt.Errorf("relay: port range %d-%d is empty", c.MinPort, c.MaxPort)
	case c.Bandwidth < 0 || c.ClientBandwidth < 0:
		return c, errors.New("relay: bandwidth must not be negative")
	}
	c.PublicIP = c.PublicIP.Unmap()
	return c, nil
}

// Server is a running STUN/TURN server.
type Server struct {
	cfg  Config
	log  *slog.Logger
	turn *turn.Server
	addr *net.UDPAddr // where it listens

	hostAddrs map[netip.Addr]bool // fixed at start
	count     *counters
	logs      *logsample.Sampler

	mu      sync.Mutex
	perUse  map[string]int     // allocations per user id
	sources map[string]*source // per client source key
	pending string             // source key of the allocation being made (underQuota)
	active  int
}

// Start listens on cfg.Listen and serves until Close.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp4", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("relay: listen on UDP %s: %w: is another STUN/TURN server using that port? pick another with --turn-listen", cfg.Listen, err)
	}
	if uc, ok := pc.(*net.UDPConn); ok {
		_ = uc.SetReadBuffer(socketBuffer)
		_ = uc.SetWriteBuffer(socketBuffer)
	}
	s := &Server{
		cfg:     cfg,
		log:     logger,
		addr:    pc.LocalAddr().(*net.UDPAddr),
		count:   newCounters(),
		logs:    logsample.New(logger, logsample.Options{}),
		perUse:  make(map[string]int),
		sources: make(map[string]*source),
	}
	s.hostAddrs = hostAddrs(cfg.PublicIP, s.addr)
	bind, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		pc.Close() //nolint:errcheck // reporting the first error
		s.logs.Close()
		return nil, fmt.Errorf("relay: listen address %q: %w", cfg.Listen, err)
	}
	if bind == "" {
		bind = "0.0.0.0"
	}
	gen := &generator{
		inner: turn.RelayAddressGeneratorPortRange{
			RelayAddress: net.IP(cfg.PublicIP.AsSlice()),
			Address:      bind,
			MinPort:      cfg.MinPort,
			MaxPort:      cfg.MaxPort,
			MaxRetries:   50,
		},
		srv: s,
	}
	s.turn, err = turn.NewServer(turn.ServerConfig{
		Realm:         cfg.Realm,
		AuthHandler:   s.authenticate,
		QuotaHandler:  s.underQuota,
		LoggerFactory: pionlog.Factory{Log: logger, Levels: pionlog.Server},
		EventHandler: turn.EventHandler{
			OnAuth: func(src, _ net.Addr, _, username, _, method string, ok bool) {
				if !ok {
					s.refuseAuth(src, username, method, "wrong password")
				}
			},
			OnAllocationCreated: func(src, _ net.Addr, _, user, _ string, relayAddr net.Addr, _ int) {
				s.count.created.Add(1)
				s.log.Debug("relay allocation created", "client", src.String(), "user", user, "relay", relayAddr.String())
			},
			OnAllocationDeleted: func(src, _ net.Addr, _, user, _ string) {
				s.log.Debug("relay allocation deleted", "client", src.String(), "user", user)
			},
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            pc,
			RelayAddressGenerator: gen,
			PermissionHandler:     s.permitted,
		}},
	})
	if err != nil {
		pc.Close() //nolint:errcheck // reporting the first error
		s.logs.Close()
		return nil, fmt.Errorf("relay: %w", err)
	}
	return s, nil
}

// Addr is the UDP address the server listens on.
func (s *Server) Addr() *net.UDPAddr { return s.addr }

// URLs are the STUN and the TURN URL under which clients reach the server:
// the public IP with the listening port.
func (s *Server) URLs() (stunURL, turnURL string) {
	hp := net.JoinHostPort(s.cfg.PublicIP.String(), strconv.Itoa(s.addr.Port))
	return "stun:" + hp, "turn:" + hp + "?transport=udp"
}

// Config is the configuration in effect, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Close stops the server and ends every allocation.
func (s *Server) Close() error {
	defer s.logs.Close() // with the summaries of suppressed lines
	if err := s.turn.Close(); err != nil {
		return fmt.Errorf("relay: close: %w", err)
	}
	return nil
}
