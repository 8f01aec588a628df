package rendezvous

import (
	"errors"
	"strings"
)

// ErrSlotUsed: a receiver tried a code whose slot already paired with someone
// else. It also matches ErrSlotTaken.
var ErrSlotUsed = errors.New("someone else already used that code")

// ServerError is an error the rendezvous server reported (an error message, a
// close reason or peer_left). It matches, with errors.Is, the sentinel for
// its Code: ErrSlotTaken, ErrNoSuchSlot, ErrSlotUsed, ErrPeerGone, ErrLimit,
// or ErrUnreachable when the server shuts down (for a restart: its Message
// then says to run the same command again). After a ServerError the
// connection is closed: Dial again to retry.
type ServerError struct {
	Code    string // the protocol's error code, e.g. "slot_taken" or "limit_slots_per_ip"
	Message string // the server's explanation, control characters removed
}

func (e *ServerError) Error() string { return "rendezvous server: " + e.Message }

// Unwrap returns the sentinels e matches.
func (e *ServerError) Unwrap() []error {
	switch {
	case e.Code == codeSlotTaken:
		return []error{ErrSlotTaken}
	case e.Code == codeSlotUsed:
		return []error{ErrSlotUsed, ErrSlotTaken}
	case e.Code == codeNoSuchSlot:
		return []error{ErrNoSuchSlot}
	case e.Code == typePeerLeft:
		return []error{ErrPeerGone}
	case e.Code == codeTooLarge || strings.HasPrefix(e.Code, "limit_"):
		return []error{ErrLimit}
	case e.Code == codeShuttingDown:
		return []error{ErrUnreachable}
	}
	return nil
}

// fallbackMessages explain the codes for a client that only saw a close
// reason (or an error message without text).
var fallbackMessages = map[string]string{
	codeBadMessage:        "the server did not understand a message from this ferry: upgrade ferry (or the server)",
	codeTooLarge:          "a message was larger than the server accepts (server flag --max-message-size)",
	codeUnknownType:       "the server did not understand a message from this ferry: upgrade ferry (or the server)",
	codeUnexpected:        "the server did not expect a message from this ferry at that moment",
	codeSlotTaken:         "code already in use: pick another code or let ferry choose one",
	codeNoSuchSlot:        "no sender is waiting under that code: check the code, and that the sender is still running",
	codeSlotUsed:          "someone else already used this code: ask the sender to send again for a new code",
	codeShuttingDown:      restartingMessage,
	typePeerLeft:          "the other side left",
	codeLimitMessages:     "too many messages for one code (server flag --max-messages-per-slot); start again with a new code",
	codeLimitSlotLifetime: "nobody used the code in time (server flag --slot-lifetime); send again for a new code",
	codeLimitHandshake:    "the two sides did not finish connecting in time (server flag --handshake-timeout); try again",
	codeLimitSlots:        "the rendezvous server is full (server flag --max-slots); try again later",
	codeLimitSlotsPerIP:   "too many new codes from your address (server flag --slots-per-ip); wait a minute and try again",
	codeLimitJoinsPerIP:   "too many attempts to use a code from your address (server flag --joins-per-ip); wait a minute and try again",
	codeLimitIdle:         "connected too long without asking for or using a code (server flag --idle-timeout)",
	codeLimitBytes:        "too much signaling for one code (server flag --max-bytes-per-slot); start again with a new code",
	codeLimitWaitingPerIP: "too many codes waiting from your address (server flag --waiting-per-ip); use a code you have, or let one expire",
	codeLimitConnsPerIP:   "too many connections from your address (server flag --conns-per-ip); close some and try again",
	codeLimitFailedJoins:  "too many codes used from your address without finishing the pairing (server flag --failed-joins-per-ip); wait a minute and try again",
}

// newServerError builds the error for a code the server sent, with its
// message cleaned of anything that could drive a terminal.
func newServerError(code, msg string) *ServerError {
	code = printable(truncate(code, 64))
	msg = printable(truncate(msg, 512))
	if code == codeShuttingDown { // the same advice whichever server version said it
		msg = restartingMessage
	}
	if msg == "" {
		msg = fallbackMessages[code]
	}
	if msg == "" {
		msg = "the rendezvous server reported an error: " + code
	}
	return &ServerError{Code: code, Message: msg}
}

// printable drops control characters (escape sequences included).
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

// clientError is an error this package makes: its own message, matching a
// sentinel and, when there is one, the cause.
type clientError struct {
	msg   string
	is    error
	cause error
}

func (e *clientError) Error() string { return e.msg }

func (e *clientError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.is}
	}
	return []error{e.is, e.cause}
}
