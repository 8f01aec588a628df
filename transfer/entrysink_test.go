package transfer

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
)

// memEntries records what OpenEntry's writers got, and how each ended.
type memEntries struct {
	mu    sync.Mutex
	files map[string]*memEntry
	order []string
}

type memEntry struct {
	buf     bytes.Buffer
	size    int64
	closed  bool
	aborted error
}

func (m *memEntry) Write(p []byte) (int, error) { return m.buf.Write(p) }
func (m *memEntry) Close() error                { m.closed = true; return nil }
func (m *memEntry) Abort(reason error)          { m.aborted = reason }

func (m *memEntries) open(path string, size int64) (EntryWriter, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil {
		m.files = map[string]*memEntry{}
	}
	e := &memEntry{size: size}
	m.files[path] = e
	m.order = append(m.order, path)
	return e, nil
}

// TestOpenEntryTakesATree: every file of a tree goes to its own writer,
// closed once verified; directories are not opened, and no Dir is needed.
func TestOpenEntryTakesATree(t *testing.T) {
	a, b := randomBytes(t, 300_000), randomBytes(t, 5000)
	src := &memSource{}
	src.entries = append(src.entries, Entry{Path: "d", Mode: fs.ModeDir | 0o755})
	src.data = append(src.data, nil)
	src.add("d/a.bin", a).add("d/sub/b.bin", b).add("d/empty", nil)
	var got memEntries
	rec := &recorder{}
	sent, received := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{OpenEntry: got.open, Progress: rec})
	if sent.err != nil || received.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, received.err)
	}
	if strings.Join(got.order, ",") != "d/a.bin,d/sub/b.bin,d/empty" {
		t.Errorf("opened %q", got.order)
	}
	for name, want := range map[string][]byte{"d/a.bin": a, "d/sub/b.bin": b, "d/empty": nil} {
		e := got.files[name]
		if e == nil || !bytes.Equal(e.buf.Bytes(), want) || !e.closed || e.aborted != nil || e.size != int64(len(want)) {
			if e == nil {
				t.Errorf("%s was not opened", name)
				continue
			}
			t.Errorf("%s: %d bytes (want %d), size %d, closed %v, aborted %v", name, e.buf.Len(), len(want), e.size, e.closed, e.aborted)
		}
	}
	if _, _, _, files := rec.snapshot(); len(files) != 3 {
		t.Errorf("%d files reported, want 3", len(files))
	}
}

// TestOpenEntryAbortsAFailedFile: a file whose SHA-256 does not match is
// aborted, never closed (the browser must not show it as saved).
func TestOpenEntryAbortsAFailedFile(t *testing.T) {
	data := randomBytes(t, 5000)
	var got memEntries
	res := receiveFrom(t, testContext(t), ReceiveOptions{OpenEntry: got.open}, func(p *rawPeer) {
		p.offer(fileEntry("f.bin", 5000))
		p.answer()
		p.begin(0, 0)
		p.data(0, 0, data)
		p.end(0, 5000, sha256.Sum256(data[:4999]))
		p.expectError()
	})
	if !errors.Is(res.err, ErrIntegrity) {
		t.Fatalf("receive: %v, want an integrity error", res.err)
	}
	e := got.files["f.bin"]
	if e == nil || e.closed || !errors.Is(e.aborted, ErrIntegrity) {
		t.Errorf("f.bin: opened %v, want aborted with an integrity error, not closed", e != nil)
	}
}
