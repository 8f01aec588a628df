package e2e

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

const transferTimeout = 3 * time.Minute

// TestSendReceiveThroughRendezvous is issue 2's "done when": a 64 MiB random
// file through a real ferry-rendezvous with a chosen code, both sides --json.
func TestSendReceiveThroughRendezvous(t *testing.T) {
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "random.bin", 64<<20)

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "42-alpha-bravo", "--json", path)
	codeEv := sender.waitEvent("code", 30*time.Second)
	if codeEv.str("code") != "42-alpha-bravo" || codeEv.str("server") != server {
		t.Fatalf("code event = %v, want code 42-alpha-bravo and server %s", codeEv, server)
	}
	if want := "ferry receive --server " + server + " 42-alpha-bravo"; codeEv.str("command") != want {
		t.Fatalf("code event command = %q, want %q", codeEv.str("command"), want)
	}

	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "42-alpha-bravo")
	rc, revents := receiver.wait(transferTimeout)
	sc, sevents := sender.wait(transferTimeout)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver stderr:\n%s\nsender stderr:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	if got := fileSHA256(t, filepath.Join(out, "random.bin")); got != sum {
		t.Fatalf("received file sha256 %s, want %s", got, sum)
	}
	if names := dirNames(t, out); !slices.Equal(names, []string{"random.bin"}) {
		t.Fatalf("output dir holds %v, want only random.bin", names)
	}
	fileEv, ok := findEvent(revents, "file")
	if !ok || fileEv.str("sha256") != sum || fileEv.str("path") != "random.bin" || fileEv.num("size") != 64<<20 {
		t.Fatalf("receiver file event = %v, want path random.bin, size %d, sha256 %s", fileEv, 64<<20, sum)
	}
	for _, evs := range [][]event{revents, sevents} {
		done, ok := findEvent(evs, "done")
		if !ok || done.num("files") != 1 || done.num("bytes") != 64<<20 {
			t.Fatalf("done event = %v, want 1 file of %d bytes", done, 64<<20)
		}
		conn, ok := findEvent(evs, "connected")
		if !ok || conn.str("route") != "direct" {
			t.Fatalf("connected event = %v, want route direct", conn)
		}
		if _, ok := findEvent(evs, "progress"); !ok {
			t.Fatalf("no progress event in %v", evs)
		}
	}
	offer, ok := findEvent(revents, "offer")
	if !ok || offer.num("files") != 1 || offer.num("bytes") != 64<<20 {
		t.Fatalf("offer event = %v", offer)
	}
}

// TestParallelConnections: the sender asks for three connections, the
// receiver allows two (FERRY_PARALLEL); a file of many stripes and small
// files after it arrive identical over the two.
func TestParallelConnections(t *testing.T) {
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	if err := os.Mkdir(filepath.Join(src, "tree"), 0o755); err != nil {
		t.Fatal(err)
	}
	big, bigSum := randomFile(t, filepath.Join(src, "tree"), "big.bin", 24<<20+4321)
	sums := map[string]string{"big.bin": bigSum}
	for _, name := range []string{"a.bin", "b.bin", "c.bin"} {
		_, sums[name] = randomFile(t, filepath.Join(src, "tree"), name, int64(100<<10+len(name)))
	}

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "8-many-lanes", "--parallel", "3", "--json", filepath.Dir(big))
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, []string{"FERRY_PARALLEL=2"}, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "8-many-lanes")
	rc, revents := receiver.wait(transferTimeout)
	sc, sevents := sender.wait(transferTimeout)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver stderr:\n%s\nsender stderr:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	for name, sum := range sums {
		if got := fileSHA256(t, filepath.Join(out, "tree", name)); got != sum {
			t.Errorf("%s: sha256 %s, want %s", name, got, sum)
		}
	}
	for side, evs := range map[string][]event{"receiver": revents, "sender": sevents} {
		if conn, ok := findEvent(evs, "connected"); !ok || conn.num("connections") != 2 {
			t.Errorf("%s's connected event = %v, want 2 connections", side, conn)
		}
	}
}

// TestReceiveWithoutTerminalNeedsYes: no terminal and no --yes refuses with a
// message that names --yes; both sides exit 5 and nothing is written.
func TestReceiveWithoutTerminalNeedsYes(t *testing.T) {
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, _ := randomFile(t, src, "a.bin", 1<<20)

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "5-no-terminal", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--out", out, "5-no-terminal")
	rc, _ := receiver.wait(transferTimeout)
	sc, sevents := sender.wait(transferTimeout)
	if rc != 5 || sc != 5 {
		t.Fatalf("exit codes: receiver %d, sender %d, want 5 and 5\nreceiver stderr:\n%s\nsender stderr:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	if !strings.Contains(receiver.stderr.String(), "--yes") {
		t.Fatalf("receiver's message does not name --yes:\n%s", receiver.stderr)
	}
	if e, ok := findEvent(sevents, "error"); !ok || e.str("kind") != "declined" {
		t.Fatalf("sender error event = %v, want kind declined", e)
	}
	if names := dirNames(t, out); len(names) != 0 {
		t.Fatalf("output dir holds %v, want nothing", names)
	}
}

// TestReceiveUnknownCode fails fast with exit 3 when nobody waits under the slot.
func TestReceiveUnknownCode(t *testing.T) {
	server := startRendezvous(t)
	out := t.TempDir()
	begin := time.Now()
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "77-nobody-here")
	rc, events := receiver.wait(30 * time.Second)
	if rc != 3 {
		t.Fatalf("exit code %d, want 3; stderr:\n%s", rc, receiver.stderr)
	}
	if took := time.Since(begin); took > 10*time.Second {
		t.Fatalf("took %s to report an unknown code", took)
	}
	if e, ok := findEvent(events, "error"); !ok || e.str("kind") != "no_such_code" {
		t.Fatalf("error event = %v, want kind no_such_code", e)
	}
}

