package transfer

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// reached is a Progress that closes a channel once done reaches at least n.
type reached struct {
	n    int64
	once sync.Once
	ch   chan struct{}
}

func newReached(n int64) *reached { return &reached{n: n, ch: make(chan struct{})} }

func (r *reached) Transferred(done, total int64) {
	if done >= r.n {
		r.once.Do(func() { close(r.ch) })
	}
}

func (r *reached) FileDone(FileResult) {}

// interrupted leaves out/f.bin.ferry-part holding data[:n], as a dropped connection does.
func interrupted(t *testing.T, out string, data []byte, n int) {
	t.Helper()
	got := receiveFrom(t, testContext(t), ReceiveOptions{Dir: out}, func(p *rawPeer) {
		p.offer(fileEntry("f.bin", int64(len(data))))
		p.answer()
		p.begin(0, 0)
		for off := 0; off < n; off += 1000 {
			p.data(0, uint64(off), data[off:min(off+1000, n)])
		}
		p.conn.Close()
	})
	if !errors.Is(got.err, ErrPeerClosed) {
		t.Fatalf("receive: %v, want ErrPeerClosed", got.err)
	}
	for _, want := range []string{`"f.bin.ferry-part"`, "receive again into the same directory"} {
		if !strings.Contains(got.err.Error(), want) {
			t.Errorf("receive: %v, want it to say %q", got.err, want)
		}
	}
	mustNotExist(t, filepath.Join(out, "f.bin"))
	mustContain(t, filepath.Join(out, "f.bin.ferry-part"), data[:n])
}

func TestPeerClosedKeepsPartAndResumes(t *testing.T) {
	data := randomBytes(t, 10_000)
	out := t.TempDir()
	interrupted(t, out, data, 4000)

	var sp recorder
	sent, got := pair(t, testContext(t), (&memSource{}).add("f.bin", data), SendOptions{Progress: &sp}, ReceiveOptions{Dir: out})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	mustContain(t, filepath.Join(out, "f.bin"), data)
	mustNotExist(t, filepath.Join(out, "f.bin.ferry-part"))
	for side, o := range map[string]outcome{"send": sent, "receive": got} {
		if o.res.Resumed != 4000 || o.res.Transferred != 6000 || o.res.Bytes != 10_000 || o.res.Files != 1 {
			t.Errorf("%s result %+v, want 4000 resumed and 6000 transferred", side, o.res)
		}
	}
	if _, done, total, _ := sp.snapshot(); done != total {
		t.Errorf("progress ended at %d of %d", done, total)
	}
}

func TestResumeWithDifferentBytesStartsOver(t *testing.T) {
	data := randomBytes(t, 10_000)
	out := t.TempDir()
	interrupted(t, out, randomBytes(t, 10_000), 4000) // a temporary file of other bytes

	sent, got := pair(t, testContext(t), (&memSource{}).add("f.bin", data), SendOptions{}, ReceiveOptions{Dir: out})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	mustContain(t, filepath.Join(out, "f.bin"), data)
	if sent.res.Resumed != 0 || sent.res.Transferred != 10_000 {
		t.Errorf("send result %+v, want everything sent again", sent.res)
	}
}

func TestResumeFromCompletePart(t *testing.T) {
	data := randomBytes(t, 10_000)
	out := t.TempDir()
	// A .part with all the bytes and more after them, as if the file shrank at the source.
	writeFile(t, filepath.Join(out, "f.bin.ferry-part"), append(append([]byte(nil), data...), "extra"...), 0o600)
	sent, got := pair(t, testContext(t), (&memSource{}).add("f.bin", data), SendOptions{}, ReceiveOptions{Dir: out})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	mustContain(t, filepath.Join(out, "f.bin"), data)
	mustNotExist(t, filepath.Join(out, "f.bin.ferry-part"))
	if sent.res.Transferred != 0 || sent.res.Resumed != 10_000 {
		t.Errorf("send result %+v", sent.res)
	}
}

