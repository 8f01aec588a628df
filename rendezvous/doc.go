// Package rendezvous is what two ferry clients and a rendezvous server share:
// the wire messages of the rendezvous protocol, transfer codes, and the
// session, sealed under a PAKE, that the two clients run through the server.
//
// The client is package rendezvousclient, the server package
// rendezvousserver, and the short-lived TURN credentials the server mints are
// package turncreds. Both sides import this package; it imports neither, nor
// pion.
//
// # Codes
//
// A code is "<slot>-<word>-<word>...", e.g. "7-apple-river". Only the slot
// reaches the rendezvous server; the words are the PAKE password and never
// leave the two clients. The words come from Words (see words.md for its
// origin and license); DefaultWords of them give about 22.9 bits of password.
//
// # The rendezvous protocol, version 1
//
// One websocket per client at the path WSPath ("/v1/ws"). Every
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
//	  welcome   {version, ice_servers, max_message_size, web_app}  always first;
//	                              ice_servers: the static ones (STUN), no TURN
//	                              credentials; web_app: the browser app is served
//	                              at the server's root
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
//	  allocate  {}                sender: give me a free slot (drawn at random by the server)
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
//
// # The session
//
// A Session is the sealed channel two paired clients talk through: after
// Secure, everything they send through the rendezvous relay is encrypted and
// authenticated under keys that only holders of the code's words can have.
// The server can neither read the signaling nor change it unnoticed, so it
// cannot put itself in the middle of the WebRTC connection.
//
// Secure runs the handshake, three flights that both sides send at once:
//
//  1. hello: a fresh random 32-byte nonce from each side.
//  2. share: CPace (package cpace), the sender as initiator and the receiver
//     as responder, always, with the inputs below.
//  3. confirm: each side sends an HMAC over the handshake transcript under
//     its own confirmation key, and only then checks the other's. A wrong
//     password gives different keys, so BOTH sides see a wrong tag and
//     return ErrWrongCode at once; neither waits on the other.
//
// Why sid is built from two nonces: the draft recommends a fresh sid that
// both parties know before CPace starts, and "concatenation of ephemeral
// random strings contributed by both parties" (section 10.9). Neither side
// alone, nor the server (a slot number is reused), can make a session id
// repeat; CPace's proof needs unique sids, and with a fresh sid an attacker
// cannot precompute anything per password before the session begins
// (section 10.12). The price is one extra flight, sent by both sides at
// once. The fixed roles (sender = initiator) rule out the loopback and role
// confusion attacks of section 10.1; the label and slot in CI bind the key
// to this protocol and this pairing.
//
// After the handshake each message is one sealed frame (see Session frames):
// ChaCha20-Poly1305 under the direction's key, its nonce the direction's
// message counter. A message that was altered, replayed, reordered, dropped
// or truncated fails to open: Recv returns ErrTampered, and so does every
// later Recv.
//
// # Session frames
//
// The session protocol, version 1: the frames two clients exchange through
// the rendezvous relay, each one relay body.
//
//	offset  size  field
//	0       1     version  1; a peer of another version is
//	                       refused with ErrPeerVersion (see below)
//	1       1     type     one of the frame types below
//	2       ...   body     its size fixed by the type, except sealed frames
//
//	type           body
//	1 hello        nonce[32]        random; both nonces form the CPace sid
//	2 share        Y[32]            the CPace share (ristretto255 element)
//	3 confirm      tag[64]          HMAC-SHA-512 key confirmation
//	4 sealed       ciphertext+tag   ChaCha20-Poly1305; the nonce is the
//	                                direction's message counter (not sent),
//	                                the additional data is bytes 0-1
//
// A handshake is three flights, each sent by both sides at once: hello,
// share, confirm (see Secure). Only sealed frames follow.
//
// Every version of this protocol starts with a hello: its version byte (below
// 16), type 1, and a body of at least 32 bytes. A first frame of that shape
// with another version byte is a ferry of another version (ErrPeerVersion,
// which tells the user who must upgrade); a first frame of any other shape is
// not ferry at all — a guesser, or someone in between — and fails as a wrong
// code.
//
// # Key schedule
//
// After CPace, from the 64-byte ISK, HKDF-SHA-512 with the
// handshake transcript hash as salt derives
//
//	"ferry-v1 sender to receiver"    32-byte ChaCha20-Poly1305 key
//	"ferry-v1 receiver to sender"    32-byte ChaCha20-Poly1305 key
//	"ferry-v1 confirm sender"        64-byte HMAC key of the sender's tag
//	"ferry-v1 confirm receiver"      64-byte HMAC key of the receiver's tag
//	"ferry-v1 verifier"              8 bytes for the human-comparable verifier
//
// A key per direction means the two counters never share a nonce; a
// confirmation key per side means a tag reflected back to its sender is not
// the tag that side expects.
package rendezvous
