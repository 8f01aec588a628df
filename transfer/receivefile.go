package transfer

import (
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path"
	"strings"
	"syscall"
)

// incoming is the file being received.
type incoming struct {
	index int
	entry Entry
	f     *os.File  // the temporary file (tempName); nil when an identical NAME is kept
	w     io.Writer // f, or what a test wraps it in
	hash  hash.Hash
	off   int64 // bytes held so far
}

// receiveFiles reads fileBegin, data and fileEnd frames up to done.
func (r *receiver) receiveFiles(ctx context.Context) error {
	want := nextFile(r.m, -1)
	for {
		if r.fr.br.Buffered() == 0 && r.out.pending() > 0 {
			// The next frame may be a while: the acks gathered go now.
			if err := r.out.Flush(); err != nil {
				return writeError(err)
			}
		}
		t, p, err := r.fr.next()
		if err != nil {
			return err
		}
		switch {
		case t == frameError:
			return r.remote(p)
		case t == frameFileBegin && r.cur == nil:
			at, err := decodeFileBegin(p)
			if err != nil {
				return err
			}
			if want < 0 || at.index != uint32(want) {
				return fmt.Errorf("%w: the sender started entry %d out of order", ErrProtocol, at.index)
			}
			if err := r.beginFile(want, at.offset); err != nil {
				return err
			}
		case t == frameData && r.cur != nil:
			at, crc, data, err := decodeData(p)
			if err != nil {
				return err
			}
			if err := r.writeData(at, crc, data); err != nil {
				return err
			}
		case t == frameDataZ && r.cur != nil && r.version >= compressionVersion:
			h, z, err := decodeDataZ(p)
			if err != nil {
				return err
			}
			if err := r.writeDataZ(h, z); err != nil {
				return err
			}
		case t == frameFileEnd && r.cur != nil:
			end, err := decodeFileSum(t, p)
			if err != nil {
				return err
			}
			if err := r.endFile(end); err != nil {
				return err
			}
			want = nextFile(r.m, want)
		case t == frameFileAbort && r.version >= abortVersion: // receiveabort.go
			if err := r.abortFile(want, p); err != nil {
				return err
			}
			want = nextFile(r.m, want)
		case t == frameDone && r.cur == nil && want < 0:
			tot, err := decodeTotals(t, p)
			if err != nil {
				return err
			}
			if tot.files != uint32(r.files) || tot.bytes != uint64(r.bytes) {
				return fmt.Errorf("%w: the sender says it sent %d files and %d bytes, %d and %d were received",
					ErrProtocol, tot.files, tot.bytes, r.files, r.bytes)
			}
			if err := r.finishDirs(); err != nil {
				return err
			}
			if err := r.fb.write(r.out, frameDoneAck, appendTotals(nil, tot)); err != nil {
				return err
			}
			if err := r.out.Flush(); err != nil {
				return writeError(err)
			}
			return nil
		default:
			return fmt.Errorf("%w: unexpected %s frame from the sender", ErrProtocol, t)
		}
	}
}

