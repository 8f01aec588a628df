package servercmd

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry/relay"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// TURNOptions are the flags for TURN: servers offered to clients with minted
// credentials (--turn, e.g. coturn), and the relay ferry-rendezvous runs
// itself (--turn-listen).
type TURNOptions struct {
	URLs   []string // --turn
	Secret string   // --turn-secret (FERRY_RENDEZVOUS_TURN_SECRET keeps it out of the process list)
	TTL    time.Duration

	Listen          string // --turn-listen: run the embedded STUN/TURN server
	PublicIP        string
	Ports           string // "MIN-MAX"
	MaxAllocs       int
	MaxPerUser      int
	MaxPerClient    int
	MaxLifetime     time.Duration
	IdleTimeout     time.Duration
	Bandwidth       string // bytes per second, with an optional k, M or G suffix
	ClientBandwidth string // the same, for all allocations of one client address
	DeniedPeers     []string
	AllowedPeers    []string
}

// addTURNFlags registers the TURN flags on cmd.
func addTURNFlags(cmd *cobra.Command, o *TURNOptions) {
	f := cmd.Flags()
	f.StringArrayVar(&o.URLs, "turn", nil, "TURN server URL offered to clients with short-lived credentials, e.g. turn:turn.example.com:3478 (repeatable; needs --turn-secret)")
	f.StringVar(&o.Secret, "turn-secret", "", "secret shared with the TURN servers (coturn's static-auth-secret) to mint credentials; better set as "+EnvName("turn-secret")+", out of the process list; with only --turn-listen a random one is made")
	f.DurationVar(&o.TTL, "turn-ttl", rendezvousserver.DefaultTURNTTL, "how long minted TURN credentials stay valid for starting a relayed session; keep it above --slot-lifetime")
	f.StringVar(&o.Listen, "turn-listen", "", "run a STUN/TURN server on this UDP address, e.g. :3478, and offer it to clients")
	f.StringVar(&o.PublicIP, "turn-public-ip", "", "IPv4 address clients reach --turn-listen at, on which relay addresses are advertised (default: the --turn-listen host)")
	f.StringVar(&o.Ports, "turn-ports", fmt.Sprintf("%d-%d", relay.DefaultMinPort, relay.DefaultMaxPort), "UDP port range of relay addresses, MIN-MAX")
	f.IntVar(&o.MaxAllocs, "turn-max-allocations", relay.DefaultMaxAllocations, "most relay allocations at once, all users together")
	f.IntVar(&o.MaxPerUser, "turn-max-allocations-per-user", relay.DefaultMaxAllocationsPerUser, "most relay allocations at once per user (per client address as the rendezvous server saw it)")
	f.IntVar(&o.MaxPerClient, "turn-max-allocations-per-client", relay.DefaultMaxAllocationsPerClient, "most relay allocations at once from one client address as the relay sees it (IPv4 address; IPv6 /64), whatever its credentials")
	f.DurationVar(&o.MaxLifetime, "turn-max-lifetime", relay.DefaultMaxLifetime, "longest life of one relay allocation, however often it is refreshed")
	f.DurationVar(&o.IdleTimeout, "turn-idle-timeout", relay.DefaultIdleTimeout, "end a relay allocation that relayed nothing for this long (refreshes do not count); 0 never")
	f.StringVar(&o.Bandwidth, "turn-bandwidth", "0", "most bytes per second through one relay allocation, e.g. 10M (k, M, G: powers of 1000); 0 for no limit")
	f.StringVar(&o.ClientBandwidth, "turn-bandwidth-per-client", strconv.Itoa(relay.DefaultClientBandwidth/1e6)+"M", "most bytes per second through all relay allocations of one client address together (k, M, G: powers of 1000); 0 for no limit")
	f.StringArrayVar(&o.DeniedPeers, "turn-deny-peer", nil, "address range the relay never relays to, e.g. 10.0.0.0/8 (repeatable; wins over --turn-allow-peer)")
	f.StringArrayVar(&o.AllowedPeers, "turn-allow-peer", nil, "address range the relay may relay to although it refuses it by default (private ranges, loopback, its own host's addresses), e.g. 192.168.0.0/16 for a relay on a LAN (repeatable; its own port stays refused)")
}

