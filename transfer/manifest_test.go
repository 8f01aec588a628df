package transfer

import (
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"testing"
)

func TestManifestOfManyEntriesTravelsInChunks(t *testing.T) {
	entries := make([]Entry, 0, 100_001)
	entries = append(entries, Entry{Path: "photos", Mode: fs.ModeDir | 0o755})
	for i := range 100_000 {
		entries = append(entries, Entry{Path: fmt.Sprintf("photos/%03d/IMG_%06d.jpg", i%1000, i), Size: int64(i), Mode: 0o644})
	}
	dec := newManifestDecoder(manifestLimits{})
	frames := 0
	end, err := encodeManifest(entries, func(p []byte) error {
		frames++
		if len(p) > maxControlPayload {
			t.Fatalf("manifest frame of %d bytes", len(p))
		}
		return dec.add(p)
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := dec.finish(end)
	if err != nil {
		t.Fatal(err)
	}
	if frames < 10 {
		t.Errorf("%d frames for 100,000 entries", frames)
	}
	if !reflect.DeepEqual(m.Entries, entries) || m.TotalBytes != 100_000*99_999/2 {
		t.Error("the manifest changed on the way")
	}
	if err := checkEntries(m.Entries); err != nil {
		t.Error(err)
	}
}

func TestManifestDecoderRefusesMalformedFrames(t *testing.T) {
	good := appendEntry(nil, fileEntry("a", 1))
	frame := func(count uint32, body ...[]byte) []byte {
		p := appendUint32(nil, count)
		for _, b := range body {
			p = append(p, b...)
		}
		return p
	}
	dir := appendEntry(nil, Entry{Path: "d", Mode: fs.ModeDir})
	dir[len(dir)-3] = entryKindDir
	cases := map[string][]byte{
		"short":               {0, 0},
		"count too large":     frame(2, good),
		"trailing bytes":      frame(1, good, []byte{0}),
		"cut path":            frame(1, good[:3]),
		"unknown kind":        frame(1, append(append([]byte(nil), good[:len(good)-3]...), 9, 0, 0)),
		"mode beyond perm":    frame(1, append(append([]byte(nil), good[:len(good)-2]...), 0x10, 0)),
		"size below -1":       frame(1, []byte{0, 1, 'a', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0}),
		"directory with size": frame(1, []byte{0, 1, 'd', 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0}),
	}
	for name, p := range cases {
		if err := newManifestDecoder(manifestLimits{}).add(p); err == nil || !strings.Contains(err.Error(), ErrProtocol.Error()) {
			t.Errorf("%s: %v", name, err)
		}
	}
	d := newManifestDecoder(manifestLimits{})
	if err := d.add(frame(1, good)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.finish(appendTotals(nil, totals{2, 1})); err == nil {
		t.Error("a wrong entry count in manifest end was accepted")
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 64 << 20: "64.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
