package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/internal/qrscan"
)

// TestSendQRScans: `ferry send --qr` draws a QR code that scans to the
// server's web page with the code in the fragment, the same address as the
// code event's web_url; the transfer then goes on as usual.
func TestSendQRScans(t *testing.T) {
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "photo.jpg", 1<<20)

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "43-alpha-bravo", "--json", "--qr", path)
	codeEv := sender.waitEvent("code", 30*time.Second)
	want := "http://" + strings.TrimPrefix(server, "ws://") + "/#43-alpha-bravo"
	if got := codeEv.str("web_url"); got != want {
		t.Fatalf("code event web_url %q, want %q", got, want)
	}
	// With --json the QR code is drawn before the code event, but stderr
	// comes through its own pipe: wait for the whole drawing.
	got, err := scanStderr(sender, 10*time.Second)
	if err != nil {
		t.Fatalf("%v; stderr:\n%s", err, sender.stderr)
	}
	if got != want {
		t.Fatalf("the QR code scans to %q, want %q", got, want)
	}

	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "43-alpha-bravo")
	if rc, _ := receiver.wait(transferTimeout); rc != 0 {
		t.Fatalf("receiver exit %d; stderr:\n%s", rc, receiver.stderr)
	}
	if sc, _ := sender.wait(transferTimeout); sc != 0 {
		t.Fatalf("sender exit %d; stderr:\n%s", sc, sender.stderr)
	}
	if fileSHA256(t, filepath.Join(out, "photo.jpg")) != sum {
		t.Fatal("the file arrived changed")
	}
}

// scanStderr reads the QR code p drew on stderr, waiting up to timeout for
// the drawing to come through whole.
func scanStderr(p *proc, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		got, err := qrscan.Decode(qrscan.Find(p.stderr.String()))
		if err == nil || time.Now().After(deadline) {
			return got, err
		}
		<-tick.C
	}
}

// TestNoWebAppNoPageAddress: a server that does not serve the browser app
// (ferry-rendezvous --no-web-app) says so in its welcome: the sender prints
// no page address, and --qr explains why it draws nothing.
func TestNoWebAppNoPageAddress(t *testing.T) {
	server := startRendezvous(t, "--no-web-app")
	src := t.TempDir()
	path, _ := randomFile(t, src, "a.bin", 1024)
	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "44-alpha-bravo", "--json", "--qr", path)
	codeEv := sender.waitEvent("code", 30*time.Second)
	if got := codeEv.str("web_url"); got != "" {
		t.Fatalf("code event web_url %q from a server without the app", got)
	}
	// The warning comes before the event, through stderr's own pipe.
	warned := "does not say that it serves the browser page"
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(sender.stderr.String(), warned) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // a bounded poll of the pipe's copy
	}
	if !strings.Contains(sender.stderr.String(), warned) || len(qrscan.Find(sender.stderr.String())) > 0 {
		t.Fatalf("stderr:\n%s\nwant the --qr warning and no drawing", sender.stderr)
	}
}