// relayFlags are the flags that only mean something with --turn-listen.
var relayFlags = []string{"turn-public-ip", "turn-ports", "turn-max-allocations", "turn-max-allocations-per-user", "turn-max-allocations-per-client",
	"turn-max-lifetime", "turn-idle-timeout", "turn-bandwidth", "turn-bandwidth-per-client", "turn-deny-peer", "turn-allow-peer"}

// validate checks the TURN flags of cmd (after parsing).
func (o *TURNOptions) validate(cmd *cobra.Command) error {
	for _, u := range o.URLs {
		if !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
			return usagef("--turn %q: a TURN URL looks like turn:host:3478 (or turns:host:5349)", u)
		}
	}
	if len(o.URLs) > 0 && o.Secret == "" {
		return usagef("--turn needs --turn-secret (or %s): the secret the TURN server checks credentials with (coturn: static-auth-secret)", EnvName("turn-secret"))
	}
	if o.TTL <= 0 {
		return usagef("--turn-ttl must be positive")
	}
	if o.Listen == "" {
		for _, name := range relayFlags {
			if cmd.Flags().Changed(name) {
				return usagef("--%s configures the embedded relay: it needs --turn-listen ADDR", name)
			}
		}
		return nil
	}
	if _, err := o.relayConfig(); err != nil {
		return err
	}
	return nil
}

