package transfer

// The ferry transfer protocol, version 3 (version 2 without fileAbort,
// version 1 without compressed data frames either).
//
// It runs over one ordered, reliable byte stream (a WebRTC data channel in
// ferry). Both directions carry frames:
//
//	type   uint8
//	length uint32, big-endian: the number of payload bytes that follow
//	payload
//
// All integers are big-endian. A "string" inside a payload is its bytes, with
// the length given by a prefix or by the end of the payload as stated per frame.
// Every frame type has a maximum payload length (frameLimit); a decoder refuses a
// longer frame before reading it, and refuses frames that are not allowed at that
// point of the conversation, so a peer cannot make the other side allocate or
// wait without bound.
//
// A conversation, sender S and receiver R:
//
//	S -> R  hello                  R -> S  hello          (both first, without waiting)
//	S -> R  manifest ... manifest, manifestEnd
//	R -> S  have ... have, accept  (or decline, or error)
//	for each regular file, in manifest order:
//	  S -> R  fileBegin, data or dataZ ..., fileEnd
//	  R -> S  fileAck              (when verified and in place; S does not wait for it)
//	  or, when the file changed as S read it (version 3):
//	  S -> R  [fileBegin, data or dataZ ...,] fileAbort
//	  R -> S  fileAbort            (its temporary data discarded; in the place of fileAck)
//	S -> R  done
//	R -> S  doneAck                (after the last fileAck)
//
// Either side may send an error frame at any point and then close; the other side
// stops and reports it. Directory entries carry no data: R creates them after
// accepting.

// protocolVersion is the version this ferry speaks. minProtocolVersion is the
// oldest it still speaks; the peers use the highest version both support.
// Version 2 added frameDataZ: a sender sends it only to a peer that
// negotiated version 2 or later, and a receiver accepts it only then.
// Version 3 added frameFileAbort, under the same rule; with an older peer a
// sender that finds a file changed stops the transfer with an error frame
// instead (never a success).
const (
	protocolVersion    = 3
	minProtocolVersion = 1

	// compressionVersion is the first version with frameDataZ.
	compressionVersion = 2
	// abortVersion is the first version with frameFileAbort.
	abortVersion = 3
)

type frameType uint8

const (
	// frameHello opens the conversation in both directions. Its layout never
	// changes between versions, so that any two ferries can tell each other
	// which versions they speak:
	//
	//	magic      [4]byte "FRRY"
	//	minVersion uint16  oldest protocol version spoken
	//	maxVersion uint16  newest protocol version spoken
	//	role       uint8   1 = sender, 2 = receiver
	//	swLen      uint8
	//	software   [swLen]byte  the ferry release, e.g. "v1.2.0", for messages
	frameHello frameType = 0x01

	// frameManifest carries a slice of the manifest. A sender splits a long
	// manifest over as many frames as it needs.
	//
	//	count uint32
	//	count times:
	//	  pathLen uint16
	//	  path    [pathLen]byte  relative, slash-separated, UTF-8
	//	  size    int64          bytes; -1 = unknown (a stream), the real size comes in fileEnd
	//	  kind    uint8          0 = regular file, 1 = directory (size 0, no data),
	//	                         2 = a text message (manifest.go: entryKindText)
	//	  perm    uint16         permission bits, at most 0o777
	frameManifest frameType = 0x02

	// frameManifestEnd closes the manifest and lets the receiver check it got all of it.
	//
	//	entries uint32  number of entries in all manifest frames
	//	total   int64   sum of the known sizes
	frameManifestEnd frameType = 0x03

	// frameHave (receiver) lists what the receiver already holds, to resume.
	// Zero or more have frames precede accept.
	//
	//	count times (count = length / 44):
	//	  index  uint32    manifest index of a regular file of known size
	//	  offset uint64    bytes held, at most the file's size
	//	  sha256 [32]byte  SHA-256 of those bytes
	//
	// The sender hashes the same prefix of its file; if the digests agree it
	// starts that file at offset, otherwise at 0. It says which in fileBegin.
	frameHave frameType = 0x04

	// frameAccept (receiver) accepts the manifest.
	//
	//	haves uint32  number of have records sent before it
	frameAccept frameType = 0x05

	// frameDecline (receiver) declines the manifest.
	//
	//	reason [length]byte  UTF-8, for humans
	frameDecline frameType = 0x06

	// frameFileBegin starts a regular file.
	//
	//	index  uint32  manifest index; files go in manifest order
	//	offset uint64  where the data starts: 0, or the offset of the receiver's have
	frameFileBegin frameType = 0x07

	// frameData carries a slice of the current file.
	//
	//	index  uint32  manifest index, equal to the one in fileBegin
	//	offset uint64  position in the file; data frames are contiguous
	//	crc32c uint32  CRC-32C (Castagnoli) of payload
	//	payload [length-16]byte, at most maxChunkSize
	frameData frameType = 0x08

	// frameDataZ (version 2) carries a slice of the current file compressed
	// with zstd (RFC 8878). The sender chooses per slice between data and
	// dataZ (see compress.go); both kinds may alternate within a file.
	//
	//	index  uint32  manifest index, equal to the one in fileBegin
	//	offset uint64  position in the file of the slice's first byte; contiguous
	//	               with the data and dataZ frames before it
	//	size   uint32  the slice's length once decompressed: 1 to MaxChunkSize
	//	crc32c uint32  CRC-32C of payload, the compressed bytes as sent
	//	payload [length-20]byte  one zstd frame that decompresses to exactly size
	//	               bytes, at most size bytes long itself
	//
	// The receiver checks the CRC, then that the slice fits in the announced
	// size of the file, and only then decompresses, into at most size bytes:
	// a small frame cannot make it allocate or write more than the sender
	// announced (no zip bombs). The file's SHA-256 covers the decompressed
	// bytes, as always.
	frameDataZ frameType = 0x0e

	// frameFileEnd ends the current file.
	//
	//	index  uint32
	//	size   uint64    the file's size: the announced one, or the real one of a stream
	//	sha256 [32]byte  SHA-256 of the whole file
	frameFileEnd frameType = 0x09

	// frameFileAck (receiver) confirms that a file was verified and moved into place.
	//
	//	index  uint32
	//	size   uint64
	//	sha256 [32]byte  as computed by the receiver
	frameFileAck frameType = 0x0a

	// frameDone (sender) says that every file was sent.
	//
	//	files uint32  number of regular files
	//	bytes uint64  total bytes of those files
	frameDone frameType = 0x0b

	// frameDoneAck (receiver) says that every file was verified and is in place.
	// It is the last frame of a successful conversation.
	//
	//	files uint32
	//	bytes uint64
	frameDoneAck frameType = 0x0c

	// frameError (either side) says why this side stops. The sender of it
	// closes the connection next.
	//
	//	kind    uint8  see errKind
	//	message [length-1]byte  UTF-8, for humans; displayed escaped
	frameError frameType = 0x0d

	// frameFileAbort (version 3) ends a file that changed as the sender read
	// it (its size, modification or change time, or inode differ from the
	// manifest's version, before or after reading): the sender sends it in
	// the place of fileEnd, or of the whole fileBegin ... fileEnd when it
	// finds the change before beginning the file. The receiver discards
	// what it received of the file (its temporary file; a file it kept in
	// place stays as it was), does not move anything into place, and
	// answers with a fileAbort of the same index in the place of fileAck.
	// The file counts in neither done nor doneAck; both sides finish the
	// other files and then report the transfer as failed.
	//
	//	index   uint32  manifest index of the file
	//	kind    uint8   why, an errKind: 7 = the source changed
	//	message [length-5]byte  UTF-8, what changed, for humans; displayed escaped
	frameFileAbort frameType = 0x0f
)

