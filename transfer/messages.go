package transfer

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Payload encoders append to dst; decoders check the exact length and layout
// documented in protocol.go and wrap every failure in ErrProtocol.

type hello struct {
	minVersion, maxVersion uint16
	role                   uint8
	software               string
}

func appendHello(dst []byte, h hello) []byte {
	sw := h.software
	if len(sw) > 255 {
		sw = sw[:255]
	}
	dst = append(dst, helloMagic[:]...)
	dst = binary.BigEndian.AppendUint16(dst, h.minVersion)
	dst = binary.BigEndian.AppendUint16(dst, h.maxVersion)
	dst = append(dst, h.role, byte(len(sw)))
	return append(dst, sw...)
}

func decodeHello(p []byte) (hello, error) {
	if len(p) < 10 || [4]byte(p[:4]) != helloMagic {
		return hello{}, fmt.Errorf("%w: the peer does not speak the ferry transfer protocol (bad hello)", ErrProtocol)
	}
	h := hello{
		minVersion: binary.BigEndian.Uint16(p[4:]),
		maxVersion: binary.BigEndian.Uint16(p[6:]),
		role:       p[8],
	}
	if n := int(p[9]); len(p) != 10+n {
		return hello{}, fmt.Errorf("%w: hello of %d bytes, its software field says %d", ErrProtocol, len(p), 10+n)
	}
	h.software = string(p[10:])
	if h.minVersion > h.maxVersion {
		return hello{}, fmt.Errorf("%w: hello with versions %d to %d", ErrProtocol, h.minVersion, h.maxVersion)
	}
	return h, nil
}

type haveRecord struct {
	index  uint32
	offset uint64
	sum    [32]byte
}

func appendHave(dst []byte, h haveRecord) []byte {
	dst = binary.BigEndian.AppendUint32(dst, h.index)
	dst = binary.BigEndian.AppendUint64(dst, h.offset)
	return append(dst, h.sum[:]...)
}

// decodeHaves decodes a have frame; it appends to dst.
func decodeHaves(dst []haveRecord, p []byte) ([]haveRecord, error) {
	if len(p) == 0 || len(p)%haveRecordLen != 0 {
		return dst, fmt.Errorf("%w: have frame of %d bytes, not a multiple of %d", ErrProtocol, len(p), haveRecordLen)
	}
	for ; len(p) > 0; p = p[haveRecordLen:] {
		dst = append(dst, haveRecord{
			index:  binary.BigEndian.Uint32(p),
			offset: binary.BigEndian.Uint64(p[4:]),
			sum:    [32]byte(p[12:44]),
		})
	}
	return dst, nil
}

func decodeUint32(t frameType, p []byte) (uint32, error) {
	if len(p) != 4 {
		return 0, fmt.Errorf("%w: %s frame of %d bytes, want 4", ErrProtocol, t, len(p))
	}
	return binary.BigEndian.Uint32(p), nil
}

// indexOffset is the payload of fileBegin, and the header of data frames.
type indexOffset struct {
	index  uint32
	offset uint64
}

func appendIndexOffset(dst []byte, v indexOffset) []byte {
	dst = binary.BigEndian.AppendUint32(dst, v.index)
	return binary.BigEndian.AppendUint64(dst, v.offset)
}

func decodeFileBegin(p []byte) (indexOffset, error) {
	if len(p) != 12 {
		return indexOffset{}, fmt.Errorf("%w: file begin frame of %d bytes, want 12", ErrProtocol, len(p))
	}
	return indexOffset{binary.BigEndian.Uint32(p), binary.BigEndian.Uint64(p[4:])}, nil
}

// putDataHeader fills the 16-byte header of a data frame payload.
func putDataHeader(b []byte, at indexOffset, crc uint32) {
	binary.BigEndian.PutUint32(b, at.index)
	binary.BigEndian.PutUint64(b[4:], at.offset)
	binary.BigEndian.PutUint32(b[12:], crc)
}

func decodeData(p []byte) (at indexOffset, crc uint32, data []byte, err error) {
	if len(p) < dataHeaderLen {
		return at, 0, nil, fmt.Errorf("%w: data frame of %d bytes, shorter than its header", ErrProtocol, len(p))
	}
	at = indexOffset{binary.BigEndian.Uint32(p), binary.BigEndian.Uint64(p[4:])}
	return at, binary.BigEndian.Uint32(p[12:]), p[dataHeaderLen:], nil
}

// dataZHeader is the header of a dataZ frame's payload.
type dataZHeader struct {
	at   indexOffset
	size uint32 // decompressed
	crc  uint32 // of the compressed bytes
}

