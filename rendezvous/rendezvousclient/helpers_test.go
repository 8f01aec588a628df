package rendezvousclient_test

import (
	"context"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
	"github.com/ferry-dev/ferry/rendezvous/rendezvoustest"
)

func testCtx(t *testing.T) context.Context { return rendezvoustest.Context(t) }

// start runs a real server with cfg, logging to the test's output.
func start(t *testing.T, cfg rendezvousserver.Config) *rendezvoustest.Server {
	return rendezvoustest.Start(t, nil, cfg)
}

// wantErr checks that err matches target and that its text has every want.
func wantErr(t *testing.T, err, target error, want ...string) {
	t.Helper()
	rendezvoustest.WantErr(t, err, target, want...)
}
