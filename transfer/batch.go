package transfer

import "io"

// batchLimit is how many bytes of small frames a batchWriter gathers into
// one Write. The channel under ferry maps each Write to a message, and a
// message costs both sides' SCTP stacks much more memory than its bytes
// while it is queued: a frame or two for each file of 64 bytes, written one
// by one, made the memory of a transfer grow with its number of files
// (issue 12 item 5). Gathered, 100,000 such files are about 400 messages.
const batchLimit = 64 << 10

// batchWriter gathers the frames written to it and writes them to w in
// writes of at most batchLimit bytes (a frame that long or longer goes
// alone, after what was gathered). Flush writes what it holds: call it
// before waiting for the peer's answer to anything written.
type batchWriter struct {
	w   io.Writer
	buf []byte
}

func newBatchWriter(w io.Writer) *batchWriter { return &batchWriter{w: w} }

// Write implements io.Writer for whole frames: p is copied or written
// before Write returns.
func (b *batchWriter) Write(p []byte) (int, error) {
	if len(b.buf)+len(p) > batchLimit {
		if err := b.Flush(); err != nil {
			return 0, err
		}
	}
	if len(p) >= batchLimit {
		return b.w.Write(p)
	}
	if b.buf == nil {
		b.buf = make([]byte, 0, batchLimit)
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes what was gathered.
func (b *batchWriter) Flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// pending is the number of bytes gathered and not yet written.
func (b *batchWriter) pending() int { return len(b.buf) }
