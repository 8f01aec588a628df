//go:build !js

package ferry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
	"github.com/ferry-dev/ferry/web"
)

// LocalServer is a rendezvous server run in this process: what [Send]
// starts when it is given no server, and what the ferry command runs inside
// `ferry send`. It keeps the defaults of ferry-rendezvous: HTTP timeouts, a
// bound on the connections per address, no metrics.
type LocalServer struct {
	url        string // for the receiver
	local      string // for this process
	srv        *http.Server
	rz         *rendezvousserver.Server
	unannounce func() // nil when not announced
}

// localSlotSpace is the fewest numbers a local server draws a code's number
// from: 1–999, where ferry-rendezvous uses 1–99.
const localSlotSpace = 1000

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
	// Numbers 1–999: two senders on one LAN rarely draw the same one (a
	// receiver asks every sender it finds there for its number).
	rz := rendezvousserver.New(logger, rendezvousserver.Config{
		MinSlotSpace:        localSlotSpace,
		WebApp:              true,
		SlotsPerIPPerMinute: cfg.CodesPerMinute,
		JoinsPerIPPerMinute: cfg.JoinsPerMinute,
	})
	limits := rendezvousserver.DefaultHTTPLimits()
	lln, err := rz.LimitListener(ln, "public", limits)
	if err != nil {
		_ = ln.Close()
		_ = rz.Close()
		return nil, fmt.Errorf("local rendezvous server: %w", err)
	}
	srv := rendezvousserver.NewHTTPServer(web.With(rz), limits, nil)
	go func() {
		if err := srv.Serve(lln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("local rendezvous server stopped", "err", err)
		}
	}()
	ls := &LocalServer{srv: srv, rz: rz}
	if err := ls.address(addr, listen, cfg); err != nil {
		_ = ls.Close()
		return nil, fmt.Errorf("local rendezvous server: %w", err)
	}
	return ls, nil
}

// address sets the server's URLs and announces it on the local network when
// it listens on every interface.
func (s *LocalServer) address(addr *net.TCPAddr, listen string, cfg ServerConfig) error {
	port := strconv.Itoa(addr.Port)
	if !addr.IP.IsUnspecified() {
		s.local = "ws://" + net.JoinHostPort(addr.IP.String(), port)
		s.url = s.local
		if cfg.Advertise != "" {
			host, _, err := advertised(cfg.Advertise)
			if err != nil {
				return err
			}
			s.url = "ws://" + withPort(host, port)
		}
		return nil
	}
	s.local = "ws://" + net.JoinHostPort("127.0.0.1", port) // ":0" listens on IPv4 and IPv6
	if host, _, _ := net.SplitHostPort(listen); strings.Contains(host, ":") {
		s.local = "ws://" + net.JoinHostPort("::1", port)
	}
	host, ifc, err := advertised(cfg.Advertise)
	if err != nil {
		return err
	}
	hostPort := withPort(host, port)
	s.url = "ws://" + hostPort
	ahost, aport, _ := net.SplitHostPort(hostPort)
	ip := net.ParseIP(ahost).To4()
	if cfg.NoAnnounce || ip == nil || ip.IsLoopback() {
		return nil // a name or IPv6 is not announced, nor loopback
	}
	n, _ := strconv.Atoi(aport)
	if stop, err := announce(ip, n, ifc); err == nil {
		s.unannounce = stop
	} else if cfg.Logger != nil {
		cfg.Logger.Warn("the receiver will need the --server form of the command", "err", err)
	}
	return nil
}

// withPort is host with port added unless it has one.
func withPort(host, port string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	return net.JoinHostPort(host, port)
}

// Announced reports whether the server announces itself on the local
// network: a receiver there needs only the code.
func (s *LocalServer) Announced() bool { return s.unannounce != nil }

// URL is the server's address for the receiver, e.g. "ws://192.168.1.5:40123".
func (s *LocalServer) URL() string { return s.url }

// LocalURL is the server's address from this host, e.g. "ws://127.0.0.1:40123".
func (s *LocalServer) LocalURL() string { return s.local }

// Close stops the server and ends the connections it holds.
func (s *LocalServer) Close() error {
	if s.unannounce != nil {
		s.unannounce()
	}
	_ = s.rz.Close()
	return s.srv.Close()
}
