package ferry_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dev/ferry"
)

// goroutinesBack waits (a bounded poll, no fixed sleep) until the process
// runs at most want goroutines, and reports whether it got there.
func goroutinesBack(want int) bool {
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// stallingReader yields n random bytes, then blocks in Read until release
// is closed (a pipe whose writer went quiet, a network body that stalled),
// and then ends with end.
type stallingReader struct {
	n       int
	end     error
	stalled chan struct{} // closed when Read starts blocking
	release chan struct{}
	once    sync.Once
}

func newStallingReader(n int, end error) *stallingReader {
	return &stallingReader{n: n, end: end, stalled: make(chan struct{}), release: make(chan struct{})}
}

func (r *stallingReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		k := min(len(p), r.n)
		_, _ = rand.Read(p[:k])
		r.n -= k
		return k, nil
	}
	if r.release != nil {
		r.once.Do(func() { close(r.stalled) })
		<-r.release
	}
	return 0, r.end
}

// TestSendStopsWhileSourceStalls: a Reader source whose Read blocks does not
// keep Send from returning when its ctx is cancelled (context.Canceled; the
// receiver hears that the sender left) nor when the receiver leaves
// (ErrPeerLost), and nothing of Send's outlives the stalled Read.
func TestSendStopsWhileSourceStalls(t *testing.T) {
	for _, who := range []string{"sender cancelled", "receiver left"} {
		t.Run(who, func(t *testing.T) {
			ctx := testContext(t)
			srv := startServer(t)
			before := runtime.NumGoroutine()
			r := newStallingReader(1<<20, io.EOF)
			src, err := ferry.Reader("stream", r)
			if err != nil {
				t.Fatal(err)
			}
			sctx, scancel := context.WithCancel(ctx)
			defer scancel()
			rctx, rcancel := context.WithCancel(ctx)
			defer rcancel()
			code, sent := sendAsync(t, sctx, src, ferry.SendConfig{Config: ferry.Config{Server: srv.URL()}}, newRecorder())
			received := make(chan error, 1)
			go func() {
				_, err := ferry.Receive(rctx, ferry.ReceiveConfig{Config: ferry.Config{Server: code.Server, Code: code.Code}, Out: io.Discard})
				received <- err
			}()
			select {
			case <-r.stalled:
			case err := <-sent:
				t.Fatalf("send ended before its source stalled: %v", err)
			}
			want, wantPeer := context.Canceled, ferry.ErrPeerLost
			if who == "sender cancelled" {
				scancel()
			} else {
				rcancel()
				want, wantPeer = ferry.ErrPeerLost, context.Canceled
			}
			select {
			case err := <-sent:
				if !errors.Is(err, want) {
					t.Errorf("send: %v; want %v", err, want)
				}
				// A stream is not resumed, and its size is not known.
				if err != nil && (strings.Contains(err.Error(), "resume") || strings.Contains(err.Error(), "of 0 B")) {
					t.Errorf("send: %q: advises a resume, or gives the stream's size as 0 B", err)
				}
			case <-time.After(10 * time.Second):
				close(r.release)
				t.Fatalf("send still running 10 s after the %s (its source's Read blocks); after the Read returned: %v", who, <-sent)
			}
			if err := <-received; !errors.Is(err, wantPeer) {
				t.Errorf("receive: %v; want %v", err, wantPeer)
			}
			close(r.release) // the stalled Read returns: what waited on it ends
			if !goroutinesBack(before) {
				t.Errorf("%d goroutines after both sides returned and the Read ended, %d before", runtime.NumGoroutine(), before)
			}
		})
	}
}

// TestReaderErrorIsNotTheEnd: a Reader source that fails with
// io.ErrUnexpectedEOF (what net/http and compress/gzip say of a body cut
// short) fails the transfer: the receiver never keeps the truncated stream
// as if it were whole.
func TestReaderErrorIsNotTheEnd(t *testing.T) {
	ctx := testContext(t)
	srv := startServer(t)
	cut := newStallingReader(300<<10, io.ErrUnexpectedEOF)
	close(cut.release) // no stall: the body ends, cut short
	src, err := ferry.Reader("download.bin", cut)
	if err != nil {
		t.Fatal(err)
	}
	code, sent := sendAsync(t, ctx, src, ferry.SendConfig{Config: ferry.Config{Server: srv.URL()}}, newRecorder())
	out := t.TempDir()
	_, rerr := ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: code.Server, Code: code.Code}, Dir: out})
	serr := <-sent
	if !errors.Is(serr, io.ErrUnexpectedEOF) {
		t.Errorf("send: %v; want the source's io.ErrUnexpectedEOF", serr)
	}
	if rerr == nil {
		t.Error("receive: nil; want an error: the stream was cut short")
	}
	if _, err := os.Stat(filepath.Join(out, "download.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the truncated stream was kept as download.bin: %v", err)
	}
}