// TestSendChosenCodeInUse: a second sender with the same chosen code gets a clear error.
func TestSendChosenCodeInUse(t *testing.T) {
	server := startRendezvous(t)
	path, _ := randomFile(t, t.TempDir(), "a.bin", 1024)
	first := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "9-taken-code", "--json", path)
	first.waitEvent("code", 30*time.Second)
	second := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "9-other-words", path)
	rc, _ := second.wait(30 * time.Second)
	if rc != 3 || !strings.Contains(second.stderr.String(), "in use") {
		t.Fatalf("second sender: exit %d, stderr:\n%s\nwant exit 3 and a message that the code is in use", rc, second.stderr)
	}
}

// TestInterruptedReceiverLeavesNoFile: Ctrl-C during the transfer exits 130 and
// leaves no file in place under its final name.
func TestInterruptedReceiverLeavesNoFile(t *testing.T) {
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, _ := randomFile(t, src, "big.bin", 256<<20)
	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "11-stop-me", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "11-stop-me")
	for {
		e := receiver.waitEvent("progress", transferTimeout)
		if e.num("bytes") > 0 && e.num("bytes") < e.num("total") {
			break
		}
	}
	if err := receiver.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rc, events := receiver.wait(30 * time.Second)
	if rc != 130 {
		t.Fatalf("receiver exit %d after SIGINT, want 130; stderr:\n%s", rc, receiver.stderr)
	}
	if e, ok := findEvent(events, "error"); !ok || e.str("kind") != "interrupted" {
		t.Fatalf("error event = %v, want kind interrupted", e)
	}
	for _, n := range dirNames(t, out) {
		if n == "big.bin" {
			t.Fatalf("big.bin is in place after an interrupted transfer")
		}
	}
	if sc, _ := sender.wait(60 * time.Second); sc != 6 {
		t.Fatalf("sender exit %d after the receiver was interrupted, want 6 (connection lost); stderr:\n%s", sc, sender.stderr)
	}
}

// TestUsageErrors: wrong invocations exit with a message that says what to do.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  []string
		code int
		want string
	}{
		{[]string{"send"}, nil, 2, "nothing to send"},
		{[]string{"send", "--code", "apple-river", "x"}, nil, 2, "7-apple-river"},
		{[]string{"receive", "--server", "ws://127.0.0.1:1"}, []string{"FERRY_CODE="}, 2, "no code"},
		{[]string{"send", "--bogus", "x"}, nil, 2, "unknown flag"},
		{[]string{"send", "--parallel", "99", "x"}, nil, 2, "--parallel 99: give 1 to 8"},
		{[]string{"receive", "--server", "ws://127.0.0.1:1", "7-apple-river"}, []string{"FERRY_PARALLEL=many"}, 2, `FERRY_PARALLEL="many": not a number`},
		{[]string{"receive", "--server", "ws://127.0.0.1:1", "7-apple-river"}, []string{"FERRY_PARALLEL=12"}, 2, `FERRY_PARALLEL="12": give 1 to 8`},
		{[]string{"receive", "--server", "ws://127.0.0.1:1", "not-a-code"}, nil, 3, "7-apple-river"},
	} {
		p := start(t, tc.env, nil, bin.ferry, tc.args...)
		rc, _ := p.wait(30 * time.Second)
		if rc != tc.code {
			t.Errorf("ferry %v: exit %d, want %d; stderr:\n%s", tc.args, rc, tc.code, p.stderr)
		}
		if !strings.Contains(p.stderr.String(), tc.want) {
			t.Errorf("ferry %v: stderr does not mention %q:\n%s", tc.args, tc.want, p.stderr)
		}
	}
}

// TestUnreachableServer exits 6 with a message that names the server.
func TestUnreachableServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + ln.Addr().String()
	ln.Close() // nothing listens there any more
	p := start(t, nil, nil, bin.ferry, "receive", "--server", url, "--yes", "--out", t.TempDir(), "3-some-code")
	rc, _ := p.wait(60 * time.Second)
	if rc != 6 || !strings.Contains(p.stderr.String(), ln.Addr().String()) {
		t.Fatalf("exit %d, want 6 and a message naming the server; stderr:\n%s", rc, p.stderr)
	}
}
