package transfer

import (
	"errors"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// Adaptive compression (protocol version 2, frameDataZ). The data channel is
// the bottleneck of a transfer (pion's per-packet work costs far more CPU
// than zstd's fastest level), so every byte compression saves on the wire is
// time saved, as long as compressing is cheap when it does not pay: the
// sender compresses a file's first slice as a sample, keeps compressing while
// slices shrink, and after a slice that does not shrink (already compressed
// or random data) sends the file's next slices as they are, trying again
// after 1, 2, 4 ... 64 slices, so that a file mixing text and compressed
// parts (a tar, a disk image) still gains where it can.

const (
	// zGain is the largest compressed size, as a fraction zGain/8 of the
	// slice, for which the compressed form is sent.
	zGain = 7
	// zMaxSkip is the longest run of slices sent as they are before the
	// compressor tries again.
	zMaxSkip = 64
	// zSliceFactor: compressed slices are this many data chunks long (up to
	// MaxChunkSize), as longer slices compress better (Go sources: 3.9x in
	// 64 KiB slices, 4.2x in 256 KiB ones).
	zSliceFactor = 4
)

// compressor is the sender's side: one zstd encoder, and the state of the
// file being sent.
type compressor struct {
	enc  *zstd.Encoder
	skip int // slices still to send as they are
	miss int // length of the current run of misses
}

// newCompressor makes a compressor for slices of at most slice bytes.
func newCompressor(slice int) (*compressor, error) {
	// Each slice is a frame of its own, so the window need not be larger
	// than a slice: zstd's default (8 MiB) would cost a 4 MiB history
	// buffer, as much as pion's whole send queue.
	window := zstd.MinWindowSize
	for window < slice && window < zstd.MaxWindowSize {
		window *= 2
	}
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(1),
		zstd.WithLowerEncoderMem(true),
		zstd.WithWindowSize(window),
		zstd.WithEncoderCRC(false), // the frame's CRC-32C covers it
		zstd.WithZeroFrames(false),
	)
	if err != nil {
		return nil, fmt.Errorf("starting the compressor: %w", err)
	}
	return &compressor{enc: enc}, nil
}

// startFile resets the state for a new file: its first slice is the sample.
func (c *compressor) startFile() {
	c.skip, c.miss = 0, 0
}

// trying reports whether the next slice should be compressed; the sender
// then reads a longer slice.
func (c *compressor) trying() bool { return c.skip == 0 }

// compress appends the compressed form of data to dst and returns it, or
// returns nil when data does not shrink enough and goes as it is. After nil,
// trying is false for a while.
func (c *compressor) compress(dst, data []byte) []byte {
	if c.skip > 0 {
		c.skip--
		return nil
	}
	out := c.enc.EncodeAll(data, dst)
	if n := len(out) - len(dst); n <= len(data)*zGain/8 {
		c.miss = 0
		return out
	}
	c.miss++
	c.skip = min(1<<(c.miss-1), zMaxSkip)
	return nil
}

// decompressor is the receiver's side. Its decoder never produces more than
// MaxChunkSize bytes from one frame, whatever the frame claims.
type decompressor struct {
	dec *zstd.Decoder
	out []byte
}

func newDecompressor() (*decompressor, error) {
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(MaxChunkSize),
		zstd.WithDecoderMaxWindow(MaxChunkSize),
	)
	if err != nil {
		return nil, fmt.Errorf("starting the decompressor: %w", err)
	}
	return &decompressor{dec: dec, out: make([]byte, 0, DefaultChunkSize)}, nil
}

// errDecompress is why a dataZ frame was refused; the caller says which.
var errDecompress = errors.New("it does not decompress to the announced bytes")

// decompress decodes z, which must decompress to exactly size bytes (at most
// MaxChunkSize, checked by decodeDataZ). The result is valid until the next
// call.
func (d *decompressor) decompress(z []byte, size int) ([]byte, error) {
	if cap(d.out) < size {
		d.out = make([]byte, 0, size)
	}
	out, err := d.dec.DecodeAll(z, d.out[:0])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errDecompress, err)
	}
	if len(out) != size {
		return nil, fmt.Errorf("%w: %d bytes instead of %d", errDecompress, len(out), size)
	}
	if cap(out) <= MaxChunkSize {
		d.out = out // keep what DecodeAll grew, within the bound
	}
	return out, nil
}

// close releases the decoder's buffers.
func (d *decompressor) close() {
	if d != nil {
		d.dec.Close()
	}
}

// close releases the encoder's buffers.
func (c *compressor) close() {
	c.enc.Close()
}
