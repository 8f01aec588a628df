package e2e

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// TestOutputClosedStopsBothSides: `ferry receive --out - | head -c 100`. The
// reader stops early; the receiver must not die of SIGPIPE (exit 141, no
// word) but say that its output closed (exit 1), and the sender must stop
// within seconds with the receiver's reason, without claiming that the
// receiver kept data to resume (a stream to standard output cannot be).
func TestOutputClosedStopsBothSides(t *testing.T) {
	server := startRendezvous(t)
	path, _ := randomFile(t, t.TempDir(), "big.bin", 256<<20)

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "81-closed-pipe", "--json", path)
	sender.waitEvent("code", 30*time.Second)

	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	receiver := startIO(t, nil, pw, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", "-", "81-closed-pipe")
	pw.Close() // the receiver holds the only write end now
	head := make([]byte, 100)
	if _, err := io.ReadFull(pr, head); err != nil {
		t.Fatalf("reading the first 100 bytes of the receiver's output: %v; stderr:\n%s", err, receiver.stderr)
	}
	pr.Close() // as head -c 100 does

	rc, _ := receiver.wait(30 * time.Second)
	receiverExited := time.Now()
	msg := receiver.stderr.String()
	if rc != 1 {
		t.Fatalf("receiver exit %d after its output closed, want 1; stderr:\n%s", rc, msg)
	}
	if !strings.Contains(msg, "the output closed (the program reading ferry's output stopped)") {
		t.Fatalf("receiver's message does not say that its output closed:\n%s", msg)
	}
	if strings.Contains(msg, "to resume") {
		t.Fatalf("receiver's message offers to resume a stream to standard output:\n%s", msg)
	}

	sc, sev := sender.wait(30 * time.Second)
	took := time.Since(receiverExited)
	smsg := sender.stderr.String()
	if took > 5*time.Second {
		t.Fatalf("the sender took %s to stop after the receiver's output closed; stderr:\n%s", took, smsg)
	}
	if sc != 1 {
		t.Fatalf("sender exit %d, want 1 (the receiver failed); stderr:\n%s", sc, smsg)
	}
	if !strings.Contains(smsg, "output closed") || strings.Contains(smsg, "keeps what arrived") {
		t.Fatalf("sender's message should give the receiver's reason and not offer to resume:\n%s", smsg)
	}
	t.Logf("receiver:\n%s\nsender (stopped %s after the receiver):\n%s", msg, took.Round(time.Millisecond), smsg)
	if e, ok := findEvent(sev, "error"); !ok || e.str("kind") != "other" {
		t.Fatalf("sender's error event %v, want kind other", e)
	}
}
