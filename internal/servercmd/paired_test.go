package servercmd_test

import (
	"context"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// pairUp pairs c, connected to the server at addr, with a receiver of its
// own: TURN credentials come only with "paired" (the rendezvous package doc), so
// a test of the relay pairs first.
func pairUp(ctx context.Context, t *testing.T, c *rendezvousclient.Conn, addr string) {
	t.Helper()
	slot, err := c.Allocate(ctx)
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	r, err := rendezvousclient.Dial(ctx, "ws://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	if err := r.Join(ctx, slot); err != nil {
		t.Fatalf("Join: %v", err)
	}
	if err := c.WaitPeer(ctx); err != nil {
		t.Fatalf("WaitPeer: %v", err)
	}
}
