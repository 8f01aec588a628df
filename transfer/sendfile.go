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
			if rc, err = s.src.Open(ctx, i); err != nil {
				return fmt.Errorf("cannot read %s: %w", quoteName(e.Path), err)
			}
			s.hash.Reset()
		}
	}
	begin := indexOffset{index: uint32(i), offset: uint64(off)}
	if err := s.fb.write(s.conn, frameFileBegin, appendIndexOffset(nil, begin)); err != nil {
		return err
	}
	s.resumed += off
	s.reportProgress()
	if s.comp != nil {
		s.comp.startFile()
	}

	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := s.chunk
		if s.comp != nil && s.comp.trying() {
			want = s.zchunk
		}
		if e.Size >= 0 {
			want = int(min(int64(want), e.Size-off))
			if want == 0 {
				break
			}
		}
		data := s.buf[frameHeaderLen+dataHeaderLen : frameHeaderLen+dataHeaderLen+want]
		n, rerr := io.ReadFull(rc, data)
		if n > 0 {
			if err := s.writeSlice(uint32(i), off, data[:n]); err != nil {
				return err
			}
			off += int64(n)
			if err := s.drainAcks(); err != nil {
				return err
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			if e.Size >= 0 && off < e.Size {
				return fmt.Errorf("%s shrank while it was being sent: it ended after %d of its %d bytes; send it again when it no longer changes",
					quoteName(e.Path), off, e.Size)
			}
			break
		}
		if rerr != nil {
			return fmt.Errorf("cannot read %s: %w", quoteName(e.Path), rerr)
		}
	}

	end := fileSum{index: uint32(i), size: uint64(off)}
	s.hash.Sum(end.sum[:0])
	if err := s.fb.write(s.conn, frameFileEnd, appendFileSum(nil, end)); err != nil {
		return err
	}
	s.pending = append(s.pending, end)
	s.bytes += off
	return s.drainAcks()
}

// writeSlice hashes one slice of the file, which s.buf's payload area holds,
// and sends it compressed (a dataZ frame) when that pays, or else as it is
// (a data frame built around it in s.buf).
func (s *sender) writeSlice(index uint32, off int64, data []byte) error {
	s.hash.Write(data)
	at := indexOffset{index: index, offset: uint64(off)}
	frame, payload := s.compressed(at, data)
	if frame == nil {
		putDataHeader(s.buf[frameHeaderLen:], at, crc32.Checksum(data, castagnoli))
		frame = s.buf[:frameHeaderLen+dataHeaderLen+len(data)]
		frame[0] = byte(frameData)
		payload = len(data)
	}
	if _, err := s.conn.Write(finishFrame(frame)); err != nil {
		return writeError(err)
	}
	s.sent += int64(len(data))
	s.wire += int64(payload)
	s.reportProgress()
	return nil
}

// compressed builds a dataZ frame of data in s.zbuf, or returns nil when
// compression is off or data does not shrink. payload is the compressed
// length.
func (s *sender) compressed(at indexOffset, data []byte) (frame []byte, payload int) {
	if s.comp == nil {
		return nil, 0
	}
	const hdr = frameHeaderLen + dataZHeaderLen
	if cap(s.zbuf) < hdr {
		// Room for what zstd makes of a slice that does not shrink (a
		// little more than the slice), so that tries never reallocate.
		s.zbuf = make([]byte, hdr, hdr+s.zchunk+s.zchunk/64+1024)
	}
	out := s.comp.compress(s.zbuf[:hdr], data)
	if out == nil {
		return nil, 0
	}
	s.zbuf = out[:0] // keep what the encoder grew
	z := out[hdr:]
	putDataZHeader(out[frameHeaderLen:], dataZHeader{at: at, size: uint32(len(data)), crc: crc32.Checksum(z, castagnoli)})
	out[0] = byte(frameDataZ)
	return out, len(z)
}

// prefixMatches hashes the first h.offset bytes of rc into s.hash and reports
// whether they are the bytes the receiver holds. s.hash then goes on to cover
// the whole file.
func (s *sender) prefixMatches(rc io.Reader, h haveRecord) bool {
	n, err := io.CopyBuffer(s.hash, io.LimitReader(rc, int64(h.offset)), s.buf)
	if err != nil || n != int64(h.offset) {
		return false
	}
	var sum [32]byte
	s.hash.Sum(sum[:0])
	return sum == h.sum
}
