package cli

import (
	"context"
	"errors"
	"strings"

	"github.com/ferry-dev/ferry/peer"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/transfer"
)

// Exit codes, documented in README.md. This is the one place that decides them.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitAuth        = 3 // wrong code or failed authentication
	ExitIntegrity   = 4
	ExitDeclined    = 5 // declined, or would overwrite
	ExitConnect     = 6 // could not connect
	ExitInterrupted = 130
)

// reportedError is an error that was already shown to the user.
type reportedError struct{ err error }

func (e reportedError) Error() string { return e.err.Error() }
func (e reportedError) Unwrap() error { return e.err }

// usageError marks errors in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// classes maps error classes to the `kind` of the JSON error event and the exit
// code, first match wins.
var classes = []struct {
	target error
	kind   string
	code   int
}{
	{transfer.ErrSourceChanged, "source_changed", ExitIntegrity},
	{transfer.ErrIntegrity, "integrity", ExitIntegrity},
	{transfer.ErrDeclined, "declined", ExitDeclined},
	{transfer.ErrExists, "exists", ExitDeclined},
	{transfer.ErrNoSpace, "no_space", ExitFailure},
	{rendezvous.ErrWrongCode, "wrong_code", ExitAuth},
	{rendezvous.ErrTampered, "tampered", ExitAuth},
	{rendezvous.ErrBadCode, "bad_code", ExitAuth},
	{rendezvous.ErrNoSuchSlot, "no_such_code", ExitAuth},
	{rendezvous.ErrSlotTaken, "code_in_use", ExitAuth},
	{rendezvous.ErrUnreachable, "unreachable", ExitConnect},
	{peer.ErrRelayRefused, "relay_refused", ExitConnect},
	{peer.ErrNoRoute, "no_route", ExitConnect},
	{rendezvous.ErrPeerGone, "peer_left", ExitConnect},
	{transfer.ErrPeerClosed, "peer_lost", ExitConnect},
	{transfer.ErrUnsafeName, "unsafe_name", ExitFailure},
	{transfer.ErrProtocol, "protocol", ExitFailure},
	{transfer.ErrVersion, "version", ExitFailure},
	{rendezvous.ErrVersion, "version", ExitFailure},
	{rendezvous.ErrPeerVersion, "version", ExitFailure},
	{rendezvous.ErrLimit, "server_limit", ExitFailure},
}

// classify returns the JSON error kind and the exit code for err. ctx is the
// command's context: once it is done (Ctrl-C), the run was interrupted, whatever
// the interrupted operation reported.
func classify(ctx context.Context, err error) (kind string, code int) {
	if err == nil {
		return "", ExitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		return "usage", ExitUsage
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return "interrupted", ExitInterrupted
	}
	for _, c := range classes {
		if errors.Is(err, c.target) {
			return c.kind, c.code
		}
	}
	return "other", ExitFailure
}

// message is err as the user reads it. An interrupted run (Ctrl-C) says
// "interrupted" where the operations it stopped say "context canceled".
func message(kind string, err error) string {
	msg := err.Error()
	if kind != "interrupted" {
		return msg
	}
	msg = strings.ReplaceAll(msg, context.Canceled.Error(), "interrupted")
	if !strings.Contains(msg, "interrupted") {
		msg = "interrupted: " + msg
	}
	return msg
}
