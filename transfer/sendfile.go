package transfer

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sendFile streams entry i: fileBegin, data frames, fileEnd. It does not wait
// for the receiver's ack; drainAcks picks acks up between frames. A file that
// changed since the manifest was made is aborted instead (sendabort.go).
func (s *sender) sendFile(ctx context.Context, i int) error {
	s.current = i
	e := s.m.Entries[i]
	rc, off, err := s.openFrom(ctx, i)
	if errors.Is(err, ErrSourceChanged) {
		return s.abortFile(i, err) // changed before its turn
	}
	if err != nil {
		return err
	}
	if e.Size < 0 {
		rc = newStallReader(ctx, s.ib.exited, rc) // a stream may block in Read: ctx and the receiver must still stop Send
	}
	defer func() { rc.Close() }()

	begin := indexOffset{index: uint32(i), offset: uint64(off)}
	if err := s.fb.write(s.out, frameFileBegin, appendIndexOffset(nil, begin)); err != nil {
		return err
	}
	s.resumed += off
	if hr, ok := s.progress.(HeldReporter); ok && off > 0 {
		hr.Resumed(e.Path, off, off == e.Size)
	}
	s.reportProgress()
	if s.comp != nil {
		s.comp.startFile()
	}
	off, short, err := s.sendData(ctx, rc, i, off)
	if err != nil {
		return err
	}
	if err := checkUnchanged(rc, e, off, short); err != nil {
		return s.abortFile(i, err)
	}
	end := fileSum{index: uint32(i), size: uint64(off)}
	s.hash.Sum(end.sum[:0])
	if err := s.fb.write(s.out, frameFileEnd, appendFileSum(nil, end)); err != nil {
		return err
	}
	s.pending = append(s.pending, sentFile{sum: end})
	s.bytes += off
	return s.drainAcks()
}

// openFrom opens entry i and says where its data starts: after the prefix
// the receiver holds when that prefix is the same bytes (s.hash has taken
// them in), else at 0 (s.hash reset). Errors wrap ErrSourceChanged for a
// file that changed before its turn.
func (s *sender) openFrom(ctx context.Context, i int) (io.ReadCloser, int64, error) {
	rc, err := s.openEntry(ctx, i)
	if err != nil {
		return nil, 0, err
	}
	s.hash.Reset()
	h, ok := s.haves[uint32(i)]
	if !ok {
		return rc, 0, nil
	}
	if s.prefixMatches(rc, h) {
		return rc, int64(h.offset), nil
	}
	// The receiver holds other bytes: start again from the beginning.
	rc.Close()
	s.hash.Reset()
	if rc, err = s.openEntry(ctx, i); err != nil {
		return nil, 0, err
	}
	return rc, 0, nil
}

func (s *sender) openEntry(ctx context.Context, i int) (io.ReadCloser, error) {
	rc, err := s.src.Open(ctx, i)
	if err != nil && !errors.Is(err, ErrSourceChanged) {
		err = fmt.Errorf("cannot read %s: %w", quoteName(s.m.Entries[i].Path), err)
	}
	return rc, err
}

// sendData sends entry i's data from rc, from off on: slices read ahead
// into free slots (compressed where that pays: sendpipe.go) and written
// oldest first, picking up acks between them. It returns the offset
// reached, and short when the file ended before its announced size.
func (s *sender) sendData(ctx context.Context, rc io.Reader, i int, off int64) (end int64, short bool, err error) {
	size := s.m.Entries[i].Size
	s.queue = s.queue[:0]
	eof := false
	for {
		for !eof && s.readAhead(size) {
			if err := ctx.Err(); err != nil {
				return off, short, err
			}
			var n int
			n, eof, err = s.readSlice(rc, i, off)
			off += int64(n)
			if err != nil {
				return off, short, err
			}
			short = eof && size >= 0 && off < size // it shrank: checkUnchanged says so
		}
		if len(s.queue) == 0 {
			return off, short, nil
		}
		if err := s.writeOldest(); err != nil {
			return off, short, err
		}
		if err := s.drainAcks(); err != nil {
			return off, short, err
		}
	}
}

// readSlice reads entry i's next slice, at off, into a free slot, feeds it to
// s.hash and queues it. It returns the bytes read, and eof once the file (or
// its announced size) ended.
func (s *sender) readSlice(rc io.Reader, i int, off int64) (n int, eof bool, err error) {
	e := s.m.Entries[i]
	var try bool
	var gen uint64
	if s.comp != nil {
		try, gen = s.comp.dispatch()
	}
	want := s.chunk
	if try {
		want = s.zchunk
	}
	if e.Size >= 0 {
		want = int(min(int64(want), e.Size-off))
		if want == 0 {
			return 0, true, nil
		}
	}
	sl := s.take()
	data := sl.payload(want)
	n, eof, rerr := readFull(rc, data)
	if n > 0 {
		s.free = s.free[:len(s.free)-1]
		s.hash.Write(data[:n])
		if err := s.queueSlice(sl, indexOffset{index: uint32(i), offset: uint64(off)}, n, try, gen); err != nil {
			return 0, false, err
		}
	}
	if errors.Is(rerr, errReceiverGone) {
		if err := s.drainAcks(); err != nil {
			return n, false, err // why the receiver stopped: the inbox has exited
		}
		return n, false, fmt.Errorf("%w: the receiver stopped answering", ErrPeerClosed)
	}
	if rerr != nil {
		return n, false, fmt.Errorf("cannot read %s: %w", quoteName(e.Path), rerr)
	}
	return n, eof, nil
}

// prefixMatches hashes the first h.offset bytes of rc into s.hash and reports
// whether they are the bytes the receiver holds. s.hash then goes on to cover
// the whole file.
func (s *sender) prefixMatches(rc io.Reader, h haveRecord) bool {
	n, err := io.CopyBuffer(s.hash, io.LimitReader(rc, int64(h.offset)), s.take().buf)
	if err != nil || n != int64(h.offset) {
		return false
	}
	var sum [32]byte
	s.hash.Sum(sum[:0])
	return sum == h.sum
}
