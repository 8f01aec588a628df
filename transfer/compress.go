package transfer

import (
	"errors"
	"fmt"
	"math"
	"sync"

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

// compressor is the sender's side: a zstd encoder shared by a few workers
// that compress slices while the sender writes earlier ones (sendpipe.go),
// and the adaptive state of the file being sent, which only the sender's
// goroutine touches. The encoder and the workers are made at the first slice
// that looks compressible: random data never costs their memory (about 1 MiB
// of tables, which would make the collector run more often).
type compressor struct {
	slice   int // longest slice
	workers int
	enc     *zstd.Encoder // nil until start
	jobs    chan *slot    // slices to compress, for the workers
	wg      sync.WaitGroup

	skip int    // slices still to send as they are
	miss int    // length of the current run of misses
	gen  uint64 // bumped at each miss: results of older tries are stale
	hit  bool   // the last result recorded in this file was a hit
}

// newCompressor returns a compressor for slices of at most slice bytes, with
// workers goroutines once started.
func newCompressor(slice, workers int) *compressor {
	return &compressor{slice: slice, workers: workers}
}

// start makes the encoder and the workers, once.
func (c *compressor) start() error {
	if c.enc != nil {
		return nil
	}
	// Each slice is a frame of its own, so the window need not be larger
	// than a slice: zstd's default (8 MiB) would cost a 4 MiB history
	// buffer, as much as pion's whole send queue.
	window := zstd.MinWindowSize
	for window < c.slice && window < zstd.MaxWindowSize {
		window *= 2
	}
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(c.workers), // EncodeAll calls at once
		zstd.WithLowerEncoderMem(true),
		zstd.WithWindowSize(window),
		zstd.WithEncoderCRC(false), // the frame's CRC-32C covers it
		zstd.WithZeroFrames(false),
	)
	if err != nil {
		return fmt.Errorf("starting the compressor: %w", err)
	}
	c.enc = enc
	c.jobs = make(chan *slot, maxPipeDepth)
	c.wg.Add(c.workers)
	for range c.workers {
		go c.work()
	}
	return nil
}

// work compresses slices until close.
func (c *compressor) work() {
	defer c.wg.Done()
	for sl := range c.jobs {
		sl.compress(c)
		sl.done <- struct{}{}
	}
}

// close stops the workers, once they finished the slices they hold, and
// releases the encoder.
func (c *compressor) close() {
	if c.enc == nil {
		return
	}
	close(c.jobs)
	c.wg.Wait()
	c.enc.Close()
}

// zEntropyMax is the order-0 entropy, in bits per byte, above which a slice
// is not worth a try: random, encrypted or already compressed data measure
// 7.9 and more, text 4 to 6, executables about 6. Below 7 bits a Huffman
// code alone would shrink a slice to 7/8; LZ matches can do more.
const zEntropyMax = 7.6

// looksCompressible estimates, from four samples of 4 KiB across p (or all
// of a shorter p), whether zstd could shrink it: a byte histogram, a few
// microseconds, where a try costs a millisecond.
func looksCompressible(p []byte) bool {
	const window, windows = 4 << 10, 4
	var counts [256]uint32
	n := 0
	if len(p) <= window*windows {
		for _, b := range p {
			counts[b]++
		}
		n = len(p)
	} else {
		step := (len(p) - window) / (windows - 1)
		for i := range windows {
			for _, b := range p[i*step : i*step+window] {
				counts[b]++
			}
		}
		n = window * windows
	}
	if n == 0 {
		return false
	}
	bits := 0.0
	for _, c := range counts {
		if c > 0 {
			f := float64(c) / float64(n)
			bits -= f * math.Log2(f)
		}
	}
	return bits <= zEntropyMax
}

// startFile resets the state for a new file: its first slice is the sample.
func (c *compressor) startFile() {
	c.skip, c.miss, c.hit = 0, 0, false
}

// paying reports whether the last slice of this file whose result is known
// shrank: only then does the sender read ahead to keep the workers busy, so
// that a file that does not compress never holds more than a slice or two.
func (c *compressor) paying() bool { return c.hit }

// trying reports whether the next slice would be compressed.
func (c *compressor) trying() bool { return c.skip == 0 }

// dispatch decides whether to compress the next slice (the sender then
// reads a longer one), and returns the generation to record its result
// with. record reports, in order, whether a compressed slice shrank enough.
// After a miss, slices go as they are for a while; the tries already in
// flight then are not counted, so that one stretch of random data is one
// miss however many workers met it.
func (c *compressor) dispatch() (try bool, gen uint64) {
	if c.skip > 0 {
		c.skip--
		return false, c.gen
	}
	return true, c.gen
}

func (c *compressor) record(hit bool, gen uint64) {
	switch {
	case gen != c.gen:
		// dispatched before the last miss was recorded
	case hit:
		c.miss, c.hit = 0, true
	default:
		c.hit = false
		c.miss++
		c.skip = min(1<<(c.miss-1), zMaxSkip)
		c.gen++
	}
}

// encode appends the compressed form of data to dst; hit says whether it
// shrank to zGain/8 of data or less. Workers call it concurrently.
func (c *compressor) encode(dst, data []byte) (out []byte, hit bool) {
	out = c.enc.EncodeAll(data, dst)
	return out, len(out)-len(dst) <= len(data)*zGain/8
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
