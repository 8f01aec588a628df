package transfer

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// freeBytes fakes a file system with free bytes available and 4 KiB blocks.
func freeBytes(free int64) func(string) (int64, int64, error) {
	return func(string) (int64, int64, error) { return free, 4096, nil }
}

// TestNoSpaceIsRefusedBeforeAccept: 12 MiB offered to a disk with 8 MiB free
// is refused before the user is asked and before anything is written; both
// sides get ErrNoSpace and the sizes.
func TestNoSpaceIsRefusedBeforeAccept(t *testing.T) {
	base, out := hostileDir(t)
	err := refuseOffer(t, base, ReceiveOptions{Dir: out, freeSpace: freeBytes(8 << 20)}, ErrNoSpace,
		Entry{Path: "d", Mode: fs.ModeDir | 0o755}, fileEntry("d/big.iso", 12<<20))
	for _, want := range []string{"needs 12.0 MiB, 8.0 MiB free on " + out, "receive elsewhere with --out"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("receive: %v, want it to say %q", err, want)
		}
	}

	src := (&memSource{}).add("big.iso", make([]byte, 12<<20))
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: out, freeSpace: freeBytes(8 << 20)})
	if !errors.Is(got.err, ErrNoSpace) {
		t.Errorf("receive: %v, want ErrNoSpace", got.err)
	}
	if !errors.Is(sent.err, ErrNoSpace) || !strings.Contains(sent.err.Error(), "needs 12.0 MiB, 8.0 MiB free on the receiver's disk") || strings.Contains(sent.err.Error(), out) {
		t.Errorf("send: %v, want ErrNoSpace with the sizes and without the receiver's path", sent.err)
	}
	mustNotExist(t, filepath.Join(out, "big.iso"+partSuffix))
}

// TestSpaceCountsWhatResumeHolds: 12 MiB of which 6 MiB are held in the
// temporary file fit on a disk with 8 MiB free; the margin is asked for too.
func TestSpaceCountsWhatResumeHolds(t *testing.T) {
	data := randomBytes(t, 12<<20)
	out := t.TempDir()
	writeFile(t, filepath.Join(out, "big.iso"+partSuffix), data[:6<<20], 0o600)
	src := (&memSource{}).add("big.iso", data)
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: out, freeSpace: freeBytes(8 << 20)})
	if sent.err != nil || got.err != nil || got.res.Resumed != 6<<20 {
		t.Fatalf("send: %v; receive: %v; resumed %d", sent.err, got.err, got.res.Resumed)
	}
	mustContain(t, filepath.Join(out, "big.iso"), data)

	// Exactly the size free is not enough: ferry keeps a margin.
	src = (&memSource{}).add("other.iso", data[:4<<20])
	_, got = pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: out, freeSpace: freeBytes(4 << 20)})
	if !errors.Is(got.err, ErrNoSpace) || !strings.Contains(got.err.Error(), "to spare") {
		t.Errorf("receive: %v, want ErrNoSpace naming the margin", got.err)
	}
}

// TestStreamsAreNotChecked: a stream of unknown size cannot be measured.
func TestStreamsAreNotChecked(t *testing.T) {
	src := &memSource{entries: []Entry{{Path: "stdin", Size: -1, Mode: 0o644}}, data: [][]byte{[]byte("streamed")}}
	out := t.TempDir()
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: out, freeSpace: freeBytes(0)})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	mustContain(t, filepath.Join(out, "stdin"), []byte("streamed"))
}

func TestDiskSpaceOfTheTempDir(t *testing.T) {
	free, block, err := diskSpace(t.TempDir())
	if err != nil || free <= 0 || block <= 0 {
		t.Errorf("diskSpace: %d free, blocks of %d, %v", free, block, err)
	}
	if _, _, err := diskSpace(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("diskSpace of a missing directory: %v", err)
	}
}
