package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/peer"
)

func TestICEFlags(t *testing.T) {
	t.Setenv(envICEServers, "stun:203.0.113.1:3478, turn:env:pw@203.0.113.1")
	t.Setenv(envCode, "")
	ios, _, _, _ := Test()
	var got *ReceiveOptions
	cmd := NewCmdReceive(ios, func(_ context.Context, o *ReceiveOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--server", "ws://s:1", "--force-relay", "7-apple-river"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := got.ICE.network()
	if !cfg.ForceRelay || len(cfg.ICEServers) != 2 {
		t.Fatalf("config %+v: want --force-relay and FERRY_ICE_SERVERS' two servers", cfg)
	}
	if s := cfg.ICEServers[1]; s.URLs[0] != "turn:203.0.113.1" || s.Username != "env" || s.Credential != "pw" {
		t.Errorf("last server %+v: want turn:203.0.113.1 as env / pw", s)
	}

	// A flag wins over the variable.
	var sent *SendOptions
	scmd := NewCmdSend(ios, func(_ context.Context, o *SendOptions) error { sent = o; return nil })
	scmd.SetArgs([]string{"--ice-server", "stun:198.51.100.1", "x"})
	if err := scmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cfg := sent.ICE.network(); len(cfg.ICEServers) != 1 || cfg.ICEServers[0].URLs[0] != "stun:198.51.100.1" || cfg.ForceRelay {
		t.Errorf("config %+v: want only the --ice-server, no --force-relay", cfg)
	}
}

func TestBadICEServerIsUsageError(t *testing.T) {
	t.Setenv(envICEServers, "")
	for _, args := range [][]string{
		{"send", "--ice-server", "turn:203.0.113.1:3478", "x"},
		{"receive", "--server", "ws://s:1", "--ice-server", "203.0.113.1:3478", "7-apple-river"},
	} {
		ios, _, _, errOut := Test()
		if code := Main(context.Background(), args, ios); code != ExitUsage || !strings.Contains(errOut.String(), "--ice-server") {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming --ice-server", args, code, errOut)
		}
	}
}

func TestRelayRefusedIsExit6(t *testing.T) {
	err := fmt.Errorf("connect to peer: %w: %w: the relay answered 401", peer.ErrNoRoute, peer.ErrRelayRefused)
	if kind, code := classify(context.Background(), err); kind != "relay_refused" || code != ExitConnect {
		t.Errorf("classify = %s, %d; want relay_refused, 6", kind, code)
	}
	if !errors.Is(err, peer.ErrNoRoute) {
		t.Error("not ErrNoRoute")
	}
}
