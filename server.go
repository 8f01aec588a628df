package ferry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// ServerConfig configures a rendezvous server run in this process.
type ServerConfig struct {
	// Listen is the TCP address to listen on; "" is ":0", a free port on
	// every interface, so that a receiver on the local network reaches it.
	Listen string
	// Advertise is the host (or host:port) that [LocalServer.URL] names for
	// the receiver; "" is the listening address when it names one host, or
	// else this host's address on the local network.
	Advertise string
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
}

// LocalServer is a rendezvous server run in this process: what [Send]
// starts when it is given no server, and what the ferry command runs inside
// `ferry send`. It keeps the defaults of ferry-rendezvous: HTTP timeouts, a
// bound on the connections per address, no metrics.
type LocalServer struct {
	url   string // for the receiver
	local string // for this process
	srv   *http.Server
	rz    *rendezvousserver.Server
}

// StartServer starts a rendezvous server in this process; Close stops it.
func StartServer(ctx context.Context, cfg ServerConfig) (*LocalServer, error) {
	listen := cfg.Listen
	if listen == "" {
		listen = ":0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("local rendezvous server: %w", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	rz := rendezvousserver.New(logger, rendezvousserver.Config{})
	limits := rendezvousserver.DefaultHTTPLimits()
	lln, err := rz.LimitListener(ln, "public", limits)
	if err != nil {
		_ = ln.Close()
		_ = rz.Close()
		return nil, fmt.Errorf("local rendezvous server: %w", err)
	}
	srv := rendezvousserver.NewHTTPServer(rz, limits, nil)
	go func() {
		if err := srv.Serve(lln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("local rendezvous server stopped", "err", err)
		}
	}()
	local, advertise := addr.IP.String(), cfg.Advertise
	if addr.IP.IsUnspecified() {
		local = "127.0.0.1" // ":0" listens on both IPv4 and IPv6
		if host, _, _ := net.SplitHostPort(listen); strings.Contains(host, ":") {
			local = "::1"
		}
		if advertise == "" {
			advertise = lanAddress()
		}
	} else if advertise == "" {
		advertise = local
	}
	if _, _, err := net.SplitHostPort(advertise); err != nil {
		advertise = net.JoinHostPort(advertise, fmt.Sprint(addr.Port))
	}
	return &LocalServer{
		url:   "ws://" + advertise,
		local: "ws://" + net.JoinHostPort(local, fmt.Sprint(addr.Port)),
		srv:   srv,
		rz:    rz,
	}, nil
}

// URL is the server's address for the receiver, e.g. "ws://192.168.1.5:40123".
func (s *LocalServer) URL() string { return s.url }

// LocalURL is the server's address from this host, e.g. "ws://127.0.0.1:40123".
func (s *LocalServer) LocalURL() string { return s.local }

// Close stops the server and ends the connections it holds.
func (s *LocalServer) Close() error {
	_ = s.rz.Close()
	return s.srv.Close()
}

// lanAddress picks the address a peer on the LAN can reach this host at: the
// first IPv4 address of an interface that is up and not loopback, or 127.0.0.1.
func lanAddress() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return "127.0.0.1"
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				if ip4 := ipn.IP.To4(); ip4 != nil && !ip4.IsLinkLocalUnicast() {
					return ip4.String()
				}
			}
		}
	}
	return "127.0.0.1"
}
