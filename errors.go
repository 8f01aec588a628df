package ferry

import (
	"github.com/ferry-dev/ferry/peer"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/transfer"
)

// The errors Send, Receive and Connect return wrap these; errors.Is tells
// them apart. Each is the same value as the one in the package that detects
// it (rendezvous, peer, transfer).
var (
	// ErrBadCode: the code is malformed ("7-apple-river" is the form).
	ErrBadCode = rendezvous.ErrBadCode
	// ErrWrongCode: the two sides do not hold the same code, or someone
	// tried to guess it. The code is spent either way.
	ErrWrongCode = rendezvous.ErrWrongCode
	// ErrTampered: someone between the two sides altered their messages.
	ErrTampered = rendezvous.ErrTampered
	// ErrNoSuchCode: no sender waits under the code (see
	// [ReceiveConfig].Wait).
	ErrNoSuchCode = rendezvous.ErrNoSuchSlot
	// ErrCodeInUse: another sender holds the code.
	ErrCodeInUse = rendezvous.ErrSlotTaken
	// ErrLimit: a limit of the rendezvous server was reached.
	ErrLimit = rendezvous.ErrLimit
	// ErrUnreachable: the rendezvous server could not be reached.
	ErrUnreachable = rendezvous.ErrUnreachable
	// ErrPeerGone: the other side left before the two were connected.
	ErrPeerGone = rendezvous.ErrPeerGone
	// ErrNoRoute: no direct or relayed path joins the two sides.
	ErrNoRoute = peer.ErrNoRoute
	// ErrPeerLost: the connection to the other side was lost mid-transfer.
	ErrPeerLost = transfer.ErrPeerClosed
	// ErrDeclined: the receiver declined the offer.
	ErrDeclined = transfer.ErrDeclined
	// ErrExists: a file would be overwritten ([ReceiveConfig].Overwrite).
	ErrExists = transfer.ErrExists
	// ErrNoSpace: the files do not fit in the receiver's free space.
	ErrNoSpace = transfer.ErrNoSpace
	// ErrIntegrity: a chunk or a file did not match its checksum, or the
	// peer sent more or fewer bytes than it announced. Nothing unverified is
	// kept under its final name.
	ErrIntegrity = transfer.ErrIntegrity
	// ErrSourceChanged: a file changed, grew or shrank while it was sent;
	// the other files still arrive, and no torn copy is kept.
	ErrSourceChanged = transfer.ErrSourceChanged
	// ErrUnsafeName: the sender offered a name that could escape the output
	// directory or fool a terminal.
	ErrUnsafeName = transfer.ErrUnsafeName
)

// Decline returns what [ReceiveConfig].Accept returns to decline an offer in
// its own words: msg is this side's error message, toSender what the sender
// reads after "the receiver declined: " ("" adds nothing). Any other error
// wrapping [ErrDeclined] also declines, and the sender reads its message.
func Decline(msg, toSender string) error { return transfer.Decline(msg, toSender) }
