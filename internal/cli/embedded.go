package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// embeddedServer is a rendezvous server run inside `ferry send` when no
// --server is given. It listens on all interfaces on a free port, so the
// receive command it prints works on this host and from the LAN.
type embeddedServer struct {
	advertise string // URL for the receive command: a LAN address when there is one
	local     string // URL this process dials
	srv       *http.Server
	rz        *rendezvousserver.Server
}

func startEmbedded(ctx context.Context, logOut io.Writer) (*embeddedServer, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", ":0")
	if err != nil {
		return nil, fmt.Errorf("embedded rendezvous: %w", err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	logger := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The defaults of ferry-rendezvous: no /metrics (the LAN need not know
	// what this host does), HTTP timeouts, TCP connections per address.
	rz := rendezvousserver.New(logger, rendezvousserver.Config{})
	limits := rendezvousserver.DefaultHTTPLimits()
	lln, err := rz.LimitListener(ln, "public", limits)
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("embedded rendezvous: %w", err)
	}
	srv := rendezvousserver.NewHTTPServer(rz, limits, nil)
	go func() {
		if err := srv.Serve(lln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("embedded rendezvous stopped", "err", err)
		}
	}()
	return &embeddedServer{
		advertise: "ws://" + net.JoinHostPort(lanAddress(), port),
		local:     "ws://" + net.JoinHostPort("127.0.0.1", port),
		srv:       srv,
		rz:        rz,
	}, nil
}

func (e *embeddedServer) Close() error {
	_ = e.rz.Close()
	return e.srv.Close()
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
