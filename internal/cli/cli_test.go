package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/peer"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/transfer"
)

func TestSendFlags(t *testing.T) {
	t.Setenv(envServer, "ws://from-env:1")
	t.Setenv(envCode, "")
	ios, _, _, _ := Test()
	var got *SendOptions
	cmd := NewCmdSend(ios, func(_ context.Context, o *SendOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--json", "--words", "3", "a.txt", "b.txt"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.Server != "ws://from-env:1" || got.Words != 3 || !got.JSON || strings.Join(got.Paths, ",") != "a.txt,b.txt" || got.Code != "" {
		t.Fatalf("options = %+v", got)
	}
	if !got.Compress {
		t.Fatal("compression must be on by default")
	}
	cmd = NewCmdSend(ios, func(_ context.Context, o *SendOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--compress=false", "a.txt"})
	if err := cmd.ExecuteContext(context.Background()); err != nil || got.Compress {
		t.Fatalf("--compress=false: %v, options = %+v", err, got)
	}

	t.Setenv(envCode, "42-alpha-bravo")
	cmd = NewCmdSend(ios, func(_ context.Context, o *SendOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--server", "wss://flag:2", "x"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.Server != "wss://flag:2" || got.Code != "42-alpha-bravo" {
		t.Fatalf("flag must win over FERRY_SERVER and FERRY_CODE must be read: %+v", got)
	}
}

func TestReceiveFlags(t *testing.T) {
	t.Setenv(envServer, "")
	t.Setenv(envCode, "7-apple-river")
	ios, _, _, _ := Test()
	var got *ReceiveOptions
	cmd := NewCmdReceive(ios, func(_ context.Context, o *ReceiveOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--server", "ws://s:1", "--yes", "--overwrite", "--out", "dl"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.Code != "7-apple-river" || !got.Yes || !got.Overwrite || got.Out != "dl" || got.Server != "ws://s:1" {
		t.Fatalf("options = %+v", got)
	}
}

func TestMainUsageExitCodes(t *testing.T) {
	t.Setenv(envServer, "")
	t.Setenv(envCode, "")
	for _, args := range [][]string{{"send"}, {"receive"}, {"receive", "--server", "ws://x:1"}, {"bogus"}, {"send", "--nope", "x"}, {"receive", "a", "b"}} {
		ios, _, _, errOut := Test()
		if code := Main(context.Background(), args, ios); code != ExitUsage {
			t.Errorf("ferry %v: exit %d, want %d (stderr %q)", args, code, ExitUsage, errOut)
		}
		if !strings.Contains(errOut.String(), "ferry: ") {
			t.Errorf("ferry %v: no error message: %q", args, errOut)
		}
	}
}

func TestClassify(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()
	for _, tc := range []struct {
		ctx  context.Context
		err  error
		kind string
		code int
	}{
		{bg, fmt.Errorf("x: %w", transfer.ErrIntegrity), "integrity", ExitIntegrity},
		{bg, transfer.ErrDeclined, "declined", ExitDeclined},
		{bg, transfer.ErrExists, "exists", ExitDeclined},
		{bg, rendezvous.ErrNoSuchSlot, "no_such_code", ExitAuth},
		{bg, rendezvous.ErrUnreachable, "unreachable", ExitConnect},
		{bg, peer.ErrNoRoute, "no_route", ExitConnect},
		{bg, transfer.ErrPeerClosed, "peer_lost", ExitConnect},
		{bg, usageError{errors.New("u")}, "usage", ExitUsage},
		{bg, errors.New("anything"), "other", ExitFailure},
		{canceled, transfer.ErrPeerClosed, "interrupted", ExitInterrupted},
		{bg, fmt.Errorf("op: %w", context.Canceled), "interrupted", ExitInterrupted},
	} {
		kind, code := classify(tc.ctx, reportedError{tc.err})
		if kind != tc.kind || code != tc.code {
			t.Errorf("classify(%v) = %s %d, want %s %d", tc.err, kind, code, tc.kind, tc.code)
		}
	}
}

func TestDisplayNameEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":        "report.pdf",
		"fotos/été.jpg":     "fotos/été.jpg",
		"evil\x1b[2Jname":   `"evil\x1b[2Jname"`,
		"bidi\u202eexe.txt": `"bidi\u202eexe.txt"`,
		"bell\a":            `"bell\a"`,
		"bad\xffutf8":       `"bad\xffutf8"`,
	} {
		if got := displayName(in); got != want {
			t.Errorf("displayName(%q) = %s, want %s", in, got, want)
		}
	}
}
