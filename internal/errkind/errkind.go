// Package errkind names the class of an error from ferry's packages (the
// `kind` of a JSON error event) and words it for the user, in one place for
// the command (internal/cli, which maps each kind to an exit code) and the
// browser client (web/wasm), so that both say the same thing.
package errkind

import (
	"context"
	"errors"
	"strings"

	"github.com/ferry-dev/ferry/peer"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/transfer"
)

// Interrupted is the kind of a run stopped by its user (Ctrl-C, the page's
// Cancel); Other the kind of an error of no class below.
const (
	Interrupted = "interrupted"
	Other       = "other"
)

// classes maps error classes to kinds, first match wins.
var classes = []struct {
	target error
	kind   string
}{
	{transfer.ErrSourceChanged, "source_changed"},
	{transfer.ErrIntegrity, "integrity"},
	{transfer.ErrDeclined, "declined"},
	{transfer.ErrExists, "exists"},
	{transfer.ErrNoSpace, "no_space"},
	{rendezvous.ErrWrongCode, "wrong_code"},
	{rendezvous.ErrTampered, "tampered"},
	{rendezvous.ErrBadCode, "bad_code"},
	{rendezvous.ErrNoSuchSlot, "no_such_code"},
	{rendezvous.ErrSlotTaken, "code_in_use"},
	{rendezvous.ErrUnreachable, "unreachable"},
	{peer.ErrRelayRefused, "relay_refused"},
	{peer.ErrNoRoute, "no_route"},
	{rendezvous.ErrPeerGone, "peer_left"},
	{transfer.ErrPeerClosed, "peer_lost"},
	{transfer.ErrUnsafeName, "unsafe_name"},
	{transfer.ErrProtocol, "protocol"},
	{transfer.ErrVersion, "version"},
	{rendezvous.ErrVersion, "version"},
	{rendezvous.ErrPeerVersion, "version"},
	{rendezvous.ErrLimit, "server_limit"},
}

// Of returns the kind of err ("" for nil). ctx is the run's context: once
// it is done, the run was interrupted, whatever the interrupted operation
// reported.
func Of(ctx context.Context, err error) string {
	if err == nil {
		return ""
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return Interrupted
	}
	for _, c := range classes {
		if errors.Is(err, c.target) {
			return c.kind
		}
	}
	return Other
}

// Message is err as the user reads it. An interrupted run says
// "interrupted" where the operations it stopped say "context canceled".
func Message(kind string, err error) string {
	msg := err.Error()
	if kind != Interrupted {
		return msg
	}
	msg = strings.ReplaceAll(msg, context.Canceled.Error(), "interrupted")
	if !strings.Contains(msg, "interrupted") {
		msg = "interrupted: " + msg
	}
	return msg
}
