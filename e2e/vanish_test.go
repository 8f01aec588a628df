package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lostWithin is how soon after the other side stopped answering a side must
// have exited (issue 12 item 10: noticed within 10 s of the last packet,
// plus the teardown and the process exit).
const lostWithin = 12 * time.Second

// signalPast waits until p reports progress past frac of the total, then
// sends it sig, and returns when it did.
func signalPast(t *testing.T, p *proc, frac float64, sig syscall.Signal) time.Time {
	t.Helper()
	for {
		e := p.waitEvent("progress", transferTimeout)
		if float64(e.num("bytes")) >= frac*float64(e.num("total")) {
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			return time.Now()
		}
	}
}

// checkLost asserts that p exited with 6 within lostWithin of since, with a
// peer_lost error event whose message mentions each of want.
func checkLost(t *testing.T, name string, p *proc, since time.Time, want ...string) {
	t.Helper()
	code, evs := p.wait(lostWithin + 30*time.Second)
	took := time.Since(since)
	t.Logf("%s exited %d %.1fs after the other side vanished", name, code, took.Seconds())
	if code != 6 {
		t.Fatalf("%s exit %d after the other side vanished, want 6; stderr:\n%s", name, code, p.stderr)
	}
	if took > lostWithin {
		t.Fatalf("%s took %.1fs to give up on a vanished peer, want at most %s; stderr:\n%s", name, took.Seconds(), lostWithin, p.stderr)
	}
	e, _ := findEvent(evs, "error")
	if e.str("kind") != "peer_lost" {
		t.Fatalf("%s: error event %v, want kind peer_lost", name, e)
	}
	for _, w := range want {
		if !strings.Contains(e.str("message"), w) {
			t.Fatalf("%s: error message %q does not say %q", name, e.str("message"), w)
		}
	}
}

// TestSenderNoticesStoppedReceiver: the receiver is suspended (SIGSTOP, as a
// laptop lid closing) mid-transfer; its sockets stay open but nothing comes
// back. The sender, blocked on backpressure, gives up with exit 6 within
// lostWithin and says how to resume.
func TestSenderNoticesStoppedReceiver(t *testing.T) {
	const size = 512 << 20
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, _ := randomFile(t, src, "big.bin", size)

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "81-stop-receiver", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "81-stop-receiver")
	// Registered after start's cleanup, so it runs first: a stopped process
	// cannot take start's SIGQUIT.
	t.Cleanup(func() { _ = receiver.cmd.Process.Kill() })
	stopped := signalPast(t, receiver, 0.1, syscall.SIGSTOP)
	checkLost(t, "sender", sender, stopped, "lost", "resume")
}

// TestReceiverNoticesKilledSender: the sender is killed mid-transfer; the
// receiver gives up with exit 6 within lostWithin, keeps what arrived and says
// how to resume.
func TestReceiverNoticesKilledSender(t *testing.T) {
	const size = 512 << 20
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, _ := randomFile(t, src, "data.bin", size)

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "82-kill-sender", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "82-kill-sender")
	killed := signalPast(t, sender, 0.1, syscall.SIGKILL)
	checkLost(t, "receiver", receiver, killed, "lost", "data.bin", "kept", "resume")
	// What arrived is kept, under whatever temporary name the receiver uses.
	names := dirNames(t, out)
	if len(names) != 1 {
		t.Fatalf("%s holds %q after the sender died, want one partial file", out, names)
	}
	if fi, err := os.Stat(filepath.Join(out, names[0])); err != nil || fi.Size() == 0 {
		t.Fatalf("partial file after the sender died: %v, %v", fi, err)
	}
}
