// Package rendezvousclient is the client side of the ferry rendezvous
// protocol (package rendezvous, whose doc describes the wire): it connects to
// a rendezvous server, gets or joins a slot, and exchanges opaque messages
// with the paired client through the server.
//
// A sender dials, asks for a slot drawn by the server (Conn.Allocate) or
// claims the slot of a code it chose (Conn.Claim), and waits for its
// receiver (Conn.WaitPeer). A receiver dials and joins the slot of the code
// it was given (Conn.Join). Once paired, both Send and Recv; ferry runs
// rendezvous.Secure over the Conn, so that everything after is sealed under
// the code's words and the server relays only ciphertext:
//
//	conn, err := rendezvousclient.Dial(ctx, "wss://rendezvous.example.org")
//	...
//	slot, err := conn.Allocate(ctx) // the sender shows <slot>-<words>
//	err = conn.WaitPeer(ctx)
//	sess, err := rendezvous.Secure(ctx, conn, slot, code.Password(), rendezvous.SideSender)
//
// Conn.ICEServers returns the STUN and TURN servers the server offered: once
// paired, TURN credentials minted for this client included.
//
// The server URL may use ws://, wss://, http:// or https://, and a path under
// which the server is mounted; the versioned endpoint (rendezvous.WSPath) is
// appended. Errors match the sentinels of package rendezvous with errors.Is:
// ErrUnreachable (with the reason: refused, DNS, TLS, with advice), ErrVersion
// (a server of another protocol version, naming who must upgrade),
// ErrSlotTaken, ErrNoSuchSlot, ErrSlotUsed, ErrPeerGone and ErrLimit. What the
// server itself reported is a *rendezvous.ServerError, its text cleaned of
// control characters. After an error from the server the Conn is closed:
// Dial again to retry.
package rendezvousclient
