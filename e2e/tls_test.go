package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and localhost
// and its key into dir, and returns the two paths.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "ferry e2e rendezvous"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
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
