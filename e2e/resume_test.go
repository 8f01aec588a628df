package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// killPast waits until p reports progress past frac of the total, then kills
// it with SIGKILL: a crash, not a clean exit.
func killPast(t *testing.T, p *proc, frac float64) int64 {
	t.Helper()
	for {
		e := p.waitEvent("progress", transferTimeout)
		if float64(e.num("bytes")) >= frac*float64(e.num("total")) {
			if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			return e.num("bytes")
		}
	}
}

func checkResumed(t *testing.T, server, code, path, sum, out string, size int64) {
	t.Helper()
	sc, rc, sev, rev, sender, receiver := transfer(t, server, code, []string{path}, []string{"--yes", "--out", out})
	if sc != 0 || rc != 0 {
		t.Fatalf("resumed run: exit codes sender %d, receiver %d\nsender:\n%s\nreceiver:\n%s", sc, rc, sender.stderr, receiver.stderr)
	}
	if got := fileSHA256(t, filepath.Join(out, filepath.Base(path))); got != sum {
		t.Fatalf("resumed file sha256 %s, want %s", got, sum)
	}
	for name, evs := range map[string][]event{"sender": sev, "receiver": rev} {
		done, _ := findEvent(evs, "done")
		if done.num("resumed") < size*30/100 {
			t.Fatalf("%s: done event %v: resumed %d bytes, want at least 30%% of %d", name, done, done.num("resumed"), size)
		}
		if done.num("resumed")+done.num("transferred") != size {
			t.Fatalf("%s: resumed + transferred = %d, want the file's %d", name, done.num("resumed")+done.num("transferred"), size)
		}
		// Each side says where the file resumed, before its data.
		if re, ok := findEvent(evs, "resumed"); !ok || re.num("bytes") != done.num("resumed") || re.str("path") != filepath.Base(path) {
			t.Fatalf("%s: resumed event %v, want %s from %d bytes", name, re, filepath.Base(path), done.num("resumed"))
		}
	}
	if _, err := os.Stat(filepath.Join(out, filepath.Base(path)+".ferry-part")); !os.IsNotExist(err) {
		t.Fatalf("the .part file is still there after the resumed transfer: %v", err)
	}
}

// TestResumeAfterReceiverKilled: the receiver of a 768 MiB file is killed past
// 40%; both sides start again with a new code and the file arrives identical,
// with at least 30% of it not sent again.
func TestResumeAfterReceiverKilled(t *testing.T) {
	const size = 768 << 20
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "big.iso", size)

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "71-kill-receiver", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "71-kill-receiver")
	killPast(t, receiver, 0.4)
	receiver.wait(30 * time.Second)
	if sc, _ := sender.wait(transferTimeout); sc != 6 {
		t.Fatalf("sender exit %d after the receiver died, want 6; stderr:\n%s", sc, sender.stderr)
	}
	if !strings.Contains(sender.stderr.String(), "resume") {
		t.Fatalf("sender's message does not say how to resume:\n%s", sender.stderr)
	}
	if fi, err := os.Stat(filepath.Join(out, "big.iso.ferry-part")); err != nil || fi.Size() < size*30/100 {
		t.Fatalf("big.iso.part after the crash: %v, %v", fi, err)
	}
	checkResumed(t, server, "72-kill-receiver", path, sum, out, size)
}

// TestResumeAfterSenderKilled: the sender is killed past 40%; the receiver
// reports how far it got and how to resume (exit 6), keeps the .part, and a
// new transfer resends only the rest.
func TestResumeAfterSenderKilled(t *testing.T) {
	const size = 256 << 20
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "data.bin", size)

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "73-kill-sender", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "73-kill-sender")
	killPast(t, sender, 0.4)
	sender.wait(30 * time.Second)
	rc, rev := receiver.wait(transferTimeout)
	if rc != 6 {
		t.Fatalf("receiver exit %d after the sender died, want 6; stderr:\n%s", rc, receiver.stderr)
	}
	e, _ := findEvent(rev, "error")
	if !strings.Contains(e.str("message"), "data.bin.ferry-part") || !strings.Contains(e.str("message"), "resume") {
		t.Fatalf("receiver's error does not say how far it got and how to resume: %v", e)
	}
	checkResumed(t, server, "74-kill-sender", path, sum, out, size)
}

// TestDiskFull: the receiver's disk fills up while writing; it stops with a
// clear error, keeps the temporary file, and the sender is told. The file is
// streamed from standard input: a known size that does not fit is refused
// before anything is written (TestNoSpaceRefusedBeforeAccept).
func TestDiskFull(t *testing.T) {
	requireNetns(t) // root, for mount
	server := startRendezvous(t)
	src := t.TempDir()
	out := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", out).CombinedOutput(); err != nil {
		t.Fatalf("mount a small tmpfs: %v\n%s", err, b)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", out).Run() })
	path, _ := randomFile(t, src, "too-big.bin", 16<<20)
	stdin, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()

	sender := startIO(t, stdin, nil, nil, nil, bin.ferry, "send", "--server", server, "--code", "75-disk-full", "--json", "--name", "too-big.bin", "-")
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--json", "--yes", "--out", out, "75-disk-full")
	rc, rev := receiver.wait(transferTimeout)
	sc, sev := sender.wait(transferTimeout)
	if rc != 1 || sc != 1 {
		t.Fatalf("exit codes: receiver %d, sender %d, want 1 and 1\nreceiver:\n%s\nsender:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	re, _ := findEvent(rev, "error")
	if !strings.Contains(re.str("message"), "disk full") || !strings.Contains(re.str("message"), "too-big.bin.ferry-part") {
		t.Fatalf("receiver's error %v, want a disk-full message naming the kept .ferry-part", re)
	}
	if se, _ := findEvent(sev, "error"); !strings.Contains(se.str("message"), "disk full") {
		t.Fatalf("sender's error %v, want the receiver's disk-full message", se)
	}
	if fi, err := os.Stat(filepath.Join(out, "too-big.bin.ferry-part")); err != nil || fi.Size() == 0 {
		t.Fatalf("the .part was not kept: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(out, "too-big.bin")); !os.IsNotExist(err) {
		t.Fatalf("too-big.bin is in place: %v", err)
	}
}
