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

// TestStreamToFullDisk: `ferry receive --out - > file` on a full disk. A
// stream to standard output has no .part to resume from, so the advice is
// to free space and receive again, not to resume into the same directory.
func TestStreamToFullDisk(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full here: %v", err)
	}
	defer full.Close()
	server := startRendezvous(t)
	path, _ := randomFile(t, t.TempDir(), "big.bin", 8<<20)

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "82-full-disk", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	receiver := startIO(t, nil, full, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", "-", "82-full-disk")
	rc, _ := receiver.wait(30 * time.Second)
	msg := receiver.stderr.String()
	t.Logf("receiver:\n%s", msg)
	if rc != 1 {
		t.Fatalf("receiver exit %d on a full disk, want 1; stderr:\n%s", rc, msg)
	}
	if !strings.Contains(msg, "no space left where standard output goes") || !strings.Contains(msg, "cannot be resumed") ||
		strings.Contains(msg, "same directory") {
		t.Fatalf("receiver's advice does not fit a stream:\n%s", msg)
	}
	if sc, _ := sender.wait(30 * time.Second); sc != 1 || strings.Contains(sender.stderr.String(), "keeps what arrived") {
		t.Fatalf("sender exit %d, want 1 without a resume offer; stderr:\n%s", sc, sender.stderr)
	}
}
