package servercmd_test

import (
	"context"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvoustest"
)

// pairUp pairs c, connected to the server at addr, with a receiver of its
// own: TURN credentials come only with "paired" (the rendezvous package doc), so
// a test of the relay pairs first.
func pairUp(ctx context.Context, t *testing.T, c *rendezvousclient.Conn, addr string) {
	t.Helper()
	rendezvoustest.PairWith(ctx, t, c, "ws://"+addr)
}
