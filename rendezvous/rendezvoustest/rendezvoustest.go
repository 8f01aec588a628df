// Package rendezvoustest runs a real rendezvous server on a random loopback
// port for tests of packages that need one.
package rendezvoustest

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// Server is a running test server.
type Server struct {
	URL        string // ws://127.0.0.1:PORT, to give to rendezvousclient.Dial
	HTTPURL    string // http://127.0.0.1:PORT, for /healthz and friends
	Rendezvous *rendezvousserver.Server
}

// Start runs a rendezvous server with cfg on 127.0.0.1 until the test ends.
// It logs to logger, or to the test's output when logger is nil.
func Start(t testing.TB, logger *slog.Logger, cfg rendezvousserver.Config) *Server {
	t.Helper()
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	rz := rendezvousserver.New(logger, cfg)
	hs := httptest.NewServer(rz)
	t.Cleanup(func() {
		_ = rz.Close()
		hs.Close()
	})
	return &Server{
		URL:        "ws://" + strings.TrimPrefix(hs.URL, "http://"),
		HTTPURL:    hs.URL,
		Rendezvous: rz,
	}
}
