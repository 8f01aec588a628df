package transfer

import (
	"bytes"
	"io/fs"
	"reflect"
	"testing"
)

// seedFrames is a conversation's worth of valid frames, plus a few broken ones.
func seedFrames() [][]byte {
	var sum [32]byte
	entries := []Entry{fileEntry("a.txt", 3), {Path: "d", Mode: fs.ModeDir | 0o755}, fileEntry("d/s", -1)}
	var stream []byte
	stream = appendFrame(stream, frameHello, appendHello(nil, localHello(roleSender, "v-test")))
	end, _ := encodeManifest(entries, func(p []byte) error {
		stream = appendFrame(stream, frameManifest, p)
		return nil
	})
	stream = appendFrame(stream, frameManifestEnd, end)
	stream = appendFrame(stream, frameHave, appendHave(nil, haveRecord{index: 0, offset: 1, sum: sum}))
	stream = appendFrame(stream, frameAccept, appendUint32(nil, 1))
	stream = appendFrame(stream, frameFileBegin, appendIndexOffset(nil, indexOffset{0, 1}))
	data := make([]byte, dataHeaderLen+2)
	putDataHeader(data, indexOffset{0, 1}, 7)
	stream = appendFrame(stream, frameData, data)
	dataZ := make([]byte, dataZHeaderLen+3)
	putDataZHeader(dataZ, dataZHeader{at: indexOffset{0, 3}, size: 9, crc: 7})
	stream = appendFrame(stream, frameDataZ, dataZ)
	stream = appendFrame(stream, frameFileEnd, appendFileSum(nil, fileSum{0, 3, sum}))
	stream = appendFrame(stream, frameFileAck, appendFileSum(nil, fileSum{0, 3, sum}))
	stream = appendFrame(stream, frameFileAbort, appendFileAbort(nil, fileAbort{index: 0, kind: kindSourceChanged, msg: "size 1 -> 2 B"}))
	stream = appendFrame(stream, frameDone, appendTotals(nil, totals{2, 3}))
	stream = appendFrame(stream, frameDoneAck, appendTotals(nil, totals{2, 3}))
	stream = appendFrame(stream, frameError, appendErrorFrame(nil, kindIntegrity, "bad \x1b"))
	stream = appendFrame(stream, frameDecline, []byte("no"))
	return [][]byte{
		stream,
		{},
		{byte(frameData), 0xff, 0xff, 0xff, 0xff},           // over the limit
		{0x7f, 0, 0, 0, 0},                                  // unknown type
		{byte(frameManifest), 0, 0, 0, 4, 0xff, 0xff, 0xff}, // cut short
	}
}

// FuzzFrames feeds arbitrary bytes to the frame reader and to the payload
// decoder of every frame it returns: nothing may panic, and no frame may be
// longer than its type allows.
func FuzzFrames(f *testing.F) {
	for _, s := range seedFrames() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr := newFrameReader(bytes.NewReader(b))
		dec := newManifestDecoder(manifestLimits{})
		for {
			typ, p, err := fr.next()
			if err != nil {
				return
			}
			if len(p) > frameLimit(typ) {
				t.Fatalf("%s frame of %d bytes passed its limit %d", typ, len(p), frameLimit(typ))
			}
			switch typ {
			case frameHello:
				decodeHello(p)
			case frameManifest:
				dec.add(p)
			case frameManifestEnd:
				if m, err := dec.finish(p); err == nil {
					checkEntries(m.Entries)
				}
			case frameHave:
				decodeHaves(nil, p)
			case frameAccept:
				decodeUint32(typ, p)
			case frameFileBegin:
				decodeFileBegin(p)
			case frameData:
				decodeData(p)
			case frameDataZ:
				if h, z, err := decodeDataZ(p); err == nil && (h.size == 0 || h.size > MaxChunkSize || len(z) > int(h.size)) {
					t.Fatalf("decodeDataZ let %+v with %d bytes through", h, len(z))
				}
			case frameFileEnd, frameFileAck:
				decodeFileSum(typ, p)
			case frameDone, frameDoneAck:
				decodeTotals(typ, p)
			case frameError:
				if _, msg, err := decodeErrorFrame(p); err == nil {
					escapeText(msg)
				}
			case frameFileAbort:
				if ab, err := decodeFileAbort(p); err == nil {
					escapeText(ab.msg)
				}
			}
		}
	})
}

// FuzzManifest decodes arbitrary manifest frames under small limits. What
// decodes must encode back to the same entries, and every name that
// checkEntries lets through must pass ValidateName.
func FuzzManifest(f *testing.F) {
	entries := []Entry{fileEntry("a.txt", 3), {Path: "d", Mode: fs.ModeDir | 0o700}, fileEntry("d/s", -1), fileEntry("../x", 0)}
	var chunks [][]byte
	end, _ := encodeManifest(entries, func(p []byte) error {
		chunks = append(chunks, append([]byte(nil), p...))
		return nil
	})
	f.Add(chunks[0], end)
	f.Add(chunks[0][:len(chunks[0])-1], end)
	f.Add([]byte{0, 0, 0, 1, 0, 1, 'x', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0, 1, 0xff}, end)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, []byte{})
	f.Add([]byte{0, 0, 0, 0}, make([]byte, 12))
	f.Fuzz(func(t *testing.T, chunk, end []byte) {
		dec := newManifestDecoder(manifestLimits{maxEntries: 100, maxBytes: 1 << 16})
		if err := dec.add(chunk); err != nil {
			return
		}
		m, err := dec.finish(end)
		if err != nil {
			return
		}
		for _, e := range m.Entries {
			if e.Size < -1 || (e.Mode.IsDir() && e.Size != 0) || e.Mode&^(fs.ModeDir|fs.ModePerm) != 0 {
				t.Fatalf("decoded a bad entry %+v", e)
			}
		}
		if checkEntries(m.Entries) == nil {
			for _, e := range m.Entries {
				if ValidateName(e.Path) != nil {
					t.Fatalf("checkEntries let %q through", e.Path)
				}
			}
		}
		again := newManifestDecoder(manifestLimits{})
		end2, _ := encodeManifest(m.Entries, func(p []byte) error { return again.add(p) })
		m2, err := again.finish(end2)
		if err != nil || (len(m.Entries) > 0 && !reflect.DeepEqual(m, m2)) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, m, m2)
		}
	})
}