// beginFile opens NAME's temporary file (or keeps an identical NAME) at
// offset, which is 0 or the offset of what we offered in a have record: a new
// temporary file is created exclusively, a held one is checked again as it is
// opened (partfile.go).
func (r *receiver) beginFile(i int, offset uint64) error {
	e := r.m.Entries[i]
	in := &incoming{index: i, entry: e, hash: sha256.New()}
	held := r.held[i]
	if offset != 0 && (held == nil || uint64(held.offset) != offset) {
		return fmt.Errorf("%w: the sender resumes %s at byte %d, which was not offered", ErrProtocol, quoteName(e.Path), offset)
	}
	r.noteHeld(i, offset) // resumenote.go
	if r.sink != nil {
		if es, ok := r.sink.(*entrySink); ok {
			if err := es.begin(e); err != nil {
				return err
			}
		}
		in.w = r.sink
		r.cur = in
		r.reportProgress()
		return nil
	}
	if err := r.mkdirAll(path.Dir(e.Path)); err != nil {
		return err
	}
	if _, err := r.checkTemp(e.Path); err != nil {
		return err
	}
	part := tempName(e.Path)
	if offset > 0 {
		if err := in.hash.(encoding.BinaryUnmarshaler).UnmarshalBinary(held.state); err != nil {
			return fmt.Errorf("cannot resume %s: %w", quoteName(e.Path), err)
		}
		in.off = held.offset
		r.resumed += held.offset
		if held.final {
			r.cur = in // identical bytes are already in place; nothing to write
			return nil
		}
	}
	var f *os.File
	var err error
	if offset > 0 {
		f, err = r.openOwned(part, os.O_WRONLY)
	} else {
		f, err = r.createTemp(part)
	}
	if err != nil {
		return diskError(e.Path, err)
	}
	in.f, in.w = f, f
	r.cur = in // from here on, fail closes or removes the temporary file
	if offset > 0 {
		if err := f.Truncate(in.off); err != nil {
			return diskError(e.Path, err)
		}
		if _, err := f.Seek(in.off, io.SeekStart); err != nil {
			return diskError(e.Path, err)
		}
	}
	if r.opts.wrapWriter != nil {
		in.w = r.opts.wrapWriter(f)
	}
	r.reportProgress()
	return nil
}

// writeData checks one data frame and appends it to the current file.
func (r *receiver) writeData(at indexOffset, crc uint32, data []byte) error {
	if err := r.checkSlice(at, int64(len(data))); err != nil {
		return err
	}
	if crc32.Checksum(data, castagnoli) != crc {
		return fmt.Errorf("%w: %s: CRC-32C mismatch in the %d bytes at byte %d", ErrIntegrity, quoteName(r.cur.entry.Path), len(data), at.offset)
	}
	r.wire += int64(len(data))
	return r.write(data)
}

// writeDataZ checks one dataZ frame, decompresses it and appends it to the
// current file. Everything is checked before decompressing, and the
// decompressor stops at the announced size.
func (r *receiver) writeDataZ(h dataZHeader, z []byte) error {
	if err := r.checkSlice(h.at, int64(h.size)); err != nil {
		return err
	}
	name := quoteName(r.cur.entry.Path)
	if crc32.Checksum(z, castagnoli) != h.crc {
		return fmt.Errorf("%w: %s: CRC-32C mismatch in the %d compressed bytes for byte %d", ErrIntegrity, name, len(z), h.at.offset)
	}
	if r.dz == nil {
		var err error
		if r.dz, err = newDecompressor(); err != nil {
			return err
		}
	}
	data, err := r.dz.decompress(z, int(h.size))
	if err != nil {
		return fmt.Errorf("%w: %s: the compressed data for byte %d was refused: %w", ErrIntegrity, name, h.at.offset, err)
	}
	r.wire += int64(len(z))
	return r.write(data)
}

// checkSlice checks that n bytes at at continue the current file within
// its announced size.
func (r *receiver) checkSlice(at indexOffset, n int64) error {
	in := r.cur
	e := in.entry
	switch {
	case at.index != uint32(in.index):
		return fmt.Errorf("%w: data for entry %d while receiving %s", ErrProtocol, at.index, quoteName(e.Path))
	case at.offset != uint64(in.off):
		return fmt.Errorf("%w: data for %s at byte %d, expected byte %d", ErrProtocol, quoteName(e.Path), at.offset, in.off)
	case e.Size >= 0 && in.off+n > e.Size:
		return fmt.Errorf("%w: %s: the sender sent more than the %d bytes it announced", ErrIntegrity, quoteName(e.Path), e.Size)
	case e.Size < 0 && in.off+n > maxFileSize:
		return fmt.Errorf("%w: %s: the sender sent more than %d bytes", ErrIntegrity, quoteName(e.Path), int64(maxFileSize))
	case in.w == nil:
		return fmt.Errorf("%w: data for %s, which was complete", ErrProtocol, quoteName(e.Path))
	}
	return nil
}

