package rendezvousserver_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

const restarting = "the server is restarting; run the same command again"

// TestShutdownDrainsPairs: on Shutdown, a waiting sender and a client without
// a code hear at once that the server is restarting; a pair that already met
// keeps relaying until it ends as usual; new clients are turned away.
func TestShutdownDrainsPairs(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	ctx := testCtx(t)
	sender, receiver, _ := pair(t, srv.URL)
	waiting := dial(t, srv.URL)
	if _, err := waiting.Allocate(ctx); err != nil {
		t.Fatal(err)
	}
	idle := dial(t, srv.URL)

	shut := make(chan error, 1)
	go func() { shut <- srv.Rendezvous.Shutdown(ctx) }()

	wantErr(t, waiting.WaitPeer(ctx), rendezvous.ErrUnreachable, restarting)
	_, err := idle.Allocate(ctx)
	wantErr(t, err, rendezvous.ErrUnreachable, restarting)
	_, err = rendezvousclient.Dial(ctx, srv.URL)
	wantErr(t, err, rendezvous.ErrUnreachable, restarting)

	// The pair finishes its handshake during the drain: three flights and
	// the sender's first sealed message make it a successful pairing.
	for range 4 {
		exchange(t, sender, receiver)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while a pair was still in its handshake", err)
	default:
	}
	if err := sender.Close(); err != nil {
		t.Fatal(err)
	}
	wantErr(t, recvErr(t, receiver), rendezvous.ErrPeerGone)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown = %v, want nil once the pair ended", err)
	}
	m := scrape(t, srv.HTTPURL)
	m.want(t, `ferry_rendezvous_pairings_failed_total{reason="shutting_down"}`, 1)
	m.want(t, `ferry_rendezvous_pairings_total`, 1)
	m.want(t, `ferry_rendezvous_connections_open`, 0)
}

// TestShutdownDeadlineCutsPairs: pairs still running when Shutdown's context
// ends are told the same, and Shutdown says it cut them.
func TestShutdownDeadlineCutsPairs(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	sender, receiver, _ := pair(t, srv.URL)
	ctx, cancel := context.WithCancel(testCtx(t))
	shut := make(chan error, 1)
	go func() { shut <- srv.Rendezvous.Shutdown(ctx) }()
	exchange(t, sender, receiver) // still relaying: the drain has begun
	cancel()
	for _, c := range []*rendezvousclient.Conn{sender, receiver} {
		wantErr(t, recvErr(t, c), rendezvous.ErrUnreachable, restarting)
	}
	if err := <-shut; !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v, want context.Canceled", err)
	}
	scrape(t, srv.HTTPURL).want(t, `ferry_rendezvous_pairings_failed_total{reason="shutting_down"}`, 1)
}
