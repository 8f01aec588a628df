package rendezvous

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Version is the rendezvous protocol version this package speaks.
const Version = 1

// WSPath is the websocket endpoint of this protocol version.
var WSPath = WSPathFor(Version)

// VersionHeader is the HTTP response header with which a server that speaks
// another protocol version says which one it speaks (on a 426 response).
const VersionHeader = "Ferry-Protocol-Version"

// WSPathFor is the websocket endpoint of protocol version (WSPath for Version).
func WSPathFor(version int) string { return "/v" + strconv.Itoa(version) + "/ws" }

// Message types (Message.Type); see the package doc for who sends which.
const (
	TypeWelcome   = "welcome"
	TypeAllocate  = "allocate"
	TypeClaim     = "claim"
	TypeJoin      = "join"
	TypeAllocated = "allocated"
	TypePaired    = "paired"
	TypeRelay     = "relay"
	TypePeerLeft  = "peer_left"
	TypeError     = "error"
)

// Error codes carried by error messages (Message.Code) and, after them, as
// the websocket close reason.
const (
	CodeBadMessage   = "bad_message"  // not JSON, not text, a missing or malformed field
	CodeTooLarge     = "too_large"    // over the max message size (a limit: wraps ErrLimit)
	CodeUnknownType  = "unknown_type" // a type a client does not send
	CodeUnexpected   = "unexpected"   // a known type at the wrong time (relay before paired, join twice)
	CodeSlotTaken    = "slot_taken"   // claim: a sender already waits there
	CodeNoSuchSlot   = "no_such_slot" // join: nobody waits there
	CodeSlotUsed     = "slot_used"    // join: the slot is already paired
	CodeShuttingDown = "shutting_down"

	// Limits; each message names the server flag that sets it.
	CodeLimitMessages     = "limit_messages_per_slot"
	CodeLimitSlotLifetime = "limit_slot_lifetime"
	CodeLimitHandshake    = "limit_handshake_timeout"
	CodeLimitSlots        = "limit_slots"
	CodeLimitSlotsPerIP   = "limit_slots_per_ip"
	CodeLimitJoinsPerIP   = "limit_joins_per_ip"
	CodeLimitIdle         = "limit_idle_timeout"
	CodeLimitFailedJoins  = "limit_failed_joins_per_ip"
	CodeLimitWaitingPerIP = "limit_waiting_per_ip"
	CodeLimitConnsPerIP   = "limit_conns_per_ip"
	CodeLimitBytes        = "limit_bytes_per_slot"
)

// MaxSlotLen bounds a slot on the wire: 1 to MaxSlotLen ASCII digits.
const MaxSlotLen = 10

// Message is the single envelope of every protocol message; Type says which
// of the other fields are meaningful (see the package doc).
type Message struct {
	Type           string      `json:"type"`
	Version        int         `json:"version,omitempty"`
	ICEServers     []ICEServer `json:"ice_servers,omitempty"`
	MaxMessageSize int         `json:"max_message_size,omitempty"`
	// WebApp (welcome) says that the server serves the browser app at its
	// root, so that a sender can pass on the page's address.
	WebApp  bool   `json:"web_app,omitempty"`
	Slot    string `json:"slot,omitempty"`
	Body    []byte `json:"body,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// ICEServer is a STUN or TURN server offered by the rendezvous server.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ProtocolError is a violation of the protocol found while decoding or
// dispatching a message: what the server sends in an error message.
type ProtocolError struct {
	Code    string // one of the Code constants
	Message string // the explanation the client shows
}

func (e *ProtocolError) Error() string { return e.Message }

// BadMessage is a ProtocolError with CodeBadMessage.
func BadMessage(format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: CodeBadMessage, Message: fmt.Sprintf(format, args...)}
}

// ValidSlot reports whether s is a slot as the protocol carries it.
func ValidSlot(s string) bool {
	if len(s) == 0 || len(s) > MaxSlotLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// DecodeMessage parses one protocol message and checks the fields its type
// needs. It does not know who sent it: callers reject types that do not
// travel in their direction. Every error is a *ProtocolError.
func DecodeMessage(data []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		return Message{}, BadMessage("message is not a JSON object of the ferry rendezvous protocol: %v", err)
	}
	switch m.Type {
	case "":
		return Message{}, BadMessage(`message has no "type"`)
	case TypeClaim, TypeJoin, TypeAllocated, TypePaired:
		if !ValidSlot(m.Slot) {
			return Message{}, BadMessage("%s: slot must be 1 to %d digits, got %s", m.Type, MaxSlotLen, strconv.Quote(truncate(m.Slot, 20)))
		}
	case TypeWelcome:
		if m.Version <= 0 {
			return Message{}, BadMessage(`welcome has no protocol "version"`)
		}
	case TypeError:
		if m.Code == "" {
			return Message{}, BadMessage(`error has no "code"`)
		}
	case TypeAllocate, TypeRelay, TypePeerLeft:
	default:
		return Message{}, &ProtocolError{Code: CodeUnknownType, Message: fmt.Sprintf("unknown message type %s", strconv.Quote(truncate(m.Type, 40)))}
	}
	return m, nil
}

// EncodeMessage is the inverse of DecodeMessage.
func EncodeMessage(m Message) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		// Only strings, ints, byte slices and ICE server lists: cannot fail.
		panic("rendezvous: encode message: " + err.Error())
	}
	return b
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// ParseWSPath reads N from "/vN/ws", the inverse of WSPathFor.
func ParseWSPath(p string) (int, bool) {
	rest, ok := strings.CutPrefix(p, "/v")
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(rest, "/ws")
	if !ok || len(digits) == 0 || len(digits) > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || strconv.Itoa(n) != digits {
		return 0, false
	}
	return n, true
}
