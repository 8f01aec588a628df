package transfer

import (
	"encoding/binary"
	"fmt"
	"io/fs"
)

const (
	entryKindFile = 0
	entryKindDir  = 1
	entryKindText = 2
)

// MaxTextSize bounds a text message (ferry send --text).
const MaxTextSize = 1 << 20

// checkSendEntry checks an entry that a Source offers before it goes on the wire.
func checkSendEntry(e Entry) error {
	if err := ValidateName(e.Path); err != nil {
		return err
	}
	switch {
	case e.Mode.Type() != 0 && e.Mode.Type() != fs.ModeDir:
		return fmt.Errorf("%s is a %v, only regular files and directories can be sent", quoteName(e.Path), e.Mode.Type())
	case e.Mode.IsDir() && e.Size != 0:
		return fmt.Errorf("directory %s has a size of %d", quoteName(e.Path), e.Size)
	case e.Text && (e.Mode.IsDir() || e.Size < 0 || e.Size > MaxTextSize):
		return fmt.Errorf("a text message must have a known size of at most %s", HumanBytes(MaxTextSize))
	case e.Size < -1 || e.Size > maxFileSize:
		return fmt.Errorf("%s has an invalid size %d", quoteName(e.Path), e.Size)
	}
	return nil
}

// appendEntry appends the wire form of e (see frameManifest).
func appendEntry(dst []byte, e Entry) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(e.Path)))
	dst = append(dst, e.Path...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.Size))
	kind := byte(entryKindFile)
	switch {
	case e.Mode.IsDir():
		kind = entryKindDir
	case e.Text:
		kind = entryKindText
	}
	dst = append(dst, kind)
	return binary.BigEndian.AppendUint16(dst, uint16(e.Mode.Perm()))
}

// encodeManifest calls emit with the payload of each manifest frame, each at
// most about manifestChunkSize bytes, then returns the manifestEnd payload.
// The payload passed to emit is reused afterwards.
func encodeManifest(entries []Entry, emit func(payload []byte) error) ([]byte, error) {
	var total int64
	buf := make([]byte, 4, manifestChunkSize+entryFixedLen+MaxPathLen)
	count := uint32(0)
	flush := func() error {
		binary.BigEndian.PutUint32(buf, count)
		err := emit(buf)
		buf, count = buf[:4], 0
		return err
	}
	for _, e := range entries {
		if len(buf)+entryFixedLen+len(e.Path) > manifestChunkSize && count > 0 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		buf = appendEntry(buf, e)
		count++
		if e.Size > 0 {
			total += e.Size
		}
	}
	if count > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	end := binary.BigEndian.AppendUint32(nil, uint32(len(entries)))
	return binary.BigEndian.AppendUint64(end, uint64(total)), nil
}

// manifestLimits bounds what a receiver accepts; zero fields mean the defaults.
type manifestLimits struct {
	maxEntries int
	maxBytes   int
}

func (l manifestLimits) withDefaults() manifestLimits {
	if l.maxEntries <= 0 {
		l.maxEntries = MaxEntries
	}
	if l.maxBytes <= 0 {
		l.maxBytes = maxManifestBytes
	}
	return l
}

// manifestDecoder collects manifest frames within limits. It checks the layout,
// sizes and modes; names are checked by checkEntries.
type manifestDecoder struct {
	limits    manifestLimits
	entries   []Entry
	total     int64
	wireBytes int
}

func newManifestDecoder(l manifestLimits) *manifestDecoder {
	return &manifestDecoder{limits: l.withDefaults()}
}

func (d *manifestDecoder) add(p []byte) error {
	d.wireBytes += len(p)
	if d.wireBytes > d.limits.maxBytes {
		return fmt.Errorf("%w: the manifest is over %s, the limit; send fewer files at once",
			ErrProtocol, HumanBytes(int64(d.limits.maxBytes)))
	}
	if len(p) < 4 {
		return fmt.Errorf("%w: manifest frame of %d bytes", ErrProtocol, len(p))
	}
	count := int(binary.BigEndian.Uint32(p))
	p = p[4:]
	if count > len(p)/entryFixedLen {
		return fmt.Errorf("%w: manifest frame announces %d entries in %d bytes", ErrProtocol, count, len(p))
	}
	if len(d.entries)+count > d.limits.maxEntries {
		return fmt.Errorf("%w: the manifest has more than %d entries, the limit; send fewer files at once",
			ErrProtocol, d.limits.maxEntries)
	}
	for range count {
		if len(p) < 2 {
			return fmt.Errorf("%w: manifest frame cut inside an entry", ErrProtocol)
		}
		n := int(binary.BigEndian.Uint16(p))
		if len(p) < entryFixedLen+n {
			return fmt.Errorf("%w: manifest frame cut inside an entry", ErrProtocol)
		}
		e := Entry{Path: string(p[2 : 2+n])}
		q := p[2+n:]
		e.Size = int64(binary.BigEndian.Uint64(q))
		kind, perm := q[8], binary.BigEndian.Uint16(q[9:])
		p = q[entryFixedLen-2:]
		if perm > 0o777 {
			return fmt.Errorf("%w: entry %s has mode %#o, beyond the permission bits", ErrProtocol, quoteName(e.Path), perm)
		}
		e.Mode = fs.FileMode(perm)
		switch kind {
		case entryKindFile:
		case entryKindDir:
			if e.Size != 0 {
				return fmt.Errorf("%w: directory %s has a size of %d", ErrProtocol, quoteName(e.Path), e.Size)
			}
			e.Mode |= fs.ModeDir
		case entryKindText:
			if e.Size < 0 || e.Size > MaxTextSize {
				return fmt.Errorf("%w: a text message of %d bytes; the limit is %s", ErrProtocol, e.Size, HumanBytes(MaxTextSize))
			}
			e.Text = true
		default:
			return fmt.Errorf("%w: entry %s has unknown kind %d", ErrProtocol, quoteName(e.Path), kind)
		}
		if e.Size < -1 || e.Size > maxFileSize {
			return fmt.Errorf("%w: entry %s has an invalid size %d", ErrProtocol, quoteName(e.Path), e.Size)
		}
		if e.Size > 0 {
			d.total += e.Size
		}
		d.entries = append(d.entries, e)
	}
	if len(p) != 0 {
		return fmt.Errorf("%w: %d bytes after the last entry of a manifest frame", ErrProtocol, len(p))
	}
	return nil
}

// finish checks the manifestEnd payload against what was collected.
func (d *manifestDecoder) finish(p []byte) (Manifest, error) {
	if len(p) != 12 {
		return Manifest{}, fmt.Errorf("%w: manifest end frame of %d bytes, want 12", ErrProtocol, len(p))
	}
	count, total := binary.BigEndian.Uint32(p), int64(binary.BigEndian.Uint64(p[4:]))
	if int(count) != len(d.entries) || total != d.total {
		return Manifest{}, fmt.Errorf("%w: the manifest announced %d entries and %d bytes, but listed %d entries and %d bytes",
			ErrProtocol, count, total, len(d.entries), d.total)
	}
	for _, e := range d.entries {
		if e.Text && len(d.entries) != 1 {
			return Manifest{}, fmt.Errorf("%w: a text message must be the only entry of a manifest", ErrProtocol)
		}
	}
	return Manifest{Entries: d.entries, TotalBytes: d.total}, nil
}
