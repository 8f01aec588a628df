package rendezvousserver_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
	"github.com/ferry-dev/ferry/rendezvous/rendezvoustest"
)

// The session over the real rendezvous server on a loopback port: what the
// CLI will do.

type sessServerResult struct {
	s   *rendezvous.Session
	err error
}

func sessSecureBoth(ctx context.Context, sender, receiver *rendezvousclient.Conn, slot, pwSender, pwReceiver string) (a, b sessServerResult) {
	ca, cb := make(chan sessServerResult, 1), make(chan sessServerResult, 1)
	go func() {
		s, err := rendezvous.Secure(ctx, sender, slot, []byte(pwSender), rendezvous.SideSender)
		ca <- sessServerResult{s, err}
	}()
	go func() {
		s, err := rendezvous.Secure(ctx, receiver, slot, []byte(pwReceiver), rendezvous.SideReceiver)
		cb <- sessServerResult{s, err}
	}()
	return <-ca, <-cb
}

func TestSecureOverRendezvousServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := rendezvoustest.Start(t, slog.New(slog.NewTextHandler(io.Discard, nil)), rendezvousserver.Config{})

	t.Run("right code", func(t *testing.T) {
		sender, receiver, slot := rendezvoustest.Pair(ctx, t, srv.URL)
		a, b := sessSecureBoth(ctx, sender, receiver, slot, "apple-river", "apple-river")
		if a.err != nil || b.err != nil {
			t.Fatalf("sender: %v; receiver: %v", a.err, b.err)
		}
		if a.s.Verifier() != b.s.Verifier() {
			t.Errorf("verifiers differ: %q, %q", a.s.Verifier(), b.s.Verifier())
		}
		offer := make([]byte, rendezvous.MaxSealedMessage) // the largest message fits the server's limit
		copy(offer, "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n")
		if err := a.s.Send(ctx, offer); err != nil {
			t.Fatalf("Send offer: %v", err)
		}
		if got, err := b.s.Recv(ctx); err != nil || string(got) != string(offer) {
			t.Fatalf("Recv offer: %d bytes, %v", len(got), err)
		}
		if err := b.s.Send(ctx, []byte("answer")); err != nil {
			t.Fatalf("Send answer: %v", err)
		}
		if got, err := a.s.Recv(ctx); err != nil || string(got) != "answer" {
			t.Fatalf("Recv answer: %q, %v", got, err)
		}
	})

	t.Run("wrong code", func(t *testing.T) {
		sender, receiver, slot := rendezvoustest.Pair(ctx, t, srv.URL)
		a, b := sessSecureBoth(ctx, sender, receiver, slot, "apple-river", "apple-rivet")
		if !errors.Is(a.err, rendezvous.ErrWrongCode) || !errors.Is(b.err, rendezvous.ErrWrongCode) {
			t.Fatalf("sender: %v; receiver: %v; want ErrWrongCode on both", a.err, b.err)
		}
	})
}
