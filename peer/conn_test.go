package peer

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// randomBytes returns n random bytes to send.
func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// writeInPieces writes data in pieces of varying sizes, as a file sender would.
func writeInPieces(w io.Writer, data []byte) error {
	sizes := []int{1, 1000, 64 << 10, 300 << 10, 7, 1 << 20, 65535, 65537}
	for i := 0; len(data) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(data))
		if _, err := w.Write(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

func TestTransferBothWays(t *testing.T) {
	a, b := connectPair(t, loopback(), loopback())
	moveBothWays(t, a, b, 32<<20)
	if err := a.Close(); err != nil {
		t.Errorf("offerer close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("answerer close: %v", err)
	}
}

// moveBothWays writes size random bytes each way at once, in pieces of odd
// sizes, reads them back with small reads (so that messages are consumed
// across their boundaries), and checks that they arrive whole and in order.
func moveBothWays(t *testing.T, a, b io.ReadWriter, size int) {
	t.Helper()
	toB, toA := randomBytes(t, size), randomBytes(t, size)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	got := make([][32]byte, 2)
	for i, pair := range []struct {
		w    io.Writer
		data []byte
		r    io.Reader
	}{{a, toB, b}, {b, toA, a}} {
		wg.Go(func() { errs <- writeInPieces(pair.w, pair.data) })
		wg.Go(func() {
			h := sha256.New()
			n, err := io.CopyBuffer(h, io.LimitReader(pair.r, int64(size)), make([]byte, 10_000))
			if err == nil && n != int64(size) {
				err = io.ErrUnexpectedEOF
			}
			copy(got[i][:], h.Sum(nil))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got[0] != sha256.Sum256(toB) {
		t.Error("bytes read by the answerer differ from those the offerer wrote")
	}
	if got[1] != sha256.Sum256(toA) {
		t.Error("bytes read by the offerer differ from those the answerer wrote")
	}
}

func TestRouteIsDirectHostPair(t *testing.T) {
	a, b := connectPair(t, loopback(), loopback())
	for name, c := range map[string]*Conn{"offerer": a, "answerer": b} {
		r := c.Route()
		if !r.Direct || r.LocalType != "host" || r.RemoteType != "host" {
			t.Errorf("%s: route %+v, want a direct host-host pair", name, r)
		}
		for _, addr := range []string{r.Local, r.Remote} {
			host, _, err := net.SplitHostPort(addr)
			if err != nil || !net.ParseIP(host).IsLoopback() {
				t.Errorf("%s: route %+v: address %q is not a loopback address:port", name, r, addr)
			}
		}
	}
	if a.Route().Local != b.Route().Remote || a.Route().Remote != b.Route().Local {
		t.Errorf("the two ends disagree on the route: offerer %+v, answerer %+v", a.Route(), b.Route())
	}
}

func TestCloseAfterWriteDeliversEverything(t *testing.T) {
	const size = 8 << 20
	a, b := connectPair(t, loopback(), loopback())
	data := randomBytes(t, size)

	read := make(chan error, 1)
	var got []byte
	go func() {
		var err error
		got, err = io.ReadAll(b) // to io.EOF
		read <- err
	}()
	if _, err := a.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil { // at once: much is still queued
		t.Fatalf("close: %v", err)
	}
	if err := <-read; err != nil {
		t.Fatalf("reading to EOF: %v", err)
	}
	if len(got) != size || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, want the %d written", len(got), size)
	}
	if _, err := b.Write([]byte("late")); err == nil {
		t.Error("write after the peer closed succeeded")
	}
	if err := b.Close(); err != nil {
		t.Errorf("answerer close after EOF: %v", err)
	}
}

func TestCloseIsIdempotentAndConcurrent(t *testing.T) {
	a, b := connectPair(t, loopback(), loopback())
	reading := make(chan error, 1)
	go func() {
		_, err := a.Read(make([]byte, 100))
		reading <- err
	}()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { a.Close() })
	}
	wg.Wait()
	if err := <-reading; !errors.Is(err, net.ErrClosed) {
		t.Errorf("read blocked during Close returned %v, want net.ErrClosed", err)
	}
	if _, err := a.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after Close returned %v, want net.ErrClosed", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := b.Read(make([]byte, 10)); err != io.EOF {
		t.Errorf("peer read after Close returned %v, want io.EOF", err)
	}
}

func TestPeerVanishingIsNotEOF(t *testing.T) {
	a, b := connectPair(t, loopback(), loopback())
	if _, err := a.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(b, buf); err != nil {
		t.Fatal(err)
	}
	a.pc.Close() // as if the process died: no clean close of the stream
	_, err := b.Read(buf)
	if err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("read after the peer vanished returned %v, want a connection error", err)
	}
	if !strings.Contains(err.Error(), "peer") {
		t.Errorf("error %q does not say what went wrong", err)
	}
}

