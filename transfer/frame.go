package transfer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// frameReader reads frames from the peer. The payload it returns is valid
// until the next call: one buffer is reused for every frame.
type frameReader struct {
	br  *bufio.Reader
	hdr [frameHeaderLen]byte
	buf []byte
}

// frameReaderBuffer is small on purpose: a frame's header and small frames
// come through it, while bufio reads a long payload straight into the
// frame's buffer instead of copying it through its own.
const frameReaderBuffer = 4 << 10

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{br: bufio.NewReaderSize(r, frameReaderBuffer)}
}

// next reads one frame. A frame of an unknown type or over its type's limit is
// an ErrProtocol error; the stream ending, cleanly or not, is ErrPeerClosed.
func (r *frameReader) next() (frameType, []byte, error) {
	if _, err := io.ReadFull(r.br, r.hdr[:]); err != nil {
		return 0, nil, readError(err)
	}
	t := frameType(r.hdr[0])
	n := binary.BigEndian.Uint32(r.hdr[1:])
	limit := frameLimit(t)
	if limit < 0 {
		return 0, nil, fmt.Errorf("%w: unknown frame type 0x%02x", ErrProtocol, r.hdr[0])
	}
	if uint64(n) > uint64(limit) {
		return 0, nil, fmt.Errorf("%w: %s frame of %d bytes, over its limit of %d", ErrProtocol, t, n, limit)
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n)
	}
	p := r.buf[:n]
	if _, err := io.ReadFull(r.br, p); err != nil {
		return 0, nil, readError(err)
	}
	return t, p, nil
}

// connError marks a failure of the connection itself (as opposed to something
// the peer said): there is no point in telling the peer about it.
type connError struct{ err error }

func (e *connError) Error() string { return e.err.Error() }
func (e *connError) Unwrap() error { return e.err }

func readError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &connError{fmt.Errorf("%w: it was closed before the transfer finished", ErrPeerClosed)}
	}
	return &connError{fmt.Errorf("%w: %w", ErrPeerClosed, err)}
}

func writeError(err error) error {
	return &connError{fmt.Errorf("%w: %w", ErrPeerClosed, err)}
}

// frameBuf builds one frame in a reusable buffer so that it goes out in a
// single Write: the conn has stream semantics, but some adapters map writes to
// messages.
type frameBuf struct{ b []byte }

// write writes one frame of type t with payload p in one Write call.
func (f *frameBuf) write(w io.Writer, t frameType, p []byte) error {
	f.b = appendFrame(f.b[:0], t, p)
	if _, err := w.Write(f.b); err != nil {
		return writeError(err)
	}
	return nil
}

// finishFrame stores the payload length in the header of frame b, built in
// place, and returns it.
func finishFrame(b []byte) []byte {
	binary.BigEndian.PutUint32(b[1:frameHeaderLen], uint32(len(b)-frameHeaderLen))
	return b
}

// appendFrame appends a whole frame to dst.
func appendFrame(dst []byte, t frameType, p []byte) []byte {
	dst = append(dst, byte(t), 0, 0, 0, 0)
	binary.BigEndian.PutUint32(dst[len(dst)-4:], uint32(len(p)))
	return append(dst, p...)
}
