// Package rendezvousserver is the ferry rendezvous server: Server, an
// http.Handler that pairs two clients under a slot and relays their
// signaling, speaking the protocol of package rendezvous (whose doc
// describes the wire). ferry-rendezvous (internal/servercmd) serves it on its
// own listeners; ferry send (internal/cli) embeds it.
//
// # Slots and pairing
//
// A sender gets a slot drawn at random from a space that grows with the
// slots in use (1–99 while a handful wait, six digits at a full server), so
// that waiting senders cannot be found by counting (slotnums.go), or claims
// the slot of a code it chose. A receiver that joins a slot is paired with its
// sender, and the slot is closed to everyone else: one guess per code. The
// server cannot read the sealed session the two then run, but it can tell
// that a pairing succeeded: the sender goes on after the PAKE's key
// confirmation only if the receiver knew the words (slots.go,
// successMessages). When either side leaves, the other hears peer_left and the
// slot number is free again.
//
// # Limits
//
// Config holds every limit: message size, messages and bytes per slot, slot
// lifetime, handshake time, slots in all, and per address (an IPv6 client
// counts by its /64) slots and joins per minute, failed joins, waiting
// senders and connections. Each one has a default (DefaultConfig), a flag of
// ferry-rendezvous, and an error to the client that names that flag. Behind a
// reverse proxy, X-Forwarded-For names the client only when the peer is one
// of Config.TrustedProxies (clientip.go). On the TCP side, NewHTTPServer sets
// the timeouts of every listener and LimitListener bounds the connections per
// address and in all (HTTPLimits).
//
// # TURN
//
// With Config.TURN, the paired message gives each client TURN credentials
// minted for its address (package turncreds), valid for Config.TURN.TTL; the
// TURN server needs only the shared secret.
//
// # Metrics
//
// The server counts what it does through Config.Metrics (connections, slots,
// pairings and why they failed, limits hit, version mismatches, TCP
// connections per listener). Nil counts nothing, so that a program embedding
// the server links no metrics library; ferry-rendezvous counts in Prometheus
// (internal/rendezvousmetrics). The server itself serves no /metrics.
//
// # Shutdown
//
// Server.Shutdown stops the server as for a restart: new connections and
// codes are refused at once, waiting clients are told to run the same command
// again, and pairs already in their handshake may finish until its context
// ends. Server.Close does the same without waiting for pairs in their
// handshake.
package rendezvousserver
