package rendezvousserver

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
)

// Config sets up a Server. A zero field takes its default (DefaultConfig), so
// Config{} is a working server. Each limit is also a flag of ferry-rendezvous
// with the name given in its comment, and the error a client gets when it hits
// the limit names that flag.
type Config struct {
	// ICEServers are offered to every client in the welcome message.
	ICEServers []rendezvous.ICEServer
	// TURN servers are offered after ICEServers, with credentials minted
	// for each client (turn.go, package turncreds).
	TURN TURN

	// WebApp says in the welcome that the browser app is served at the
	// server's root (the caller mounts it in front of the server's handler,
	// web.With), so that senders print its address.
	WebApp bool

	// MinSlotSpace is the fewest numbers a new code's slot is drawn from
	// (slotnums.go); 0 is 100 (1–99). A server in ferry send's process uses
	// more: two of them on one LAN must rarely draw the same number, since a
	// receiver that looks for its sender there asks each in turn.
	MinSlotSpace int

	// MaxMessageSize bounds one websocket message, in bytes (--max-message-size).
	MaxMessageSize int
	// MaxMessagesPerSlot bounds the relay messages a pair may exchange, both
	// directions together (--max-messages-per-slot).
	MaxMessagesPerSlot int
	// MaxBytesPerSlot bounds the bytes of relay message bodies a pair may
	// exchange, both directions together (--max-bytes-per-slot): signaling
	// needs kilobytes (a real ferry --parallel 8 relayed 22 KB in 92
	// messages), so the server is no bulk relay.
	MaxBytesPerSlot int
	// SlotLifetime is how long a sender may wait for a receiver (--slot-lifetime).
	SlotLifetime time.Duration
	// HandshakeTimeout is how long a pair may stay connected after pairing
	// (--handshake-timeout): time for the PAKE and the WebRTC offer and answer.
	HandshakeTimeout time.Duration
	// MaxSlots bounds the slots in use at once, waiting or paired (--max-slots).
	MaxSlots int
	// SlotsPerIPPerMinute bounds allocate and claim requests from one IP
	// address per minute (--slots-per-ip).
	SlotsPerIPPerMinute int
	// JoinsPerIPPerMinute bounds join requests from one IP address per minute
	// (--joins-per-ip). Each join spends a slot, so this also bounds guessing.
	JoinsPerIPPerMinute int
	// IdleTimeout is how long a client may stay connected without allocating,
	// claiming or joining (--idle-timeout).
	IdleTimeout time.Duration
	// FailedJoinsPerIPPerMinute bounds the pairings per minute that one
	// address (IPv6: one /64) may start as a receiver and not finish
	// (--failed-joins-per-ip). Every join that pairs spends one; a pairing
	// that succeeds gives it back (slots.go). A join that pairs ends the
	// sender's wait, so this bounds how many waiting senders one address can
	// end per minute, by leaving, by garbage or by guessing the words.
	FailedJoinsPerIPPerMinute int
	// WaitingPerIP bounds the senders from one address (IPv6: one /64)
	// waiting for their receivers at once (--waiting-per-ip), so that a few
	// addresses cannot fill MaxSlots for a whole SlotLifetime.
	WaitingPerIP int
	// ConnsPerIP bounds the websocket connections open at once from one
	// address (IPv6: one /64), as clientIP names it: behind a trusted proxy,
	// the client in X-Forwarded-For (--conns-per-ip).
	ConnsPerIP int

	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the client (--trusted-proxy). Per-IP limits and logs use the TCP
	// peer's address unless it is in one of these (see clientip.go).
	TrustedProxies []netip.Prefix
	// Metrics counts what the server does (connections, slots, pairings,
	// limits hit). Nil counts nothing.
	Metrics Metrics
}

// DefaultConfig returns the defaults that a zero Config field stands for.
func DefaultConfig() Config {
	return Config{
		MaxMessageSize:      64 << 10,
		MaxMessagesPerSlot:  256,
		MaxBytesPerSlot:     128 << 10,
		SlotLifetime:        time.Hour,
		HandshakeTimeout:    2 * time.Minute,
		MaxSlots:            10000,
		SlotsPerIPPerMinute: 30,
		JoinsPerIPPerMinute: 30,
		IdleTimeout:         30 * time.Second,

		FailedJoinsPerIPPerMinute: 5,
		WaitingPerIP:              20,
		ConnsPerIP:                64,
	}
}

