package ferry

import (
	"time"

	"github.com/ferry-dev/ferry/peer"
	"github.com/ferry-dev/ferry/transfer"
)

// Events hears what a transfer does. The engine calls each method from the
// goroutine that called [Send], [Receive] or [Connect], one at a time and in
// order; a method must return quickly (Progress comes once per 64 KiB).
// Embed [NopEvents] to implement only some of them.
type Events interface {
	// Code: the sender holds its code on the rendezvous server and waits for
	// the receiver; pass the code on. Sender only.
	Code(CodeInfo)
	// Waiting: no sender waits under the code yet, and the receiver keeps
	// trying for wait ([ReceiveConfig].Wait). slot is the code's number,
	// never its words. Receiver only.
	Waiting(slot string, wait time.Duration)
	// Connected: the two sides proved they hold the same code and the peer
	// connection is up.
	Connected(Connection)
	// Offer is what the sender offers: the sender hears it just before
	// Code, the receiver before [ReceiveConfig].Accept decides.
	Offer(Manifest)
	// Progress reports the payload bytes moved so far, counting what resume
	// made unnecessary to send, so that done reaches total at the end (with
	// a stream of unknown size it may pass total).
	Progress(done, total int64)
	// Resumed: the first offset bytes of path were already in the
	// receiver's output directory from an earlier transfer and are not sent
	// again; whole: all of them. Both sides.
	Resumed(path string, offset int64, whole bool)
	// Discarded: what an earlier transfer left of path (held bytes) did not
	// match the sender's file; it is received again from the start.
	// Receiver only.
	Discarded(path string, held int64)
	// File: a file arrived whole and its SHA-256 matched (the receiver); the
	// receiver confirmed it (the sender).
	File(FileResult)
	// Done: the transfer ended well; Send or Receive returns the same Result.
	Done(Result)
}

// NopEvents implements [Events] by doing nothing. Embed it in a type that
// implements only the events it wants.
type NopEvents struct{}

func (NopEvents) Code(CodeInfo)                 {}
func (NopEvents) Waiting(string, time.Duration) {}
func (NopEvents) Connected(Connection)          {}
func (NopEvents) Offer(Manifest)                {}
func (NopEvents) Progress(int64, int64)         {}
func (NopEvents) Resumed(string, int64, bool)   {}
func (NopEvents) Discarded(string, int64)       {}
func (NopEvents) File(FileResult)               {}
func (NopEvents) Done(Result)                   {}

var _ Events = NopEvents{}

// CodeInfo is what the receiver needs to meet the sender.
type CodeInfo struct {
	Code   string // e.g. "7-apple-river"
	Server string // the rendezvous server's URL, as the receiver reaches it
	// Command is the receiver's command line, verbatim:
	// "ferry receive --server URL CODE".
	Command string
	// LANCommand, when the sender's own server announces itself on the local
	// network, is the shorter command that finds it there:
	// "ferry receive CODE". Command still works where multicast does not.
	LANCommand string
	// WebURL is the web page of the rendezvous server with the code in its
	// fragment ("http://host:port/#7-apple-river"): a browser that opens it
	// receives, with no ferry installed; "" when the server does not say
	// that it serves the page (ferry-rendezvous --no-web-app, or an older
	// one).
	WebURL string
}

// Connection describes the peer connection.
type Connection struct {
	Route Route
	// Connections is how many peer connections carry the data
	// ([Network].Parallel, as the two sides agreed).
	Connections int
	// Warning, when not empty, says what makes the connection slower than
	// it could be (e.g. small UDP socket buffers) and how to fix it.
	Warning string
}

// Route says how the peer connection runs: directly, or through a relay.
type Route = peer.Route

// Manifest is what a sender offers: its entries (files, directories, a
// stream, a text) and their total size.
type Manifest = transfer.Manifest

// Entry is one entry of a [Manifest].
type Entry = transfer.Entry

// FileResult is a file that arrived whole and verified: its path, size and
// SHA-256.
type FileResult = transfer.FileResult

// EntryWriter takes one received file for [ReceiveConfig.OpenEntry]: Close
// once its SHA-256 matched, Abort instead when it failed.
type EntryWriter = transfer.EntryWriter

// Result summarizes a transfer that ended well.
type Result = transfer.Result

// progress adapts Events to the transfer engine's progress interface.
type progress struct{ ev Events }

func (p progress) Transferred(done, total int64)                 { p.ev.Progress(done, total) }
func (p progress) FileDone(f transfer.FileResult)                { p.ev.File(f) }
func (p progress) Resumed(path string, offset int64, whole bool) { p.ev.Resumed(path, offset, whole) }
func (p progress) Discarded(path string, held int64)             { p.ev.Discarded(path, held) }

var (
	_ transfer.Progress     = progress{}
	_ transfer.HeldReporter = progress{}
)
