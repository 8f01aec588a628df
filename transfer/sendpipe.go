package transfer

import (
	"hash/crc32"
	"runtime"
)

// The sender keeps a few slices of the current file in flight: its goroutine
// reads and hashes them in order, the compressor's workers compress the ones
// it tries, and its goroutine writes them in order. Compressing the next
// slices thus overlaps writing the last ones (and pion's work on them). It
// reads ahead only behind a slice being compressed, once compression paid in
// the file: with compression off or not paying (random data) one slice at a
// time is in flight, as before, and the other slots never get buffers (they
// get them when first used); a stream never waits for more input while it
// holds data to send.

const (
	// maxWorkers bounds the compressor's goroutines; maxPipeDepth the
	// slices in flight (maxWorkers+2).
	maxWorkers   = 4
	maxPipeDepth = maxWorkers + 2
)

// slot holds one slice of the file on its way.
type slot struct {
	buf  []byte // a data frame: frame header, data header, payload
	zbuf []byte // a dataZ frame, for slices the compressor tries
	n    int    // payload bytes
	at   indexOffset
	try  bool          // handed to the compressor
	gen  uint64        // the compressor's generation when it was tried
	z    []byte        // the dataZ frame built in zbuf; nil if it did not shrink
	done chan struct{} // (cap 1) compressed, or not tried
}

// makeSlots sets up the sender's slots once the peer's version is known:
// with compression, a worker per CPU (at most maxWorkers) and two slots more.
func (s *sender) makeSlots() error {
	depth := 1
	if !s.noZ && s.version >= compressionVersion {
		workers := min(runtime.GOMAXPROCS(0), maxWorkers)
		s.comp = newCompressor(s.zchunk, workers)
		depth = workers + 2
	}
	for range depth {
		s.slots = append(s.slots, &slot{done: make(chan struct{}, 1)})
	}
	s.free = append(s.free[:0], s.slots...)
	return nil
}

// readAhead reports whether the sender may read another slice while
// slices wait to be sent: only behind one being compressed, while
// compression pays, and never for a stream.
func (s *sender) readAhead(size int64) bool {
	if len(s.queue) == 0 {
		return true
	}
	return size >= 0 && len(s.free) > 0 && s.queue[len(s.queue)-1].try && s.comp.paying()
}

// take returns a free slot, with a buffer for the longest slice.
func (s *sender) take() *slot {
	sl := s.free[len(s.free)-1]
	if sl.buf == nil {
		sl.buf = make([]byte, frameHeaderLen+dataHeaderLen+max(s.chunk, s.zchunk))
	}
	return sl
}

// payload is the slot's payload area, n bytes long.
func (sl *slot) payload(n int) []byte {
	return sl.buf[frameHeaderLen+dataHeaderLen : frameHeaderLen+dataHeaderLen+n]
}

// compress builds the dataZ frame of the slice in zbuf, if the slice
// shrinks. The compressor's workers call it.
func (sl *slot) compress(c *compressor) {
	const hdr = frameHeaderLen + dataZHeaderLen
	out, hit := c.encode(sl.zbuf[:hdr], sl.payload(sl.n))
	if !hit {
		sl.z = nil
		return
	}
	sl.zbuf = out[:0] // keep what the encoder grew
	z := out[hdr:]
	putDataZHeader(out[frameHeaderLen:], dataZHeader{at: sl.at, size: uint32(sl.n), crc: crc32.Checksum(z, castagnoli)})
	out[0] = byte(frameDataZ)
	sl.z = out
}

// frame returns the frame to send, and how many payload bytes it puts on
// the wire: the dataZ frame, or a data frame built around the payload.
func (sl *slot) frame() ([]byte, int) {
	if sl.z != nil {
		return finishFrame(sl.z), len(sl.z) - frameHeaderLen - dataZHeaderLen
	}
	data := sl.payload(sl.n)
	putDataHeader(sl.buf[frameHeaderLen:], sl.at, crc32.Checksum(data, castagnoli))
	f := sl.buf[:frameHeaderLen+dataHeaderLen+sl.n]
	f[0] = byte(frameData)
	return finishFrame(f), sl.n
}

// queueSlice hands a slot that holds a slice, already hashed, to the
// compressor (when try, and the slice looks compressible) or straight to the
// write queue.
func (s *sender) queueSlice(sl *slot, at indexOffset, n int, try bool, gen uint64) error {
	if try && !looksCompressible(sl.payload(n)) {
		s.comp.record(false, gen)
		try = false
	}
	sl.n, sl.at, sl.try, sl.gen, sl.z = n, at, try, gen, nil
	if try {
		if err := s.comp.start(); err != nil {
			return err
		}
		if sl.zbuf == nil {
			// Room for what zstd makes of a slice that does not shrink (a
			// little more than the slice), so that tries never reallocate.
			sl.zbuf = make([]byte, 0, frameHeaderLen+dataZHeaderLen+s.zchunk+s.zchunk/64+1024)
		}
		s.comp.jobs <- sl // never blocks: it has room for every slot
	} else {
		sl.done <- struct{}{}
	}
	s.queue = append(s.queue, sl)
	return nil
}

// writeOldest waits for the oldest slice in flight and sends it.
func (s *sender) writeOldest() error {
	sl := s.queue[0]
	copy(s.queue, s.queue[1:])
	s.queue = s.queue[:len(s.queue)-1]
	<-sl.done
	frame, payload := sl.frame()
	if _, err := s.out.Write(frame); err != nil {
		return writeError(err)
	}
	if sl.try {
		s.comp.record(sl.z != nil, sl.gen)
	}
	s.free = append(s.free, sl)
	s.sent += int64(sl.n)
	s.wire += int64(payload)
	s.reportProgress()
	return nil
}
