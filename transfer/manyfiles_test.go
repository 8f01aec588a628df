package transfer

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"testing"
)

// Memory per file (issue 12 item 5): what each side holds for a manifest of
// many small files, measured as the live heap once the whole manifest is
// known (the receiver in Accept, the sender once it sent manifestEnd), less
// the live heap before. The bounds keep the per-file state compact; the
// whole-process figures are scripts/manyfiles.sh's.
const (
	// maxReceiverBytesPerFile bounds the receiver's live heap per entry of
	// a manifest of short names (about 25 bytes each), between the
	// manifest's end and its acceptance.
	maxReceiverBytesPerFile = 96
	// maxSenderBytesPerFile bounds the sender's (FileSource and Send
	// together) for files with names of the same length.
	maxSenderBytesPerFile = 160
)

// liveHeap collects garbage and returns the bytes of live heap objects. When
// MANYFILES_HEAPPROFILE names a directory, it also writes a heap profile
// there named after what (go tool pprof -sample_index=inuse_space).
func liveHeap(t testing.TB, what string) int64 {
	t.Helper()
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if dir := os.Getenv("MANYFILES_HEAPPROFILE"); dir != "" {
		f, err := os.Create(filepath.Join(dir, what+".pprof"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.WriteHeapProfile(f); err != nil {
			t.Fatal(err)
		}
	}
	return int64(ms.HeapAlloc)
}

// manyEntries is a manifest of n files of 64 bytes in 100 directories under
// "tree", like scripts/manyfiles.sh's.
func manyEntries(n int) []Entry {
	es := make([]Entry, 0, n+101)
	es = append(es, Entry{Path: "tree", Mode: 0o755 | os.ModeDir})
	for d := range 100 {
		es = append(es, Entry{Path: fmt.Sprintf("tree/d%02d", d), Mode: 0o755 | os.ModeDir})
	}
	for i := range n {
		es = append(es, Entry{Path: fmt.Sprintf("tree/d%02d/file-%07d.txt", i%100, i), Size: 64, Mode: 0o644})
	}
	return es
}

// TestReceiverMemoryPerFile: a receiver offered 100,000 files holds at most
// maxReceiverBytesPerFile of live heap for each while it asks to accept.
func TestReceiverMemoryPerFile(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 entries")
	}
	const n = 100_000
	ctx := testContext(t)
	entries := manyEntries(n)
	var before, during int64
	opts := ReceiveOptions{Dir: t.TempDir(), Accept: func(ctx context.Context, m Manifest) error {
		if len(m.Entries) != len(entries) {
			t.Errorf("Accept got %d entries, want %d", len(m.Entries), len(entries))
		}
		during = liveHeap(t, "receiver")
		return fmt.Errorf("%w: measured", ErrDeclined)
	}}
	before = liveHeap(t, "receiver-before")
	out := receiveFrom(t, ctx, opts, func(p *rawPeer) {
		p.offer(entries...)
		p.expect(frameDecline)
	})
	if out.err == nil {
		t.Fatal("Receive accepted; the test declines")
	}
	perFile := (during - before) / n
	t.Logf("receiver: %d bytes of live heap for %d files: %d bytes a file", during-before, n, perFile)
	if perFile > maxReceiverBytesPerFile {
		t.Errorf("the receiver holds %d bytes a file while it asks to accept %d files; the bound is %d", perFile, n, maxReceiverBytesPerFile)
	}
}

// TestSenderMemoryPerFile: a FileSource of 20,000 files on disk and a Send
// that offered them hold at most maxSenderBytesPerFile of live heap for each.
func TestSenderMemoryPerFile(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 files on disk")
	}
	const n = 20_000
	root := filepath.Join(t.TempDir(), "tree")
	for d := range 100 {
		if err := os.MkdirAll(filepath.Join(root, fmt.Sprintf("d%02d", d)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data := make([]byte, 64)
	for i := range n {
		p := filepath.Join(root, fmt.Sprintf("d%02d/file-%07d.txt", i%100, i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := testContext(t)
	before := liveHeap(t, "sender-before")
	src, err := NewFileSource(root)
	if err != nil {
		t.Fatal(err)
	}
	var during int64
	out := sendTo(t, ctx, src, SendOptions{}, func(p *rawPeer) {
		p.hello(roleReceiver, protocolVersion, protocolVersion)
		for {
			f := p.recv()
			if f.err != nil {
				t.Fatalf("raw receiver: %v", f.err)
			}
			if f.typ == frameManifestEnd {
				break
			}
		}
		during = liveHeap(t, "sender")
		p.send(frameDecline, appendText(nil, "measured"))
	})
	if out.err == nil {
		t.Fatal("Send succeeded; the test declines")
	}
	runtime.KeepAlive(src)
	perFile := (during - before) / n
	t.Logf("sender: %d bytes of live heap for %d files: %d bytes a file", during-before, n, perFile)
	if perFile > maxSenderBytesPerFile {
		t.Errorf("the sender holds %d bytes a file once it offered %d files; the bound is %d", perFile, n, maxSenderBytesPerFile)
	}
}

// countingConn counts the writes to a conn: each is a message of ferry's
// channel, which costs the SCTP stacks of both sides far more memory than
// its bytes while it is queued.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestSmallFilesFewMessages: 2,000 files of 64 bytes go in a few dozen
// writes each way, not one or more per file (batch.go).
func TestSmallFilesFewMessages(t *testing.T) {
	const n = 2000
	src := t.TempDir()
	data := randomBytes(t, 64)
	for i := range n {
		writeFile(t, filepath.Join(src, "tree", fmt.Sprintf("d%02d/f%04d", i%10, i)), data, 0o644)
	}
	fs, err := NewFileSource(filepath.Join(src, "tree"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	sp, rp := net.Pipe()
	sc, rc := &countingConn{Conn: sp}, &countingConn{Conn: rp}
	sent := make(chan error, 1)
	go func() {
		_, err := Send(ctx, sc, fs, SendOptions{})
		sent <- err
	}()
	out := t.TempDir()
	res, err := Receive(ctx, rc, ReceiveOptions{Dir: out})
	rc.Close()
	if serr := <-sent; serr != nil || err != nil {
		t.Fatalf("send: %v; receive: %v", serr, err)
	}
	sc.Close()
	if res.Files != n {
		t.Fatalf("received %d files, want %d", res.Files, n)
	}
	mustContain(t, filepath.Join(out, "tree", "d07", "f1997"), data)
	// Frames of 2,000 files: about 2,000 x 140 bytes from the sender, 2,000
	// x 49 from the receiver: a few writes of 64 KiB (batchLimit) each way,
	// and the receiver's acks also go whenever it has read all it had.
	s, r := sc.writes.Load(), rc.writes.Load()
	t.Logf("%d files: the sender wrote %d times, the receiver %d times", n, s, r)
	if s > n/50 || r > n/20 {
		t.Errorf("%d files took %d writes from the sender and %d from the receiver; want at most %d and %d (frames gathered, batch.go)",
			n, s, r, n/50, n/20)
	}
}
