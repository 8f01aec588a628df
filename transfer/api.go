// Package transfer is ferry's file protocol: it moves a manifest of files and
// their bytes over any ordered, reliable byte channel (a WebRTC data channel in
// ferry, a net.Pipe in tests). It knows nothing of pion, cobra or terminals.
//
// API CONTRACT (agreed with internal/cli; extend, don't reshape):
//
//	Send(ctx, conn, src, SendOptions) (Result, error)
//	Receive(ctx, conn, ReceiveOptions) (Result, error)
//
// Errors are classified with errors.Is against the sentinels below; the CLI turns
// them into exit codes.
package transfer

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"time"
)

// Sentinel errors. Wrapped errors carry the details; errors.Is finds the class.
var (
	// ErrIntegrity: a CRC-32C or SHA-256 mismatch, or more/fewer bytes than announced.
	ErrIntegrity = errors.New("integrity check failed")
	// ErrDeclined: the receiver declined the offer.
	ErrDeclined = errors.New("the receiver declined")
	// ErrExists: a file in the manifest already exists at the destination and
	// overwriting was not allowed.
	ErrExists = errors.New("would overwrite existing files")
	// ErrUnsafeName: the peer sent a name that is absolute, escapes the output
	// directory, or contains characters that are refused.
	ErrUnsafeName = errors.New("unsafe file name")
	// ErrProtocol: the peer sent something malformed, oversized or out of order.
	ErrProtocol = errors.New("protocol error")
	// ErrVersion: the peer speaks another version of the transfer protocol.
	ErrVersion = errors.New("incompatible transfer protocol version")
	// ErrPeerClosed: the channel closed before the transfer completed.
	ErrPeerClosed = errors.New("the connection to the peer was lost")
	// ErrNoSpace: the files do not fit in the free space of the receiver's
	// output directory (checked before accepting; see space.go).
	ErrNoSpace = errors.New("not enough free space")
)

// Entry is one item of a manifest.
type Entry struct {
	Path string      // relative, slash-separated, validated on receipt
	Size int64       // bytes; -1 when unknown (a stream)
	Mode fs.FileMode // permission bits, and fs.ModeDir for directories
	// Text marks a message to show rather than a file to write (ferry send
	// --text). A text entry is the only entry of its manifest, has a known
	// size of at most MaxTextSize, and goes to ReceiveOptions.Text.
	Text bool
}

// Manifest is what the sender offers.
type Manifest struct {
	Entries    []Entry
	TotalBytes int64 // sum of known sizes
}

// Source supplies the files that Send streams.
type Source interface {
	Manifest() Manifest
	// Open returns a reader for entry i positioned at its start. Only
	// io.EOF ends it; any other error fails the transfer. The reader of an
	// entry of unknown size (a stream) may block in Read: Send stops
	// when ctx ends or the receiver leaves all the same, and closes it once
	// that Read returns.
	Open(ctx context.Context, i int) (io.ReadCloser, error)
}

// FileResult is reported once per file when the receiver has verified it.
type FileResult struct {
	Path   string
	Size   int64
	SHA256 string // lowercase hex
}

// Progress receives events from the engine. Calls come from the goroutine that
// called Send or Receive, one at a time; implementations must be quick and must
// not block. Transferred is called once per data frame (64 KiB by default).
type Progress interface {
	// Transferred reports the cumulative number of payload bytes moved so far
	// (sent by the sender, verified-by-CRC and written by the receiver).
	// done includes the bytes that resume made unnecessary to send, so that it
	// reaches total at the end; with streams of unknown size it may pass total.
	Transferred(done, total int64)
	// FileDone reports a file that was verified (receiver) or confirmed by the
	// receiver (sender).
	FileDone(FileResult)
}

// Result summarizes a finished transfer.
type Result struct {
	Files       int
	Bytes       int64 // total bytes of all files
	Transferred int64 // bytes of files actually moved over the channel
	Resumed     int64 // bytes not sent again thanks to resume
	// WireBytes is what Transferred took on the channel: less than
	// Transferred when compression paid (frame headers not counted).
	WireBytes int64
	Duration  time.Duration
}

// SendOptions configures Send.
type SendOptions struct {
	Progress Progress // may be nil
	// ChunkSize is the payload bytes per data frame; 0 means the default.
	// Slices that the sender tries to compress are zSliceFactor times as
	// long (at most MaxChunkSize).
	ChunkSize int
	// NoCompression sends every slice as it is. By default a sender
	// compresses what shrinks (zstd, per slice, adaptive: compress.go) when
	// the receiver speaks protocol version 2 or later.
	NoCompression bool
	// Software names this program's release (e.g. "v1.2.0") to a peer
	// that speaks no common protocol version, for its message.
	Software string
}

// EntryWriter takes one file for ReceiveOptions.OpenEntry.
type EntryWriter interface {
	io.Writer
	// Close is called once the file was verified (size and SHA-256).
	Close() error
	// Abort is called instead of Close when the file or the transfer
	// failed: what was written must not be taken as the file.
	Abort(reason error)
}

// ReceiveOptions configures Receive.
type ReceiveOptions struct {
	Dir       string // output directory; must exist
	Overwrite bool
	// Accept is called with the validated manifest before anything is written.
	// Return nil to accept; return an error (wrapping ErrDeclined to decline) to
	// stop, and the sender is told.
	Accept   func(ctx context.Context, m Manifest) error
	Progress Progress // may be nil

	// Out, when set, receives the bytes of the transfer's single file or
	// stream instead of a file under Dir (ferry receive --out -); Dir may then
	// be empty. A manifest with more than one entry or with a directory is
	// declined. Bytes reach Out as they arrive, each chunk checked by CRC-32C;
	// the whole stream's SHA-256 can only be checked at the end, so a caller
	// must treat the output as untrusted unless Receive returns nil.
	Out io.Writer
	// OutName names Out in the message that declines an offer of more than
	// one entry: "" is "standard output" (with the advice to receive into a
	// directory); another name gets the advice to send a single file.
	OutName string
	// OpenEntry, when set, takes every file of the transfer instead of a
	// file under Dir (Dir and Out are then unused): a receiver without a file
	// system, such as the browser page. It is called as each file begins,
	// with its validated path and size (-1: unknown); its bytes reach the
	// writer as they arrive (each chunk checked by CRC-32C). Close is called
	// only once the file's size and SHA-256 matched; a file that fails gets
	// Abort instead, with the reason. Directory entries are not opened. No
	// resume, no overwrite checks: the writer's owner decides.
	OpenEntry func(path string, size int64) (EntryWriter, error)
	// Text receives a text message, after its SHA-256 was checked. Without
	// it, a text message is declined.
	Text io.Writer
	// Software is as in SendOptions.
	Software string

	limits     manifestLimits                                  // tests lower the manifest limits
	wrapWriter func(w io.Writer) io.Writer                     // tests inject write failures (a full disk)
	freeSpace  func(dir string) (free, block int64, err error) // tests fake the free space
	umask      *fs.FileMode                                    // tests set the umask; nil: the process's
}
