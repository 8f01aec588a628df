// Package ferry sends files from one computer to another, peer to peer,
// under a short code: what the ferry command does, for Go programs that
// embed it (a backup job, a CI step) instead of running the command.
//
// A sender calls [Send] with a [Source] (files and directories from
// [Files], a stream from [Reader], a message from [Text]). ferry holds a
// code such as "7-apple-river" on a rendezvous server and reports it through
// [Events.Code]; a receiver that calls [Receive] with the same code and server
// meets it there. The two sides prove to each other that they hold the code
// (a PAKE: the server learns nothing it could use to read or change what
// they say), trade their WebRTC offer and answer sealed under the key they
// agreed on, and connect directly (or through the server's TURN relay when
// NAT leaves no direct path). The files then flow over that connection in
// chunks, each checked by CRC-32C, and every file is verified by its SHA-256
// before [Receive] reports it.
//
// With no server given, [Send] starts one in this process ([StartServer])
// and announces it on the local network (multicast DNS, naming no code), and
// [Receive] with no server finds it there. Across networks, both sides name
// the same server: a self-hosted ferry-rendezvous.
//
// What happens along the way reaches [Events], an interface the engine owns;
// embed [NopEvents] to implement only the events a program wants. [Connect]
// is the step under Send and Receive: it returns the sealed, reliable peer
// link for a program that speaks its own protocol.
//
// Errors wrap the sentinel errors below ([ErrWrongCode], [ErrDeclined],
// [ErrIntegrity], ...), so that a program can tell them apart with
// errors.Is, as the ferry command does to choose its exit code.
package ferry