func TestCancelReceive(t *testing.T) {
	data := randomBytes(t, 10_000)
	out := t.TempDir()
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	progress := newReached(4000)
	got := receiveFrom(t, ctx, ReceiveOptions{Dir: out, Progress: progress}, func(p *rawPeer) {
		p.offer(fileEntry("f.bin", int64(len(data))))
		p.answer()
		p.begin(0, 0)
		for off := 0; off < 4000; off += 1000 {
			p.data(0, uint64(off), data[off:off+1000])
		}
		<-progress.ch
		cancel()
	})
	if !errors.Is(got.err, context.Canceled) {
		t.Fatalf("receive: %v, want context.Canceled", got.err)
	}
	mustNotExist(t, filepath.Join(out, "f.bin"))
	mustContain(t, filepath.Join(out, "f.bin.ferry-part"), data[:4000])
}

// cancelAt is a Progress that cancels the transfer once done reaches n.
type cancelAt struct {
	n      int64
	cancel context.CancelFunc
}

func (c *cancelAt) Transferred(done, total int64) {
	if done >= c.n {
		c.cancel()
	}
}

func (c *cancelAt) FileDone(FileResult) {}

func TestCancelSend(t *testing.T) {
	data := randomBytes(t, 4<<20)
	out := t.TempDir()
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	progress := &cancelAt{n: 1 << 20, cancel: cancel}
	sent, got := pairCtx(t, ctx, testContext(t), (&memSource{}).add("f.bin", data), SendOptions{Progress: progress}, ReceiveOptions{Dir: out})
	if !errors.Is(sent.err, context.Canceled) {
		t.Errorf("send: %v, want context.Canceled", sent.err)
	}
	if !errors.Is(got.err, ErrPeerClosed) {
		t.Errorf("receive: %v, want ErrPeerClosed", got.err)
	}
	mustNotExist(t, filepath.Join(out, "f.bin"))
	part, err := os.ReadFile(filepath.Join(out, "f.bin.ferry-part"))
	if err != nil || len(part) < 1<<19 || string(part) != string(data[:len(part)]) {
		t.Errorf(".part: %d bytes (%v), want a prefix of the data of at least 512 KiB", len(part), err)
	}
}

// fullDisk fails writes with ENOSPC once n bytes went through.
type fullDisk struct {
	w    io.Writer
	left int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) > d.left {
		n, _ := d.w.Write(p[:d.left])
		d.left = 0
		return n, &os.PathError{Op: "write", Path: "f.bin.ferry-part", Err: syscall.ENOSPC}
	}
	d.left -= len(p)
	return d.w.Write(p)
}

func TestDiskFull(t *testing.T) {
	data := randomBytes(t, 300_000)
	out := t.TempDir()
	sent, got := pair(t, testContext(t), (&memSource{}).add("f.bin", data), SendOptions{}, ReceiveOptions{
		Dir:        out,
		wrapWriter: func(w io.Writer) io.Writer { return &fullDisk{w: w, left: 100_000} },
	})
	const want = `disk full while writing "f.bin": free space, then receive again into the same directory to resume`
	if got.err == nil || !strings.Contains(got.err.Error(), want) || !strings.Contains(got.err.Error(), `kept in "f.bin.ferry-part"`) {
		t.Errorf("receive: %v", got.err)
	}
	if sent.err == nil || !strings.Contains(sent.err.Error(), "the receiver reported: "+want) {
		t.Errorf("send: %v", sent.err)
	}
	mustNotExist(t, filepath.Join(out, "f.bin"))
	part, err := os.ReadFile(filepath.Join(out, "f.bin.ferry-part"))
	if err != nil || len(part) == 0 || string(part) != string(data[:len(part)]) {
		t.Errorf(".part: %d bytes (%v), want a prefix of the data", len(part), err)
	}
}
