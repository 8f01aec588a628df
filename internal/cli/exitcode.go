package cli

import (
	"context"
	"errors"

	"github.com/ferry-dev/ferry/internal/errkind"
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

// codes maps the kinds of errors (internal/errkind) to exit codes; a kind
// not listed is ExitFailure.
var codes = map[string]int{
	"source_changed":    ExitIntegrity,
	"integrity":         ExitIntegrity,
	"declined":          ExitDeclined,
	"exists":            ExitDeclined,
	"wrong_code":        ExitAuth,
	"tampered":          ExitAuth,
	"bad_code":          ExitAuth,
	"no_such_code":      ExitAuth,
	"code_in_use":       ExitAuth,
	"unreachable":       ExitConnect,
	"relay_refused":     ExitConnect,
	"no_route":          ExitConnect,
	"peer_left":         ExitConnect,
	"peer_lost":         ExitConnect,
	errkind.Interrupted: ExitInterrupted,
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
	kind = errkind.Of(ctx, err)
	if code, ok := codes[kind]; ok {
		return kind, code
	}
	return kind, ExitFailure
}

// message is err as the user reads it (errkind.Message).
func message(kind string, err error) string { return errkind.Message(kind, err) }
