package ferry_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dev/ferry"
)

// progressHook is an Events that calls f once, when at least after bytes
// moved.
type progressHook struct {
	ferry.NopEvents
	after int64
	once  *sync.Once
	f     func()
}

func (h progressHook) Progress(done, _ int64) {
	if done >= h.after {
		h.once.Do(h.f)
	}
}

// randomReader is an endless stream of random bytes.
type randomReader struct{}

func (randomReader) Read(p []byte) (int, error) { return rand.Read(p) }

// TestCancelledReceiveReturnsAtOnce: a Receive whose ctx is cancelled
// mid-transfer returns at once with context.Canceled. It gives up: nothing
// it wrote needs delivering, and it must not wait for the sender, busy
// with megabytes on their way, to confirm the end of the stream (which a
// sender that then closes never sends: up to the close timeout, 5 s). The
// sender hears that the receiver left.
func TestCancelledReceiveReturnsAtOnce(t *testing.T) {
	ctx := testContext(t)
	srv := startServer(t)
	for i := range 10 {
		src, err := ferry.Reader("endless", randomReader{})
		if err != nil {
			t.Fatal(err)
		}
		code, sent := sendAsync(t, ctx, src, ferry.SendConfig{Config: ferry.Config{Server: srv.URL()}, NoCompression: true}, newRecorder())
		rctx, cancel := context.WithCancel(ctx)
		var cancelled time.Time
		_, err = ferry.Receive(rctx, ferry.ReceiveConfig{
			Config: ferry.Config{Server: code.Server, Code: code.Code,
				Events: progressHook{after: 4 << 20, once: new(sync.Once), f: func() { cancelled = time.Now(); cancel() }}},
			Out: io.Discard,
		})
		took := time.Since(cancelled)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("try %d: receive: %v; want context.Canceled", i, err)
		}
		if took > 2*time.Second {
			t.Errorf("try %d: receive returned %s after its ctx was cancelled: want at once", i, took.Round(time.Millisecond))
		}
		select {
		case err := <-sent:
			if !errors.Is(err, ferry.ErrPeerLost) {
				t.Errorf("try %d: send: %v; want ErrPeerLost", i, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("try %d: send still running 20 s after the receiver left", i)
		}
	}
}
