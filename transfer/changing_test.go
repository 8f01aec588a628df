package transfer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookProgress calls hook once, from the sender's goroutine, when the bytes
// sent first reach at.
type hookProgress struct {
	mu    sync.Mutex
	at    int64
	hook  func()
	fired bool
}

func (h *hookProgress) Transferred(done, total int64) {
	h.mu.Lock()
	fire := !h.fired && h.hook != nil && done >= h.at
	h.fired = h.fired || fire
	h.mu.Unlock()
	if fire {
		h.hook()
	}
}

func (h *hookProgress) FileDone(FileResult) {}

func writeAt(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

// TestChangingSourceIsNeverVerified changes the middle file of a directory
// in each way a file can change while ferry reads it. That file must fail on
// both sides with ErrSourceChanged, naming it, and leave nothing in the
// output directory (no file, no temporary file); the unchanged files before
// and after it arrive verified.
func TestChangingSourceIsNeverVerified(t *testing.T) {
	const size = 1 << 20
	const first = 1000 // bytes of tree/a.txt, sent before the target
	cases := []struct {
		name string
		want string // in both errors
		// before runs after the manifest was built and before Send; during
		// runs once the sender has sent 10% of the target.
		before, during func(t *testing.T, path string)
	}{
		{name: "overwritten in place, already sent", want: "modified", during: func(t *testing.T, p string) {
			writeAt(t, p, size/20, []byte(strings.Repeat("X", 4096)))
		}},
		{name: "overwritten in place, not yet sent", want: "modified", during: func(t *testing.T, p string) {
			writeAt(t, p, size*7/10, []byte(strings.Repeat("X", 4096)))
		}},
		{name: "appended to while sent", want: "size 1048576 -> 1064576 B", during: func(t *testing.T, p string) {
			appendTo(t, p, make([]byte, 16000))
		}},
		{name: "truncated while sent", want: "size 1048576 -> 524288 B", during: func(t *testing.T, p string) {
			if err := os.Truncate(p, size/2); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "grew before its turn", want: "size 1048576 -> 1064576 B", before: func(t *testing.T, p string) {
			appendTo(t, p, make([]byte, 16000))
		}},
		{name: "replaced by another file", want: "replaced by another file", before: func(t *testing.T, p string) {
			other := p + ".new"
			writeFile(t, other, make([]byte, size), 0o644)
			if err := os.Rename(other, p); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "removed before its turn", want: "it was removed", before: func(t *testing.T, p string) {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "tree")
			a, c := randomBytes(t, first), randomBytes(t, 3000)
			writeFile(t, filepath.Join(dir, "a.txt"), a, 0o644)
			target := filepath.Join(dir, "b.bin")
			writeFile(t, target, randomBytes(t, size), 0o644)
			writeFile(t, filepath.Join(dir, "c.txt"), c, 0o644)
			// A modification time in the past: any change moves it, however
			// coarse the file system's clock.
			old := time.Now().Add(-time.Hour)
			if err := os.Chtimes(target, old, old); err != nil {
				t.Fatal(err)
			}
			src, err := NewFileSource(dir)
			if err != nil {
				t.Fatal(err)
			}
			if tc.before != nil {
				tc.before(t, target)
			}
			prog := &hookProgress{at: first + size/10}
			if tc.during != nil {
				prog.hook = func() { tc.during(t, target) }
			}
			out := t.TempDir()
			rec := &recorder{}
			sent, got := pair(t, testContext(t), src, SendOptions{Progress: prog}, ReceiveOptions{Dir: out, Progress: rec})
			if tc.during != nil && !prog.fired {
				t.Fatal("the change was never made")
			}
			for side, err := range map[string]error{"send": sent.err, "receive": got.err} {
				if !errors.Is(err, ErrSourceChanged) {
					t.Errorf("%s: %v, want ErrSourceChanged", side, err)
					continue
				}
				msg := err.Error()
				for _, want := range []string{`"tree/b.bin" changed as`, tc.want} {
					if !strings.Contains(msg, want) {
						t.Errorf("%s: %q, want it to say %q", side, msg, want)
					}
				}
			}
			mustContain(t, filepath.Join(out, "tree", "a.txt"), a)
			mustContain(t, filepath.Join(out, "tree", "c.txt"), c)
			mustNotExist(t, filepath.Join(out, "tree", "b.bin"))
			entries, _ := os.ReadDir(filepath.Join(out, "tree"))
			if len(entries) != 2 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("the output holds %v, want a.txt and c.txt only", names)
			}
			if _, _, _, files := rec.snapshot(); len(files) != 2 {
				t.Errorf("the receiver verified %v, want a.txt and c.txt", files)
			}
			if sent.res.Files != 2 || got.res.Files != 2 {
				t.Errorf("files: sent %d, received %d, want 2", sent.res.Files, got.res.Files)
			}
		})
	}
}

// TestUnchangedFileIsSent: reading a file does not count as changing it
// (atime), and a file renamed away while sent was read consistently.
func TestUnchangedFileIsSent(t *testing.T) {
	base := t.TempDir()
	data := randomBytes(t, 1<<20)
	p := filepath.Join(base, "big.bin")
	writeFile(t, p, data, 0o644)
	src, err := NewFileSource(p)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: out})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	mustContain(t, filepath.Join(out, "big.bin"), data)
}

