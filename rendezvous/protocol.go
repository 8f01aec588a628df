package rendezvous

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The rendezvous protocol, version 1.
//
// Transport: one websocket per client at the path WSPath ("/v1/ws"). Every
// message is one JSON object in one websocket text message; binary messages
// are a protocol error. No message may exceed the server's max message size
// (welcome.max_message_size, 64 KiB by default).
//
// Versioning: a client speaking protocol vN connects to "/vN/ws". A server
// that speaks another version answers that path with HTTP 426 Upgrade
// Required, a VersionHeader naming the version it speaks, and a plain-text
// explanation. A server without that path at all (404) is too old or not a
// ferry server. The client turns either into ErrVersion.
//
// Messages, by direction, with the fields each one uses:
//
//	server -> client
//	  welcome   {version, ice_servers, max_message_size}  always first; ice_servers:
//	                              the static ones (STUN), no TURN credentials
//	  allocated {slot}            answer to allocate or claim: the sender waits there
//	  paired    {slot, ice_servers}  to both sides when a receiver joined the slot;
//	                              ice_servers: the full list, with TURN credentials
//	                              minted for this side's address (it replaces the
//	                              welcome's; a server that sends none keeps it)
//	  relay     {body}            a message from the other side, forwarded as is
//	  peer_left {}                the other side left; the slot is gone
//	  error     {code, message}   then the server closes the connection
//
//	client -> server
//	  allocate  {}                sender: give me a free slot (drawn at random, see slotnums.go)
//	  claim     {slot}            sender: this slot (a chosen code), or slot_taken
//	  join      {slot}            receiver: pair me with the sender there
//	  relay     {body}            after paired: forward to the other side
//
// A connection that has allocated, claimed or joined once cannot do so again.
// One guess per code: once a receiver joined a slot, nobody else can join it.
// When either side of a pair leaves, the other gets peer_left, the server
// closes it, and the slot number becomes free again. Relay bodies are opaque
// bytes (base64 in JSON): the server never reads or logs them.
//
// After sending error the server closes the websocket with a close reason
// equal to the error code, so a client that misses the error message can
// still tell what happened.

// Version is the rendezvous protocol version this package speaks.
const Version = 1

// WSPath is the websocket endpoint of this protocol version.
var WSPath = WSPathFor(Version)

// VersionHeader is the HTTP response header with which a server that speaks
// another protocol version says which one it speaks (on a 426 response).
const VersionHeader = "Ferry-Protocol-Version"

func WSPathFor(version int) string { return "/v" + strconv.Itoa(version) + "/ws" }

// Message types.
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

// Error codes carried by error messages and, after them, as the close reason.
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

// maxWireSlotLen bounds a slot on the wire: 1 to maxWireSlotLen ASCII digits.
const MaxSlotLen = 10

// message is the single envelope of every protocol message; Type says which
// of the other fields are meaningful (see the table above).
type Message struct {
	Type           string      `json:"type"`
	Version        int         `json:"version,omitempty"`
	ICEServers     []ICEServer `json:"ice_servers,omitempty"`
	MaxMessageSize int         `json:"max_message_size,omitempty"`
	Slot           string      `json:"slot,omitempty"`
	Body           []byte      `json:"body,omitempty"`
	Code           string      `json:"code,omitempty"`
	Message        string      `json:"message,omitempty"`
}

// protoError is a violation of the protocol found while decoding or
// dispatching a message; code is one of the error codes above.
type ProtocolError struct {
	Code    string
	Message string
}

func (e *ProtocolError) Error() string { return e.Message }

func BadMessage(format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: CodeBadMessage, Message: fmt.Sprintf(format, args...)}
}

// validWireSlot reports whether s is a slot as the protocol carries it.
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

// decodeMessage parses one protocol message and checks the fields its type
// needs. It does not know who sent it: callers reject types that do not
// travel in their direction. Every error is a *protoError.
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

// encodeMessage is the inverse of decodeMessage.
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

// parseWSPath reads N from "/vN/ws".
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