func TestBackpressureBoundsQueue(t *testing.T) {
	cfg := loopback()
	cfg.HighWater = 2 << 20
	cfg.LowWater = 512 << 10
	a, b := connectPair(t, cfg, loopback())
	const total = 64 << 20

	var written atomic.Int64
	var maxQueued atomic.Uint64
	done := make(chan error, 1)
	go func() {
		chunk := make([]byte, 1<<20)
		for written.Load() < total {
			n, err := a.Write(chunk)
			written.Add(int64(n))
			if q := a.dc.BufferedAmount(); q > maxQueued.Load() {
				maxQueued.Store(q)
			}
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()

	// The receiver does not read: the writer must stall.
	waitStalled(t, &written, done)
	limit := uint64(cfg.HighWater + DefaultMessageSize)
	if q := a.dc.BufferedAmount(); q > limit {
		t.Errorf("queued %d bytes while blocked, more than high-water + one message (%d)", q, limit)
	}
	// Held at most: the queue, the peer's SCTP window and read-ahead, a message.
	if w := written.Load(); w > int64(limit)+DefaultReceiveWindow+readAhead+(4<<20) {
		t.Errorf("%d bytes accepted by Write with a receiver that does not read", w)
	}

	// Now read: the writer resumes and everything arrives.
	n, err := io.Copy(io.Discard, io.LimitReader(b, total))
	if err != nil || n != total {
		t.Fatalf("read %d bytes (%v), want %d", n, err, total)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if q := maxQueued.Load(); q > limit {
		t.Errorf("queue peaked at %d bytes, more than high-water + one message (%d)", q, limit)
	}
}

// waitStalled returns once written stopped growing for a second. There is
// no event for "the writer is blocked", so it polls.
func waitStalled(t *testing.T, written *atomic.Int64, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	last, since := int64(-1), time.Now()
	for {
		if time.Now().After(deadline) {
			t.Fatalf("writer never stalled: %d bytes written", written.Load())
		}
		if w := written.Load(); w != last {
			last, since = w, time.Now()
		} else if time.Since(since) > time.Second {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("writer finished (%v) although nobody reads", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestCloseUnblocksBlockedWrite(t *testing.T) {
	cfg := loopback()
	cfg.HighWater = 1 << 20
	cfg.CloseTimeout = time.Second // the peer never reads: do not wait long
	a, b := connectPair(t, cfg, loopback())
	done := writeUntilStalled(t, a)
	closed := make(chan error, 1)
	go func() { closed <- a.Close() }()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("blocked write returned %v, want net.ErrClosed", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not unblock a blocked Write")
	}
	start := time.Now()
	if err := <-closed; err == nil || !strings.Contains(err.Error(), "peer") {
		t.Errorf("Close with a peer that does not read returned %v, want an error saying so", err)
	}
	t.Logf("close took %s", time.Since(start))
	start = time.Now()
	b.Close()
	t.Logf("peer close took %s", time.Since(start))
}

// TestAbortDoesNotWaitForThePeer: with a peer that stopped reading (it gave
// up), Close waits CloseTimeout for acknowledgements that never come; Abort
// tears the connection down at once and unblocks a blocked Write.
func TestAbortDoesNotWaitForThePeer(t *testing.T) {
	cfg := loopback()
	cfg.HighWater = 1 << 20
	cfg.CloseTimeout = 3 * time.Second
	a, _ := connectPair(t, cfg, loopback())
	done := writeUntilStalled(t, a)
	start := time.Now()
	if err := a.Abort(); err != nil {
		t.Errorf("Abort: %v", err)
	}
	if took := time.Since(start); took >= cfg.CloseTimeout {
		t.Errorf("Abort took %s: it waited for the peer as Close does", took)
	}
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("blocked write returned %v, want net.ErrClosed", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("Close after Abort: %v, want Abort's result", err)
	}
}

// writeUntilStalled writes to c from a goroutine until the peer, which does
// not read, holds it back; the channel gets the Write's error once it fails.
func writeUntilStalled(t *testing.T, c *Conn) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	var written atomic.Int64
	go func() {
		chunk := make([]byte, 1<<20)
		for {
			n, err := c.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				done <- err
				return
			}
		}
	}()
	waitStalled(t, &written, done)
	return done
}