// relayConfig turns the flags into the embedded relay's configuration.
func (o *TURNOptions) relayConfig() (relay.Config, error) {
	cfg := relay.Config{
		Listen:                  o.Listen,
		Secret:                  o.Secret,
		MaxAllocations:          o.MaxAllocs,
		MaxAllocationsPerUser:   o.MaxPerUser,
		MaxAllocationsPerClient: o.MaxPerClient,
		MaxLifetime:             o.MaxLifetime,
		IdleTimeout:             o.IdleTimeout,
	}
	host, port, err := net.SplitHostPort(o.Listen)
	if err != nil || port == "" {
		return cfg, usagef("--turn-listen %q: give host:port or :port, e.g. :3478", o.Listen)
	}
	public := o.PublicIP
	if public == "" {
		public = host
	}
	ip, err := netip.ParseAddr(public)
	switch {
	case public == "" || (err == nil && ip.IsUnspecified()):
		return cfg, usagef("--turn-listen %s needs --turn-public-ip: the IPv4 address clients reach the relay at", o.Listen)
	case err != nil || !ip.Unmap().Is4():
		return cfg, usagef("--turn-public-ip %q: give an IPv4 address, e.g. 203.0.113.5", public)
	}
	cfg.PublicIP = ip.Unmap()
	if cfg.MinPort, cfg.MaxPort, err = parsePorts(o.Ports); err != nil {
		return cfg, err
	}
	if o.MaxAllocs <= 0 || o.MaxPerUser <= 0 || o.MaxPerClient <= 0 || o.MaxLifetime <= 0 {
		return cfg, usagef("--turn-max-allocations, --turn-max-allocations-per-user, --turn-max-allocations-per-client and --turn-max-lifetime must be positive")
	}
	switch {
	case o.IdleTimeout < 0:
		return cfg, usagef("--turn-idle-timeout must not be negative (0: never)")
	case o.IdleTimeout == 0:
		cfg.IdleTimeout = -1 // relay.Config: negative is never
	}
	if cfg.Bandwidth, err = parseRate("turn-bandwidth", o.Bandwidth); err != nil {
		return cfg, err
	}
	if cfg.ClientBandwidth, err = parseRate("turn-bandwidth-per-client", o.ClientBandwidth); err != nil {
		return cfg, err
	}
	if cfg.ClientBandwidth == 0 {
		cfg.ClientBandwidth = relay.NoLimit
	}
	if cfg.DeniedPeers, err = parsePrefixes("turn-deny-peer", o.DeniedPeers); err != nil {
		return cfg, err
	}
	if cfg.AllowedPeers, err = parsePrefixes("turn-allow-peer", o.AllowedPeers); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func parsePrefixes(flag string, ss []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range ss {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, usagef("--%s %q: give an address range, e.g. 10.0.0.0/8", flag, s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func parsePorts(s string) (lo, hi uint16, err error) {
	a, b, ok := strings.Cut(s, "-")
	x, err1 := strconv.ParseUint(a, 10, 16)
	y, err2 := strconv.ParseUint(b, 10, 16)
	if !ok || err1 != nil || err2 != nil || x == 0 || x > y {
		return 0, 0, usagef("--turn-ports %q: give a UDP port range MIN-MAX, e.g. 49152-65535", s)
	}
	return uint16(x), uint16(y), nil
}

// parseRate reads the bytes per second of flag: a number with an optional k, M or G.
func parseRate(flag, s string) (int64, error) {
	mult := int64(1)
	num := s
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult, num = 1e3, s[:n-1]
		case 'M':
			mult, num = 1e6, s[:n-1]
		case 'G':
			mult, num = 1e9, s[:n-1]
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 || v*float64(mult) > 1e15 {
		return 0, usagef("--%s %q: give bytes per second, e.g. 10M for 10 MB/s, or 0 for no limit", flag, s)
	}
	return int64(v * float64(mult)), nil
}

// startTURN starts the embedded relay when --turn-listen is set, and puts the
// TURN servers and the embedded STUN server into cfg. The caller closes the
// returned relay (nil without --turn-listen).
func startTURN(ctx context.Context, o *TURNOptions, cfg *rendezvousserver.Config, logger *slog.Logger) (*relay.Server, error) {
	cfg.TURN = rendezvousserver.TURN{URLs: o.URLs, Secret: o.Secret, TTL: o.TTL}
	// The flags give both durations (their defaults included).
	if wait := cfg.SlotLifetime + cfg.HandshakeTimeout; (len(o.URLs) > 0 || o.Listen != "") && o.TTL < wait {
		logger.Warn("--turn-ttl is shorter than a sender may wait for its receiver: the relay will refuse the credentials of senders whose receivers come late",
			"turn_ttl", o.TTL, "slot_lifetime_plus_handshake", wait)
	}
	if o.Listen == "" {
		return nil, nil
	}
	rc, err := o.relayConfig()
	if err != nil {
		return nil, err
	}
	if rc.Secret == "" { // only our own relay checks it: any secret will do
		b := make([]byte, 32)
		rand.Read(b)
		rc.Secret = base64.RawStdEncoding.EncodeToString(b)
		cfg.TURN.Secret = rc.Secret
	}
	rc.Logger = logger.With("component", "relay")
	srv, err := relay.Start(ctx, rc)
	if err != nil {
		return nil, err
	}
	stunURL, turnURL := srv.URLs()
	cfg.ICEServers = append([]rendezvous.ICEServer{{URLs: []string{stunURL}}}, cfg.ICEServers...)
	cfg.TURN.URLs = append([]string{turnURL}, cfg.TURN.URLs...)
	rc = srv.Config()
	if pub := rc.PublicIP; (pub.IsPrivate() || pub.IsLoopback()) && len(rc.AllowedPeers) == 0 {
		logger.Warn("the relay's public IP is a private address, and the relay refuses private peers by default: for a relay on a LAN, allow its range with --turn-allow-peer",
			"public_ip", pub.String())
	}
	logger.Info("relay started",
		"udp", srv.Addr().String(),
		"public_ip", rc.PublicIP.String(),
		"stun", stunURL,
		"turn", turnURL,
		"ports", fmt.Sprintf("%d-%d", rc.MinPort, rc.MaxPort),
		"max_allocations", rc.MaxAllocations,
		"max_allocations_per_user", rc.MaxAllocationsPerUser,
		"max_allocations_per_client", rc.MaxAllocationsPerClient,
		"max_lifetime", rc.MaxLifetime,
		"idle_timeout", rc.IdleTimeout,
		"bandwidth", rc.Bandwidth,
		"bandwidth_per_client", rc.ClientBandwidth,
		"allowed_peers", fmt.Sprint(rc.AllowedPeers),
		"credential_ttl", o.TTL,
	)
	return srv, nil
}
