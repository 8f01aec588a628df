package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// TestReceiveWaitsForSender: a receiver with --wait and a chosen code starts
// before its sender (cron jobs on both ends); it says it waits, the sender
// starts once it does, and the transfer succeeds.
func TestReceiveWaitsForSender(t *testing.T) {
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "early.bin", 1<<20)

	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--wait", "2m", "--yes", "--out", out, "--json", "31-early-bird")
	w := receiver.waitEvent("waiting", 30*time.Second)
	if w.str("slot") != "31" || w.num("wait_seconds") != 120 {
		t.Fatalf("waiting event = %v, want slot 31 and wait_seconds 120", w)
	}
	if strings.Contains(receiver.stderr.String(), "early-bird") {
		t.Fatalf("the receiver showed the code's words while waiting:\n%s", receiver.stderr)
	}

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "31-early-bird", "--json", path)
	rc, revents := receiver.wait(transferTimeout)
	sc, _ := sender.wait(transferTimeout)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver stderr:\n%s\nsender stderr:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	if got := fileSHA256(t, filepath.Join(out, "early.bin")); got != sum {
		t.Fatalf("received file sha256 %s, want %s", got, sum)
	}
	if done, ok := findEvent(revents, "done"); !ok || done.num("files") != 1 {
		t.Fatalf("receiver done event = %v, want 1 file", done)
	}
}

// TestReceiveWaitEnds: with --wait 1s and no sender, the receiver gives up
// after about a second with the usual exit 3, saying that it waited.
func TestReceiveWaitEnds(t *testing.T) {
	server := startRendezvous(t)
	begin := time.Now()
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--wait", "1s", "--yes", "--out", t.TempDir(), "--json", "32-nobody-came")
	rc, events := receiver.wait(30 * time.Second)
	took := time.Since(begin)
	if rc != 3 {
		t.Fatalf("exit code %d, want 3; stderr:\n%s", rc, receiver.stderr)
	}
	if took < time.Second || took > 8*time.Second {
		t.Fatalf("gave up after %s, want about 1s", took)
	}
	if _, ok := findEvent(events, "waiting"); !ok {
		t.Fatalf("no waiting event in %v", events)
	}
	e, ok := findEvent(events, "error")
	if !ok || e.str("kind") != "no_such_code" || !strings.Contains(e.str("message"), "waited 1s") {
		t.Fatalf("error event = %v, want kind no_such_code and a message that says it waited 1s", e)
	}
	if msg := receiver.stderr.String(); !strings.Contains(msg, "waited 1s") || !strings.Contains(msg, "no sender is waiting") {
		t.Fatalf("stderr:\n%s\nwant that it waited 1s and that no sender is waiting", msg)
	}
}

// TestReceiveWaitUsedCodeFailsAtOnce: --wait waits only for a sender that is
// not there yet; a code someone else already used fails at once.
func TestReceiveWaitUsedCodeFailsAtOnce(t *testing.T) {
	server := startRendezvous(t)
	path, _ := randomFile(t, t.TempDir(), "a.bin", 1024)
	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "33-first-come", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	// Someone else joins first and holds the pairing open.
	first, err := rendezvousclient.Dial(context.Background(), server)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if err := first.Join(context.Background(), "33"); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	second := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--wait", "1m", "--yes", "--out", t.TempDir(), "--json", "33-first-come")
	rc, events := second.wait(30 * time.Second)
	if took := time.Since(begin); took > 10*time.Second {
		t.Fatalf("a used code took %s to fail with --wait 1m", took)
	}
	if rc != 3 {
		t.Fatalf("exit code %d, want 3; stderr:\n%s", rc, second.stderr)
	}
	if _, ok := findEvent(events, "waiting"); ok {
		t.Fatalf("the receiver of a used code waited: %v", events)
	}
}

// TestReceiveWaitBadValue: a --wait or FERRY_WAIT that is no duration, or a
// negative one, is a usage error (exit 2) that says what to give.
func TestReceiveWaitBadValue(t *testing.T) {
	for _, c := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"--wait", "soon"}, "--wait"},
		{nil, []string{"--wait", "-5s"}, "negative"},
		{[]string{"FERRY_WAIT=soon"}, nil, "FERRY_WAIT"},
	} {
		args := append([]string{"receive", "--server", "ws://127.0.0.1:1", "--yes"}, c.args...)
		p := start(t, c.env, nil, bin.ferry, append(args, "34-bad-wait")...)
		rc, _ := p.wait(30 * time.Second)
		if rc != 2 || !strings.Contains(p.stderr.String(), c.want) {
			t.Fatalf("%v %v: exit %d, stderr:\n%s\nwant exit 2 and %q", c.env, c.args, rc, p.stderr, c.want)
		}
	}
}

// TestReceiveWaitThroughLimit: a server limit met while waiting (here one
// join a minute from an address) is waited out, not an error at once; when
// the wait ends, the error names the limit.
func TestReceiveWaitThroughLimit(t *testing.T) {
	server := startRendezvous(t, "--joins-per-ip", "1")
	begin := time.Now()
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--wait", "2s", "--yes", "--out", t.TempDir(), "--json", "35-held-back")
	rc, events := receiver.wait(30 * time.Second)
	if took := time.Since(begin); took < 2*time.Second {
		t.Fatalf("gave up after %s, want after the 2s it was told to wait; stderr:\n%s", took, receiver.stderr)
	}
	e, ok := findEvent(events, "error")
	if rc != 1 || !ok || e.str("kind") != "server_limit" || !strings.Contains(e.str("message"), "waited 2s") || !strings.Contains(e.str("message"), "--joins-per-ip") {
		t.Fatalf("exit %d, error event %v; want exit 1, kind server_limit and a message that it waited 2s for --joins-per-ip", rc, e)
	}
}

// TestReceiveWaitInterrupted: Ctrl-C while waiting for the sender exits 130
// at once, with an interrupted error.
func TestReceiveWaitInterrupted(t *testing.T) {
	server := startRendezvous(t)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--wait", "10m", "--yes", "--out", t.TempDir(), "--json", "36-never-comes")
	receiver.waitEvent("waiting", 30*time.Second)
	if err := receiver.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rc, events := receiver.wait(30 * time.Second)
	if e, ok := findEvent(events, "error"); rc != 130 || !ok || e.str("kind") != "interrupted" {
		t.Fatalf("exit %d, error event %v; want exit 130 and kind interrupted; stderr:\n%s", rc, e, receiver.stderr)
	}
}
