package servercmd_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/internal/testbin"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

const restartMessage = "the server is restarting; run the same command again"

// startBinary builds ferry-rendezvous and runs it on a random loopback port
// with args; it returns the process, its stderr lines and its address.
func startBinary(t *testing.T, args ...string) (*exec.Cmd, *lines, string) {
	t.Helper()
	bin := testbin.ForTest(t, testbin.Rendezvous)
	cmd := exec.Command(bin, append([]string{"--listen", "127.0.0.1:0"}, args...)...)
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	out := readLines(pr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		pw.Close()
	})
	return cmd, out, out.waitFor(t, listeningText)[1]
}

// exitOf waits for cmd to exit and returns its error.
func exitOf(t *testing.T, cmd *exec.Cmd, out *lines) error {
	t.Helper()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		return err
	case <-time.After(testTimeout):
		t.Fatalf("no exit:\n%s", out)
		return nil
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// meet pairs a new sender and receiver through url.
func meet(t *testing.T, url string, opts rendezvousclient.DialOptions) (sender, receiver *rendezvousclient.Conn) {
	t.Helper()
	ctx := testCtx(t)
	sender, err := rendezvousclient.DialWith(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sender.Close() })
	slot, err := sender.Allocate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	receiver, err = rendezvousclient.DialWith(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = receiver.Close() })
	if err := receiver.Join(ctx, slot); err != nil {
		t.Fatal(err)
	}
	if err := sender.WaitPeer(ctx); err != nil {
		t.Fatal(err)
	}
	return sender, receiver
}

// relayBothWays checks that a pair still relays.
func relayBothWays(t *testing.T, a, b *rendezvousclient.Conn) {
	t.Helper()
	ctx := testCtx(t)
	for _, d := range []struct{ from, to *rendezvousclient.Conn }{{a, b}, {b, a}} {
		if err := d.from.Send(ctx, []byte("sdp")); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if m, err := d.to.Recv(ctx); err != nil || string(m) != "sdp" {
			t.Fatalf("Recv = %q, %v", m, err)
		}
	}
}

// TestSIGTERMDrains: on SIGTERM the real binary tells a waiting sender to
// run its command again, lets a pair in its handshake finish, and exits 0
// once that pair is done.
func TestSIGTERMDrains(t *testing.T) {
	cmd, out, addr := startBinary(t, "--shutdown-timeout", "2m")
	url := "ws://" + addr
	ctx := testCtx(t)
	waiting, err := rendezvousclient.Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer waiting.Close()
	if _, err := waiting.Allocate(ctx); err != nil {
		t.Fatal(err)
	}
	sender, receiver := meet(t, url, rendezvousclient.DialOptions{})

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = waiting.WaitPeer(ctx)
	if !errors.Is(err, rendezvous.ErrUnreachable) || !strings.Contains(err.Error(), restartMessage) {
		t.Fatalf("waiting sender after SIGTERM: %v, want %q", err, restartMessage)
	}
	relayBothWays(t, sender, receiver) // the handshake in flight goes on
	_ = sender.Close()
	_ = receiver.Close()
	if err := exitOf(t, cmd, out); err != nil {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	if s := out.String(); !strings.Contains(s, "msg=stopped") || strings.Contains(s, "not clean") {
		t.Errorf("log:\n%s", s)
	}
}

// TestSIGTERMDeadline: a pair still connected when --shutdown-timeout runs
// out is told the same and cut; the server still exits 0, with a warning.
func TestSIGTERMDeadline(t *testing.T) {
	cmd, out, addr := startBinary(t, "--shutdown-timeout", "500ms")
	sender, receiver := meet(t, "ws://"+addr, rendezvousclient.DialOptions{})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*rendezvousclient.Conn{sender, receiver} {
		_, err := c.Recv(testCtx(t))
		if !errors.Is(err, rendezvous.ErrUnreachable) || !strings.Contains(err.Error(), restartMessage) {
			t.Errorf("pair after the deadline: %v, want %q", err, restartMessage)
		}
	}
	if err := exitOf(t, cmd, out); err != nil {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "connections were cut") {
		t.Errorf("no warning that connections were cut:\n%s", out)
	}
}

// TestSIGHUPReloadsCertificate: a renewed certificate is served to new
// connections after SIGHUP, while a sender connected before keeps waiting
// and then meets a receiver that trusts only the new certificate. A broken
// renewal keeps the certificate in use.
func TestSIGHUPReloadsCertificate(t *testing.T) {
	dir := t.TempDir()
	one := certFiles(t, dir, "ferry test one")
	cmd, out, addr := startBinary(t, "--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem"))
	url := "wss://" + addr
	if got := servedCert(t, addr); !got.Equal(one) {
		t.Fatalf("serves %s, want the first certificate", got.Subject)
	}
	ctx := testCtx(t)
	two := certFiles(t, dir, "ferry test two") // written before the sender connects: it must not matter
	sender, err := rendezvousclient.DialWith(ctx, url, rendezvousclient.DialOptions{HTTPClient: trusting(one)})
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	slot, err := sender.Allocate(ctx)
	if err != nil {
		t.Fatal(err)
	}

	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, regexp.MustCompile(`msg="tls certificate reloaded" subject="CN=ferry test two"`))
	if got := servedCert(t, addr); !got.Equal(two) {
		t.Fatalf("after SIGHUP serves %s, want the second certificate", got.Subject)
	}
	receiver, err := rendezvousclient.DialWith(ctx, url, rendezvousclient.DialOptions{HTTPClient: trusting(two)})
	if err != nil {
		t.Fatal(err)
	}
	defer receiver.Close()
	if err := receiver.Join(ctx, slot); err != nil {
		t.Fatalf("join the sender that connected before the reload: %v", err)
	}
	if err := sender.WaitPeer(ctx); err != nil {
		t.Fatal(err)
	}
	relayBothWays(t, sender, receiver)

	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, regexp.MustCompile(`msg="tls certificate reload failed; still serving the previous one"`))
	if got := servedCert(t, addr); !got.Equal(two) {
		t.Fatalf("after a failed reload serves %s, want the second certificate still", got.Subject)
	}
}
