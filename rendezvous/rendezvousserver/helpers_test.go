package rendezvousserver_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/internal/rendezvousmetrics"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
	"github.com/ferry-dev/ferry/rendezvous/rendezvoustest"
)

const testTimeout = rendezvoustest.Timeout

func testCtx(t *testing.T) context.Context { return rendezvoustest.Context(t) }

// logWatch is a slog.Handler that keeps the server's log records, so tests
// can wait for a server event ("slot freed") instead of sleeping. It also
// writes them to the test output.
type logWatch struct {
	mu      sync.Mutex
	records []logRecord
	changed chan struct{} // closed and replaced on every record
	out     slog.Handler
}

type logRecord struct {
	msg   string
	attrs map[string]string
}

func newLogWatch(t *testing.T) *logWatch {
	return &logWatch{
		changed: make(chan struct{}),
		out:     slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}),
	}
}

func (w *logWatch) Enabled(context.Context, slog.Level) bool { return true }
func (w *logWatch) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *logWatch) WithGroup(string) slog.Handler            { return w }

func (w *logWatch) Handle(ctx context.Context, r slog.Record) error {
	rec := logRecord{msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	w.mu.Lock()
	w.records = append(w.records, rec)
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()
	return w.out.Handle(ctx, r)
}

// count returns how many records have msg and the key=value pairs kv.
func (w *logWatch) count(msg string, kv ...string) (int, chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, r := range w.records {
		if r.msg == msg && matches(r.attrs, kv) {
			n++
		}
	}
	return n, w.changed
}

func matches(attrs map[string]string, kv []string) bool {
	for i := 0; i+1 < len(kv); i += 2 {
		if attrs[kv[i]] != kv[i+1] {
			return false
		}
	}
	return true
}

// waitFor waits until at least n records have msg and kv.
func (w *logWatch) waitFor(t *testing.T, n int, msg string, kv ...string) {
	t.Helper()
	timeout := time.After(testTimeout)
	for {
		got, changed := w.count(msg, kv...)
		if got >= n {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("server never logged %q %v (%d times)", msg, kv, n)
		}
	}
}

// start runs a server with cfg and returns it and its log. It counts in
// Prometheus, served on its own port (as with --metrics-public), for scrape;
// TestMetricsNotPublic checks that the server itself serves no /metrics.
func start(t *testing.T, cfg rendezvousserver.Config) (*rendezvoustest.Server, *logWatch) {
	w := newLogWatch(t)
	m := rendezvousmetrics.New()
	cfg.Metrics = m
	rz := rendezvousserver.New(slog.New(w), cfg)
	hs := httptest.NewServer(m.Public(rz))
	t.Cleanup(func() {
		_ = rz.Close()
		hs.Close()
	})
	return &rendezvoustest.Server{URL: "ws://" + strings.TrimPrefix(hs.URL, "http://"), HTTPURL: hs.URL, Rendezvous: rz}, w
}

// newServer returns a server with cfg that counts in m, logging to the test.
func newServer(t *testing.T, cfg rendezvousserver.Config) (*rendezvousserver.Server, *rendezvousmetrics.Metrics) {
	m := rendezvousmetrics.New()
	cfg.Metrics = m
	return rendezvousserver.New(slog.New(newLogWatch(t)), cfg), m
}

func dial(t *testing.T, url string) *rendezvousclient.Conn {
	t.Helper()
	return rendezvoustest.Dial(testCtx(t), t, url)
}

// pair connects a sender and a receiver under a fresh slot.
func pair(t *testing.T, url string) (sender, receiver *rendezvousclient.Conn, slot string) {
	t.Helper()
	return rendezvoustest.Pair(testCtx(t), t, url)
}

// exchange checks that a and b relay a message each way.
func exchange(t *testing.T, a, b *rendezvousclient.Conn) {
	t.Helper()
	ctx := testCtx(t)
	for _, d := range []struct {
		from, to *rendezvousclient.Conn
		msg      string
	}{{a, b, "ping"}, {b, a, "pong"}} {
		if err := d.from.Send(ctx, []byte(d.msg)); err != nil {
			t.Fatalf("Send(%s): %v", d.msg, err)
		}
		got, err := d.to.Recv(ctx)
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		if string(got) != d.msg {
			t.Fatalf("Recv = %q, want %q", got, d.msg)
		}
	}
}

// wantErr checks that err matches target and that its text has every want.
func wantErr(t *testing.T, err, target error, want ...string) {
	t.Helper()
	rendezvoustest.WantErr(t, err, target, want...)
}

// recvErr reads from c until an error and returns it.
func recvErr(t *testing.T, c *rendezvousclient.Conn) error {
	t.Helper()
	ctx := testCtx(t)
	for {
		if _, err := c.Recv(ctx); err != nil {
			if ctx.Err() != nil {
				t.Fatalf("Recv never failed: %v", err)
			}
			return err
		}
	}
}

var _ io.Closer = (*rendezvousclient.Conn)(nil)