// putDataZHeader fills the 20-byte header of a dataZ frame payload.
func putDataZHeader(b []byte, h dataZHeader) {
	binary.BigEndian.PutUint32(b, h.at.index)
	binary.BigEndian.PutUint64(b[4:], h.at.offset)
	binary.BigEndian.PutUint32(b[12:], h.size)
	binary.BigEndian.PutUint32(b[16:], h.crc)
}

// decodeDataZ splits a dataZ frame payload; it checks the sizes the layout
// allows, not the CRC or the content.
func decodeDataZ(p []byte) (h dataZHeader, z []byte, err error) {
	if len(p) < dataZHeaderLen {
		return h, nil, fmt.Errorf("%w: compressed data frame of %d bytes, shorter than its header", ErrProtocol, len(p))
	}
	h = dataZHeader{
		at:   indexOffset{binary.BigEndian.Uint32(p), binary.BigEndian.Uint64(p[4:])},
		size: binary.BigEndian.Uint32(p[12:]),
		crc:  binary.BigEndian.Uint32(p[16:]),
	}
	z = p[dataZHeaderLen:]
	switch {
	case h.size == 0 || h.size > MaxChunkSize:
		return h, nil, fmt.Errorf("%w: compressed data frame for %d bytes, outside 1 to %d", ErrProtocol, h.size, MaxChunkSize)
	case len(z) == 0 || len(z) > int(h.size):
		return h, nil, fmt.Errorf("%w: compressed data frame of %d bytes for %d bytes of data", ErrProtocol, len(z), h.size)
	}
	return h, z, nil
}

// fileSum is the payload of fileEnd and fileAck.
type fileSum struct {
	index uint32
	size  uint64
	sum   [32]byte
}

func appendFileSum(dst []byte, v fileSum) []byte {
	dst = binary.BigEndian.AppendUint32(dst, v.index)
	dst = binary.BigEndian.AppendUint64(dst, v.size)
	return append(dst, v.sum[:]...)
}

func decodeFileSum(t frameType, p []byte) (fileSum, error) {
	if len(p) != 44 {
		return fileSum{}, fmt.Errorf("%w: %s frame of %d bytes, want 44", ErrProtocol, t, len(p))
	}
	return fileSum{
		index: binary.BigEndian.Uint32(p),
		size:  binary.BigEndian.Uint64(p[4:]),
		sum:   [32]byte(p[12:44]),
	}, nil
}

// totals is the payload of done and doneAck.
type totals struct {
	files uint32
	bytes uint64
}

func appendTotals(dst []byte, v totals) []byte {
	dst = binary.BigEndian.AppendUint32(dst, v.files)
	return binary.BigEndian.AppendUint64(dst, v.bytes)
}

func decodeTotals(t frameType, p []byte) (totals, error) {
	if len(p) != 12 {
		return totals{}, fmt.Errorf("%w: %s frame of %d bytes, want 12", ErrProtocol, t, len(p))
	}
	return totals{binary.BigEndian.Uint32(p), binary.BigEndian.Uint64(p[4:])}, nil
}

// appendText appends a human message, cut to fit an error or decline frame.
func appendText(dst []byte, s string) []byte {
	if len(s) > maxMessageLen-1 {
		s = strings.ToValidUTF8(s[:maxMessageLen-1], "")
	}
	return append(dst, s...)
}

func appendErrorFrame(dst []byte, kind errKind, msg string) []byte {
	return appendText(append(dst, byte(kind)), msg)
}

func decodeErrorFrame(p []byte) (errKind, string, error) {
	if len(p) < 1 {
		return 0, "", fmt.Errorf("%w: empty error frame", ErrProtocol)
	}
	return errKind(p[0]), string(p[1:]), nil
}

// fileAbort is the payload of a fileAbort frame.
type fileAbort struct {
	index uint32
	kind  errKind
	msg   string
}

func appendFileAbort(dst []byte, v fileAbort) []byte {
	dst = binary.BigEndian.AppendUint32(dst, v.index)
	return appendText(append(dst, byte(v.kind)), v.msg)
}

func decodeFileAbort(p []byte) (fileAbort, error) {
	if len(p) < 5 {
		return fileAbort{}, fmt.Errorf("%w: file abort frame of %d bytes, shorter than its header", ErrProtocol, len(p))
	}
	return fileAbort{index: binary.BigEndian.Uint32(p), kind: errKind(p[4]), msg: string(p[5:])}, nil
}
