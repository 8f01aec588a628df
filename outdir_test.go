package ferry_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ferry-dev/ferry"
)

// TestFailedReceiveLeavesNoEmptyDir: a receive that fails before anything
// arrives (here: a server that refuses the connection) removes the output
// directories it created, and keeps one that was there before.
func TestFailedReceiveLeavesNoEmptyDir(t *testing.T) {
	ctx := testContext(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := "ws://" + ln.Addr().String()
	ln.Close() // nothing listens there any more

	base := t.TempDir()
	dir := filepath.Join(base, "new", "inbox")
	_, err = ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: refusing, Code: "7-apple-river"}, Dir: dir})
	if err == nil {
		t.Fatal("receive from a refusing server succeeded")
	}
	if _, serr := os.Stat(filepath.Join(base, "new")); !os.IsNotExist(serr) {
		t.Errorf("after %q, the output directory it created is still there (stat: %v)", err, serr)
	}

	existing := filepath.Join(base, "existing")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: refusing, Code: "7-apple-river"}, Dir: existing}); err == nil {
		t.Fatal("receive from a refusing server succeeded")
	}
	if _, err := os.Stat(existing); err != nil {
		t.Errorf("an output directory that was there before was removed: %v", err)
	}

	// Cancelled mid-file: what arrived is kept for a resume, and so is the
	// directory that the receive created for it.
	srcDir := t.TempDir()
	data := make([]byte, 32<<20)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(srcDir, "big.bin"), data)
	src, err := ferry.Files(filepath.Join(srcDir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t)
	code, sent := sendAsync(t, ctx, src, ferry.SendConfig{Config: ferry.Config{Server: srv.URL()}, NoCompression: true}, newRecorder())
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	partial := filepath.Join(base, "partial", "inbox")
	_, err = ferry.Receive(rctx, ferry.ReceiveConfig{
		Config: ferry.Config{Server: code.Server, Code: code.Code,
			Events: progressHook{after: 4 << 20, once: new(sync.Once), f: cancel}},
		Dir: partial,
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("receive: %v; want context.Canceled", err)
	}
	<-sent
	names, err := os.ReadDir(partial)
	if err != nil || len(names) == 0 {
		t.Fatalf("after a receive cancelled mid-file, its directory: %v, %d entries; want what arrived kept", err, len(names))
	}
	t.Logf("kept for a resume: %s", names[0].Name())
}
