package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
	"github.com/ferry-dev/ferry/rendezvous/rendezvoustest"
)

// runPair runs a sender and a receiver in this process against a real
// rendezvous server, answering their prompts with sendIn and recvIn as if typed
// on a terminal.
func runPair(t *testing.T, code string, verify bool, sendIn, recvIn string) (sendOut, recvOut, out string, sendErr, recvErr error) {
	t.Helper()
	srv := rendezvoustest.Start(t, nil, rendezvousserver.Config{})
	src := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(src, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	sios, sin, _, _ := Test()
	serr := newWatchWriter("Code: ")
	sios.ErrOut = serr
	sios.StdinTTY = true
	sin.WriteString(sendIn)
	rios, rin, _, rerr := Test()
	rios.StdinTTY = true
	rin.WriteString(recvIn)

	sent := make(chan error, 1)
	go func() {
		sent <- runSend(ctx, &SendOptions{IO: sios, Paths: []string{src}, Server: srv.URL, Code: code, Words: 2, Verify: verify})
	}()
	// The receiver may only join once the sender holds the slot.
	select {
	case <-serr.seen:
	case err := <-sent:
		t.Fatalf("sender stopped before printing its code: %v\n%s", err, serr)
	}
	recvErr = runReceive(ctx, &ReceiveOptions{IO: rios, Code: code, Server: srv.URL, Out: out, Verify: verify})
	sendErr = <-sent
	return serr.String(), rerr.String(), out, sendErr, recvErr
}

func TestVerifyShowsTheSameStringOnBothSides(t *testing.T) {
	sout, rout, out, sendErr, recvErr := runPair(t, "8-verify-me", true, "y\n", "y\ny\n")
	if sendErr != nil || recvErr != nil {
		t.Fatalf("send: %v\nreceive: %v\nsender:\n%s\nreceiver:\n%s", sendErr, recvErr, sout, rout)
	}
	re := regexp.MustCompile(`Verification string: (\d{4} \d{4})`)
	s, r := re.FindStringSubmatch(sout), re.FindStringSubmatch(rout)
	if s == nil || r == nil || s[1] != r[1] {
		t.Fatalf("verification strings differ or are missing:\nsender:\n%s\nreceiver:\n%s", sout, rout)
	}
	if b, err := os.ReadFile(filepath.Join(out, "note.txt")); err != nil || string(b) != "hello" {
		t.Fatalf("note.txt = %q, %v", b, err)
	}
}

func TestVerifyRejectedStopsBothSides(t *testing.T) {
	sout, rout, out, sendErr, recvErr := runPair(t, "9-verify-no", true, "y\n", "n\n")
	if _, code := classify(context.Background(), recvErr); code != ExitAuth {
		t.Fatalf("receiver that said no: %v (exit %d), want exit %d\n%s", recvErr, code, ExitAuth, rout)
	}
	if _, code := classify(context.Background(), sendErr); code == ExitOK {
		t.Fatalf("sender succeeded although the receiver rejected the verification:\n%s", sout)
	}
	if names, _ := os.ReadDir(out); len(names) != 0 {
		t.Fatalf("files written after a rejected verification: %v", names)
	}
}

// watchWriter is a goroutine-safe buffer that closes seen once pattern was written.
type watchWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	pattern string
	seen    chan struct{}
}

func newWatchWriter(pattern string) *watchWriter {
	return &watchWriter{pattern: pattern, seen: make(chan struct{})}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := strings.Contains(w.buf.String(), w.pattern)
	n, err := w.buf.Write(p)
	if !had && strings.Contains(w.buf.String(), w.pattern) {
		close(w.seen)
	}
	return n, err
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