// minMaxMessageSize keeps the limit large enough for the protocol's own
// messages (a welcome with a few ICE servers, an error).
const minMaxMessageSize = 1024

// withDefaults fills zero (or negative) fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = d.MaxMessageSize
	}
	c.MaxMessageSize = max(c.MaxMessageSize, minMaxMessageSize)
	if c.MaxMessagesPerSlot <= 0 {
		c.MaxMessagesPerSlot = d.MaxMessagesPerSlot
	}
	if c.MaxBytesPerSlot <= 0 {
		c.MaxBytesPerSlot = d.MaxBytesPerSlot
	}
	if c.SlotLifetime <= 0 {
		c.SlotLifetime = d.SlotLifetime
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = d.HandshakeTimeout
	}
	if c.MaxSlots <= 0 {
		c.MaxSlots = d.MaxSlots
	}
	if c.SlotsPerIPPerMinute <= 0 {
		c.SlotsPerIPPerMinute = d.SlotsPerIPPerMinute
	}
	if c.JoinsPerIPPerMinute <= 0 {
		c.JoinsPerIPPerMinute = d.JoinsPerIPPerMinute
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.FailedJoinsPerIPPerMinute <= 0 {
		c.FailedJoinsPerIPPerMinute = d.FailedJoinsPerIPPerMinute
	}
	if c.WaitingPerIP <= 0 {
		c.WaitingPerIP = d.WaitingPerIP
	}
	if c.ConnsPerIP <= 0 {
		c.ConnsPerIP = d.ConnsPerIP
	}
	return c
}

// limitError builds the error a client gets when it hits a limit: what
// happened, the limit and the server flag that sets it, and what to do.
func (c Config) limitError(code string) *rendezvous.ProtocolError {
	var msg string
	switch code {
	case rendezvous.CodeTooLarge:
		msg = fmt.Sprintf("message too large: the rendezvous server accepts messages of at most %d bytes (server flag --max-message-size)", c.MaxMessageSize)
	case rendezvous.CodeLimitMessages:
		msg = fmt.Sprintf("too many messages: the rendezvous server relays at most %d messages per code (server flag --max-messages-per-slot); start again with a new code", c.MaxMessagesPerSlot)
	case rendezvous.CodeLimitBytes:
		msg = fmt.Sprintf("too much signaling: the rendezvous server relays at most %d bytes per code (server flag --max-bytes-per-slot); start again with a new code", c.MaxBytesPerSlot)
	case rendezvous.CodeLimitSlotLifetime:
		msg = fmt.Sprintf("nobody used the code within %s (server flag --slot-lifetime); send again for a new code", c.SlotLifetime)
	case rendezvous.CodeLimitHandshake:
		msg = fmt.Sprintf("the two sides did not finish connecting within %s of meeting (server flag --handshake-timeout); try again", c.HandshakeTimeout)
	case rendezvous.CodeLimitSlots:
		msg = fmt.Sprintf("the rendezvous server is full: %d codes in use (server flag --max-slots); try again later", c.MaxSlots)
	case rendezvous.CodeLimitSlotsPerIP:
		msg = fmt.Sprintf("too many new codes from your address: at most %d per minute (server flag --slots-per-ip); wait a minute and try again", c.SlotsPerIPPerMinute)
	case rendezvous.CodeLimitJoinsPerIP:
		msg = fmt.Sprintf("too many attempts to use a code from your address: at most %d per minute (server flag --joins-per-ip); wait a minute and try again", c.JoinsPerIPPerMinute)
	case rendezvous.CodeLimitIdle:
		msg = fmt.Sprintf("connected for %s without asking for or using a code (server flag --idle-timeout)", c.IdleTimeout)
	case rendezvous.CodeLimitWaitingPerIP:
		msg = fmt.Sprintf("too many codes waiting from your address: at most %d at once (server flag --waiting-per-ip); use a code you have, or let one expire", c.WaitingPerIP)
	case rendezvous.CodeLimitConnsPerIP:
		msg = fmt.Sprintf("too many connections from your address: at most %d at once (server flag --conns-per-ip); close some and try again", c.ConnsPerIP)
	case rendezvous.CodeLimitFailedJoins:
		msg = fmt.Sprintf("too many codes used from your address without finishing the pairing: at most %d per minute (server flag --failed-joins-per-ip); check the code with the sender, wait a minute and try again", c.FailedJoinsPerIPPerMinute)
	default:
		msg = "a rendezvous server limit was reached: " + code
	}
	return &rendezvous.ProtocolError{Code: code, Message: msg}
}
