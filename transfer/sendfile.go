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
// for the receiver's ack; drainAcks picks acks up between frames.
func (s *sender) sendFile(ctx context.Context, i int) error {
	s.current = i
	e := s.m.Entries[i]
	rc, err := s.src.Open(ctx, i)
	if errors.Is(err, ErrSourceChanged) {
		return s.abortFile(i, err) // changed before its turn
	}
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", quoteName(e.Path), err)
	}
	defer func() { rc.Close() }()

	s.hash.Reset()
	var off int64
	if h, ok := s.haves[uint32(i)]; ok {
		if s.prefixMatches(rc, h) {
			off = int64(h.offset)
		} else {
			// The receiver holds other bytes: start again from the beginning.
			rc.Close()
			if rc, err = s.src.Open(ctx, i); errors.Is(err, ErrSourceChanged) {
				return s.abortFile(i, err)
			} else if err != nil {
				return fmt.Errorf("cannot read %s: %w", quoteName(e.Path), err)
			}
			s.hash.Reset()
		}
	}
	begin := indexOffset{index: uint32(i), offset: uint64(off)}
	if err := s.fb.write(s.out, frameFileBegin, appendIndexOffset(nil, begin)); err != nil {
		return err
	}
	s.resumed += off
	s.reportProgress()
	if s.comp != nil {
		s.comp.startFile()
	}

	s.queue = s.queue[:0]
	eof, short := false, false
	for {
		for !eof && s.readAhead(e.Size) {
			if err := ctx.Err(); err != nil {
				return err
			}
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
					eof = true
					break
				}
			}
			sl := s.take()
			data := sl.payload(want)
			n, rerr := io.ReadFull(rc, data)
			if n > 0 {
				s.free = s.free[:len(s.free)-1]
				s.hash.Write(data[:n])
				if err := s.queueSlice(sl, indexOffset{index: uint32(i), offset: uint64(off)}, n, try, gen); err != nil {
					return err
				}
				off += int64(n)
			}
			if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
				short = e.Size >= 0 && off < e.Size // it shrank: checked below
				eof = true
			} else if rerr != nil {
				return fmt.Errorf("cannot read %s: %w", quoteName(e.Path), rerr)
			}
		}
		if len(s.queue) == 0 {
			break
		}
		if err := s.writeOldest(); err != nil {
			return err
		}
		if err := s.drainAcks(); err != nil {
			return err
		}
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
