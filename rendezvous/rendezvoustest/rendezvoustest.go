// Package rendezvoustest runs a real rendezvous server on a random loopback
// port for tests of packages that need one.
package rendezvoustest

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
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

// Pair dials a sender and a receiver at url (a ws:// URL) and pairs them
// under a fresh slot; both are closed when the test ends.
func Pair(ctx context.Context, t testing.TB, url string) (sender, receiver *rendezvousclient.Conn, slot string) {
	t.Helper()
	sender = Dial(ctx, t, url)
	receiver, slot = PairWith(ctx, t, sender, url)
	return sender, receiver, slot
}

// PairWith gives sender, connected and without a code yet, a fresh slot and
// a receiver dialed at url; the receiver is closed when the test ends.
func PairWith(ctx context.Context, t testing.TB, sender *rendezvousclient.Conn, url string) (receiver *rendezvousclient.Conn, slot string) {
	t.Helper()
	slot, err := sender.Allocate(ctx)
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	receiver = Dial(ctx, t, url)
	if err := receiver.Join(ctx, slot); err != nil {
		t.Fatalf("Join(%s): %v", slot, err)
	}
	if err := sender.WaitPeer(ctx); err != nil {
		t.Fatalf("WaitPeer: %v", err)
	}
	return receiver, slot
}

// Dial connects to url, closed when the test ends.
func Dial(ctx context.Context, t testing.TB, url string) *rendezvousclient.Conn {
	t.Helper()
	c, err := rendezvousclient.Dial(ctx, url)
	if err != nil {
		t.Fatalf("Dial(%s): %v", url, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Timeout bounds a test's calls to the server: generous, since other tests
// load the machine at the same time.
const Timeout = 30 * time.Second

// Context is the test's context with Timeout.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), Timeout)
	t.Cleanup(cancel)
	return ctx
}

// WantErr checks that err matches target and that its text has every want.
func WantErr(t testing.TB, err, target error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", target)
	}
	if !errors.Is(err, target) {
		t.Fatalf("error %q does not match %q", err, target)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}