// TestChangedSourceWithAnOlderReceiver: a receiver that speaks version 2
// cannot drop one file; the sender stops the transfer with an error frame
// (kind source changed), never a success.
func TestChangedSourceWithAnOlderReceiver(t *testing.T) {
	base := t.TempDir()
	p := filepath.Join(base, "log.txt")
	writeFile(t, p, make([]byte, 6000), 0o644)
	src, err := NewFileSource(p)
	if err != nil {
		t.Fatal(err)
	}
	appendTo(t, p, make([]byte, 16000))
	var kind errKind
	var msg string
	got := sendTo(t, testContext(t), src, SendOptions{}, func(rp *rawPeer) {
		rp.hello(roleReceiver, 1, 2)
		rp.expect(frameManifest)
		rp.expect(frameManifestEnd)
		rp.send(frameAccept, appendUint32(nil, 0))
		kind, msg = rp.expectError()
	})
	if !errors.Is(got.err, ErrSourceChanged) || !strings.Contains(got.err.Error(), `"log.txt" changed as we read it: size 6000 -> 22000 B`) {
		t.Errorf("send: %v", got.err)
	}
	if kind != kindSourceChanged || !strings.Contains(msg, "log.txt") {
		t.Errorf("the receiver was told kind %d: %q", kind, msg)
	}
}

// TestReceiverRefusesAStrayAbort: an abort for another entry than the one
// due is a protocol error, and an abort from a version 2 sender is an
// unknown frame.
func TestReceiverRefusesAStrayAbort(t *testing.T) {
	got := receiveFrom(t, testContext(t), ReceiveOptions{Dir: t.TempDir()}, func(p *rawPeer) {
		p.offer(fileEntry("a", 3), fileEntry("b", 3))
		p.answer()
		p.send(frameFileAbort, appendFileAbort(nil, fileAbort{index: 1, kind: kindSourceChanged, msg: "x"}))
		p.expectError()
	})
	if !errors.Is(got.err, ErrProtocol) || !strings.Contains(got.err.Error(), "aborted entry 1") {
		t.Errorf("receive: %v", got.err)
	}
	got = receiveFrom(t, testContext(t), ReceiveOptions{Dir: t.TempDir()}, func(p *rawPeer) {
		p.hello(roleSender, 1, 2)
		end, _ := encodeManifest([]Entry{fileEntry("a", 3)}, func(b []byte) error { return p.send(frameManifest, b) })
		p.send(frameManifestEnd, end)
		p.answer()
		p.send(frameFileAbort, appendFileAbort(nil, fileAbort{index: 0, kind: kindSourceChanged, msg: "x"}))
		p.expectError()
	})
	if !errors.Is(got.err, ErrProtocol) {
		t.Errorf("receive from a version 2 sender: %v", got.err)
	}
}

// TestGrowingLogFile: the log that went from 6,000 to 22,000 B
// arrived as 6,000 B with exit 0. Now it fails on both sides with a message
// that names it and says what to do, and nothing of it is kept.
func TestGrowingLogFile(t *testing.T) {
	base := t.TempDir()
	p := filepath.Join(base, "app.log")
	writeFile(t, p, make([]byte, 6000), 0o644)
	src, err := NewFileSource(p)
	if err != nil {
		t.Fatal(err)
	}
	appendTo(t, p, make([]byte, 16000))
	out := t.TempDir()
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: out})
	want := map[string]string{
		"send":    `"app.log" changed as we read it: size 6000 -> 22000 B; the receiver discarded it; send it again when it is not being written`,
		"receive": `"app.log" changed as the sender read it: size 6000 -> 22000 B; it was not kept; ask the sender to send it again when it is not being written`,
	}
	for side, err := range map[string]error{"send": sent.err, "receive": got.err} {
		if !errors.Is(err, ErrSourceChanged) || !strings.Contains(err.Error(), want[side]) {
			t.Errorf("%s: %v\nwant it to say: %s", side, err, want[side])
		}
	}
	if names, _ := os.ReadDir(out); len(names) != 0 {
		t.Errorf("the output holds %v", names)
	}
}