// write appends checked bytes to the current file.
func (r *receiver) write(data []byte) error {
	in := r.cur
	if _, err := in.w.Write(data); err != nil {
		return diskError(in.entry.Path, err)
	}
	in.hash.Write(data)
	in.off += int64(len(data))
	r.written += int64(len(data))
	r.reportProgress()
	return nil
}

// endFile verifies the current file against the sender's size and SHA-256,
// moves it into place and acknowledges it.
func (r *receiver) endFile(end fileSum) error {
	in := r.cur
	e := in.entry
	var sum [32]byte
	in.hash.Sum(sum[:0])
	switch {
	case end.index != uint32(in.index):
		return fmt.Errorf("%w: end of entry %d while receiving %s", ErrProtocol, end.index, quoteName(e.Path))
	case e.Size >= 0 && in.off != e.Size:
		return fmt.Errorf("%w: %s: the sender announced %d bytes but sent %d", ErrIntegrity, quoteName(e.Path), e.Size, in.off)
	case end.size != uint64(in.off):
		return fmt.Errorf("%w: %s: the sender says the file has %d bytes, %d were received", ErrIntegrity, quoteName(e.Path), end.size, in.off)
	case end.sum != sum:
		return fmt.Errorf("%w: %s: SHA-256 mismatch: the sender's file hashes to %x, the received bytes to %x", ErrIntegrity, quoteName(e.Path), end.sum, sum)
	}
	if r.sink != nil {
		if err := r.sink.verified(); err != nil {
			return err
		}
	}
	if in.f != nil {
		part := tempName(e.Path)
		if err := in.f.Chmod(r.finalMode(e)); err != nil {
			return diskError(e.Path, err)
		}
		if err := in.f.Sync(); err != nil {
			return diskError(e.Path, err)
		}
		err := in.f.Close()
		in.f = nil
		if err != nil {
			return diskError(e.Path, err)
		}
		if err := r.root.Rename(part, e.Path); err != nil {
			return fmt.Errorf("cannot move %s into place: %w", quoteName(part), err)
		}
	}
	r.cur = nil
	r.files++
	r.bytes += in.off
	if r.opts.Progress != nil {
		r.opts.Progress.FileDone(FileResult{Path: e.Path, Size: in.off, SHA256: hex.EncodeToString(sum[:])})
	}
	ack := fileSum{index: uint32(in.index), size: uint64(in.off), sum: sum}
	return r.fb.write(r.out, frameFileAck, appendFileSum(nil, ack))
}

// closeCurrent closes the file being received when the transfer fails: after
// an integrity failure its temporary file is removed, otherwise it is kept to
// resume.
// It returns a note for the error message.
func (r *receiver) closeCurrent(err error) string {
	in := r.cur
	if es, ok := r.sink.(*entrySink); ok && in != nil {
		es.abort(err)
	}
	if in == nil || in.f == nil {
		return ""
	}
	part := tempName(in.entry.Path)
	in.f.Sync()
	in.f.Close()
	in.f = nil
	if errors.Is(err, ErrIntegrity) {
		if rerr := r.root.Remove(part); rerr != nil {
			return fmt.Sprintf("; could not remove %s: %v", quoteName(part), rerr)
		}
		return fmt.Sprintf("; %s was removed", quoteName(part))
	}
	note := fmt.Sprintf("; the %s received so far are kept in %s", HumanBytes(in.off), quoteName(part))
	if !strings.Contains(err.Error(), "to resume") {
		note += ": receive again into the same directory (the sender sends again, with any code) to resume"
	}
	return note
}

// diskError explains a failed write to name, spelling out a full disk.
func diskError(name string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("disk full while writing %s: free space, then receive again into the same directory to resume", quoteName(name))
	}
	return fmt.Errorf("cannot write %s: %w", quoteName(name), err)
}

func (r *receiver) reportProgress() {
	if r.opts.Progress != nil {
		r.opts.Progress.Transferred(r.resumed+r.written, r.m.TotalBytes)
	}
}
