package rendezvousserver

import (
	"maps"
	"slices"

	"github.com/ferry-dev/ferry/rendezvous"
)

// Metrics counts what a server does (Config.Metrics). The server calls it as
// things happen, never by scanning its state, from many goroutines and
// sometimes while it holds its own lock: a method must be quick and must not
// call the server. A nil Config.Metrics counts nothing, so that a program
// embedding the server (ferry send) links no metrics library;
// ferry-rendezvous counts in Prometheus (internal/rendezvousmetrics).
type Metrics interface {
	// ConnOpened: a websocket connection was accepted. ConnClosed: it ended.
	ConnOpened()
	ConnClosed()
	// SlotWaiting: a sender waits under a new slot. SlotPaired: a receiver
	// joined a waiting slot. SlotFreed: a slot, waiting or paired, is free.
	SlotWaiting()
	SlotPaired()
	SlotFreed(paired bool)
	// PairingSucceeded: the receiver knew the code's words (the sender went
	// on after the PAKE's key confirmation: slots.go, successMessages).
	PairingSucceeded()
	// PairingFailed: a code did not lead to a successful pairing; reason is
	// one of PairingFailReasons.
	PairingFailed(reason string)
	// Relayed: a relay message passed from one side of a pair to the other;
	// bytes is the size of its (sealed) body.
	Relayed(bytes int)
	// LimitHit: a client was stopped by the limit named limit, one of
	// LimitNames.
	LimitHit(limit string)
	// VersionMismatch: a client of another protocol version was turned away;
	// client is ClientOlder or ClientNewer.
	VersionMismatch(client string)
	// Listener returns the counters of a listener from LimitListener, named
	// name ("public", "metrics"); an error refuses the listener.
	Listener(name string) (ListenerMetrics, error)
}

// ListenerMetrics counts the TCP connections of one listener (LimitListener).
type ListenerMetrics interface {
	// ConnOpened: a connection was admitted. ConnClosed: it was closed.
	ConnOpened()
	ConnClosed()
	// ConnRefused: a connection was closed at once, over a limit: reason is
	// RefusedPerIP or RefusedTotal.
	ConnRefused(reason string)
}

// The values of VersionMismatch's client.
const (
	ClientOlder = "older"
	ClientNewer = "newer"
)

// PairingFailReasons are the reasons Metrics.PairingFailed is called with.
func PairingFailReasons() []string { return slices.Clone(pairingFailReasons) }

// LimitNames are the limits Metrics.LimitHit is called with, sorted.
func LimitNames() []string { return slices.Sorted(maps.Values(limitNames)) }

// pairingFailReasons are the reasons of Metrics.PairingFailed. A pair that
// succeeded and then hit handshake-timeout or max-messages-per-slot was also
// counted by PairingSucceeded; the other reasons are codes that never
// succeeded.
var pairingFailReasons = []string{
	failNoSuchSlot, failSlotUsed, failAbandoned, failLeftBeforePAKE, failWrongCode,
	limitNames[rendezvous.CodeLimitFailedJoins], limitNames[rendezvous.CodeLimitSlotLifetime],
	limitNames[rendezvous.CodeLimitHandshake], limitNames[rendezvous.CodeLimitMessages], limitNames[rendezvous.CodeLimitBytes], failShuttingDown,
}

const (
	failNoSuchSlot     = "no_such_slot"     // a receiver's code matched no waiting sender
	failSlotUsed       = "slot_used"        // a receiver came to a code someone else already used
	failAbandoned      = "abandoned"        // the sender left before a receiver came
	failLeftBeforePAKE = "left_before_pake" // paired, and one side left before the receiver sent its key share (a joiner that leaves at once, or sends garbage)
	failWrongCode      = "wrong_code"       // paired, the PAKE ran (the receiver sent its share) and the sender never went on: a wrong code, or a guess
	failShuttingDown   = "shutting_down"    // the server stopped first
)

// limitNames name the limits of Metrics.LimitHit: their flags, dashes as
// underscores.
var limitNames = map[string]string{
	rendezvous.CodeTooLarge:          "max_message_size",
	rendezvous.CodeLimitMessages:     "max_messages_per_slot",
	rendezvous.CodeLimitSlotLifetime: "slot_lifetime",
	rendezvous.CodeLimitHandshake:    "handshake_timeout",
	rendezvous.CodeLimitSlots:        "max_slots",
	rendezvous.CodeLimitSlotsPerIP:   "slots_per_ip",
	rendezvous.CodeLimitJoinsPerIP:   "joins_per_ip",
	rendezvous.CodeLimitIdle:         "idle_timeout",
	rendezvous.CodeLimitFailedJoins:  "failed_joins_per_ip",
	rendezvous.CodeLimitWaitingPerIP: "waiting_per_ip",
	rendezvous.CodeLimitConnsPerIP:   "conns_per_ip",
	rendezvous.CodeLimitBytes:        "max_bytes_per_slot",
}

// hitLimit counts a client stopped by the limit with error code code and
// returns the error that tells it so.
func (s *Server) hitLimit(code string) *rendezvous.ProtocolError {
	if name, ok := limitNames[code]; ok {
		s.metrics.LimitHit(name)
	}
	return s.cfg.limitError(code)
}

// nopMetrics counts nothing: the default.
type nopMetrics struct{}

func (nopMetrics) ConnOpened()                              {}
func (nopMetrics) ConnClosed()                              {}
func (nopMetrics) SlotWaiting()                             {}
func (nopMetrics) SlotPaired()                              {}
func (nopMetrics) SlotFreed(bool)                           {}
func (nopMetrics) PairingSucceeded()                        {}
func (nopMetrics) PairingFailed(string)                     {}
func (nopMetrics) Relayed(int)                              {}
func (nopMetrics) LimitHit(string)                          {}
func (nopMetrics) VersionMismatch(string)                   {}
func (nopMetrics) Listener(string) (ListenerMetrics, error) { return nopListenerMetrics{}, nil }
func (nopListenerMetrics) ConnOpened()                      {}
func (nopListenerMetrics) ConnClosed()                      {}
func (nopListenerMetrics) ConnRefused(string)               {}

type nopListenerMetrics struct{}
