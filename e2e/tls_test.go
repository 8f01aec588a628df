package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/internal/testcert"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and localhost
// and its key into dir, and returns the two paths.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	_, certFile, keyFile = testcert.Write(t, dir, "ferry e2e rendezvous")
	return certFile, keyFile
}

// TestSendReceiveThroughWSS is issue 7's "done when": ferry send and ferry
// receive pair through wss:// against a ferry-rendezvous serving TLS from
// certificate files; the clients trust the self-signed certificate through
// SSL_CERT_FILE. Without it they refuse the server and say what to do.
func TestSendReceiveThroughWSS(t *testing.T) {
	certFile, keyFile := selfSigned(t, t.TempDir())
	server := "wss://" + strings.TrimPrefix(startRendezvous(t, "--tls-cert", certFile, "--tls-key", keyFile), "ws://")
	trust := []string{"SSL_CERT_FILE=" + certFile}
	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "over-tls.bin", 4<<20)

	sender := start(t, trust, nil, bin.ferry, "send", "--server", server, "--code", "7-tls-works", "--json", path)
	if ev := sender.waitEvent("code", 30*time.Second); ev.str("server") != server {
		t.Fatalf("code event %v, want server %s", ev, server)
	}
	receiver := start(t, trust, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "7-tls-works")
	rc, _ := receiver.wait(transferTimeout)
	sc, _ := sender.wait(transferTimeout)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver stderr:\n%s\nsender stderr:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	if got := fileSHA256(t, filepath.Join(out, "over-tls.bin")); got != sum {
		t.Fatalf("received sha256 %s, want %s", got, sum)
	}

	// A client that does not trust the certificate: exit 6 and advice.
	p := start(t, []string{"SSL_CERT_FILE=" + filepath.Join(t.TempDir(), "none.pem")}, nil, bin.ferry,
		"receive", "--server", server, "--yes", "--out", t.TempDir(), "8-no-trust")
	code, _ := p.wait(60 * time.Second)
	if code != 6 || !strings.Contains(p.stderr.String(), "SSL_CERT_FILE") {
		t.Fatalf("untrusted certificate: exit %d, want 6 and advice about SSL_CERT_FILE; stderr:\n%s", code, p.stderr)
	}
}