// Sizes and limits of the protocol.
const (
	frameHeaderLen = 5
	dataHeaderLen  = 16
	dataZHeaderLen = 20
	haveRecordLen  = 44
	entryFixedLen  = 2 + 8 + 1 + 2

	// DefaultChunkSize is the data payload per frame, chosen so that a whole
	// data frame is 64 KiB.
	DefaultChunkSize = 64<<10 - frameHeaderLen - dataHeaderLen
	// MaxChunkSize bounds SendOptions.ChunkSize and what a receiver accepts.
	MaxChunkSize = 1 << 20

	maxControlPayload = 1 << 20 // manifest and have frames
	maxMessageLen     = 4 << 10 // error and decline texts
	manifestChunkSize = 256 << 10

	// MaxPathLen and MaxNameLen bound a manifest path and each of its
	// components (leaving room for the ".part" suffix within 255 bytes).
	MaxPathLen = 4096
	MaxNameLen = 250

	// MaxEntries and maxManifestBytes bound a manifest: its number of entries
	// and the bytes of all its entries on the wire.
	MaxEntries       = 1_000_000
	maxManifestBytes = 64 << 20

	maxFileSize = 1 << 62 // keeps sums of sizes far from overflowing
)

var helloMagic = [4]byte{'F', 'R', 'R', 'Y'}

const (
	roleSender   = 1
	roleReceiver = 2
)

// frameLimit returns the largest payload allowed for t, or -1 if t is unknown.
func frameLimit(t frameType) int {
	switch t {
	case frameHello:
		return 4 + 2 + 2 + 1 + 1 + 255
	case frameManifest, frameHave:
		return maxControlPayload
	case frameManifestEnd, frameDone, frameDoneAck, frameFileBegin:
		return 12
	case frameAccept:
		return 4
	case frameDecline:
		return maxMessageLen
	case frameData:
		return dataHeaderLen + MaxChunkSize
	case frameDataZ:
		return dataZHeaderLen + MaxChunkSize
	case frameFileEnd, frameFileAck:
		return 44
	case frameError:
		return 1 + maxMessageLen
	case frameFileAbort:
		return 5 + maxMessageLen
	}
	return -1
}

func (t frameType) String() string {
	switch t {
	case frameHello:
		return "hello"
	case frameManifest:
		return "manifest"
	case frameManifestEnd:
		return "manifest end"
	case frameHave:
		return "have"
	case frameAccept:
		return "accept"
	case frameDecline:
		return "decline"
	case frameFileBegin:
		return "file begin"
	case frameData:
		return "data"
	case frameDataZ:
		return "compressed data"
	case frameFileEnd:
		return "file end"
	case frameFileAck:
		return "file ack"
	case frameDone:
		return "done"
	case frameDoneAck:
		return "done ack"
	case frameError:
		return "error"
	case frameFileAbort:
		return "file abort"
	}
	return "unknown"
}
