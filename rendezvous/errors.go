package rendezvous

import (
	"errors"
	"strings"
)

// Client-side sentinel errors, found with errors.Is.
var (
	ErrVersion     = errors.New("the rendezvous server speaks another protocol version")
	ErrSlotTaken   = errors.New("that code is already in use")
	ErrNoSuchSlot  = errors.New("no sender is waiting under that code")
	ErrPeerGone    = errors.New("the other side left")
	ErrLimit       = errors.New("a rendezvous server limit was reached")
	ErrUnreachable = errors.New("could not reach the rendezvous server")
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
	case e.Code == CodeSlotTaken:
		return []error{ErrSlotTaken}
	case e.Code == CodeSlotUsed:
		return []error{ErrSlotUsed, ErrSlotTaken}
	case e.Code == CodeNoSuchSlot:
		return []error{ErrNoSuchSlot}
	case e.Code == TypePeerLeft:
		return []error{ErrPeerGone}
	case e.Code == CodeTooLarge || strings.HasPrefix(e.Code, "limit_"):
		return []error{ErrLimit}
	case e.Code == CodeShuttingDown:
		return []error{ErrUnreachable}
	}
	return nil
}

// fallbackMessages explain the codes for a client that only saw a close
// reason (or an error message without text).
var fallbackMessages = map[string]string{
	CodeBadMessage:        "the server did not understand a message from this ferry: upgrade ferry (or the server)",
	CodeTooLarge:          "a message was larger than the server accepts (server flag --max-message-size)",
	CodeUnknownType:       "the server did not understand a message from this ferry: upgrade ferry (or the server)",
	CodeUnexpected:        "the server did not expect a message from this ferry at that moment",
	CodeSlotTaken:         "code already in use: pick another code or let ferry choose one",
	CodeNoSuchSlot:        "no sender is waiting under that code: check the code, and that the sender is still running",
	CodeSlotUsed:          "someone else already used this code: ask the sender to send again for a new code",
	CodeShuttingDown:      RestartingMessage,
	TypePeerLeft:          "the other side left",
	CodeLimitMessages:     "too many messages for one code (server flag --max-messages-per-slot); start again with a new code",
	CodeLimitSlotLifetime: "nobody used the code in time (server flag --slot-lifetime); send again for a new code",
	CodeLimitHandshake:    "the two sides did not finish connecting in time (server flag --handshake-timeout); try again",
	CodeLimitSlots:        "the rendezvous server is full (server flag --max-slots); try again later",
	CodeLimitSlotsPerIP:   "too many new codes from your address (server flag --slots-per-ip); wait a minute and try again",
	CodeLimitJoinsPerIP:   "too many attempts to use a code from your address (server flag --joins-per-ip); wait a minute and try again",
	CodeLimitIdle:         "connected too long without asking for or using a code (server flag --idle-timeout)",
	CodeLimitBytes:        "too much signaling for one code (server flag --max-bytes-per-slot); start again with a new code",
	CodeLimitWaitingPerIP: "too many codes waiting from your address (server flag --waiting-per-ip); use a code you have, or let one expire",
	CodeLimitConnsPerIP:   "too many connections from your address (server flag --conns-per-ip); close some and try again",
	CodeLimitFailedJoins:  "too many codes used from your address without finishing the pairing (server flag --failed-joins-per-ip); wait a minute and try again",
}

// NewServerError builds the error for a code the server sent, with its
// message cleaned of anything that could drive a terminal.
func NewServerError(code, msg string) *ServerError {
	code = Printable(truncate(code, 64))
	msg = Printable(truncate(msg, 512))
	if code == CodeShuttingDown { // the same advice whichever server version said it
		msg = RestartingMessage
	}
	if msg == "" {
		msg = fallbackMessages[code]
	}
	if msg == "" {
		msg = "the rendezvous server reported an error: " + code
	}
	return &ServerError{Code: code, Message: msg}
}

// Printable drops control characters (escape sequences included).
func Printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

// RestartingMessage is what a client hears when the server stops (on the
// wire, and from the client whatever the server said).
const RestartingMessage = "the server is restarting; run the same command again"
