package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTempFilesCollideWithNothing: "a.txt.part" and "a.txt" both arrive (the
// temporary file of a.txt was once a.txt.part), and a "report.txt.part" in
// --out that is a hard link to a file elsewhere is neither resumed nor written.
func TestTempFilesCollideWithNothing(t *testing.T) {
	server := startRendezvous(t)
	src, out, elsewhere := t.TempDir(), t.TempDir(), t.TempDir()
	files := map[string]string{"x/a.txt.part": "the part file", "y/a.txt": "the file", "z/report.txt": "the report, new"}
	for p, body := range files {
		if err := os.MkdirAll(filepath.Join(src, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	outside := filepath.Join(elsewhere, "precious.txt")
	if err := os.WriteFile(outside, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(outside, filepath.Join(out, "report.txt.part")); err != nil {
		t.Skipf("cannot make hard links here: %v", err)
	}

	var args []string
	for p := range files {
		args = append(args, filepath.Join(src, p))
	}
	sc, rc, _, _, sender, receiver := transfer(t, server, "81-part-names", args, []string{"--yes", "--out", out})
	if sc != 0 || rc != 0 {
		t.Fatalf("exit codes: sender %d, receiver %d\nsender:\n%s\nreceiver:\n%s", sc, rc, sender.stderr, receiver.stderr)
	}
	for p, body := range files {
		if b, err := os.ReadFile(filepath.Join(out, filepath.Base(p))); err != nil || string(b) != body {
			t.Errorf("%s: %q %v, want %q", filepath.Base(p), b, err, body)
		}
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != "precious" {
		t.Errorf("the file outside --out: %q %v, want it untouched", b, err)
	}
}

// TestNoSpaceRefusedBeforeAccept: 12 MiB offered to an 8 MiB file system is
// refused before anything is written, on both sides with kind no_space, exit 1.
func TestNoSpaceRefusedBeforeAccept(t *testing.T) {
	requireNetns(t) // root, for mount
	server := startRendezvous(t)
	out := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", out).CombinedOutput(); err != nil {
		t.Fatalf("mount a small tmpfs: %v\n%s", err, b)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", out).Run() })
	path, _ := randomFile(t, t.TempDir(), "big.bin", 12<<20)

	sc, rc, sev, rev, sender, receiver := transfer(t, server, "82-no-space", []string{path}, []string{"--yes", "--out", out})
	if rc != 1 || sc != 1 {
		t.Fatalf("exit codes: receiver %d, sender %d, want 1 and 1\nreceiver:\n%s\nsender:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	for side, evs := range map[string][]event{"receiver": rev, "sender": sev} {
		e, _ := findEvent(evs, "error")
		if e.str("kind") != "no_space" || !strings.Contains(e.str("message"), "needs 12.0 MiB, 8.0 MiB free") {
			t.Errorf("%s's error %v, want kind no_space naming what is needed and free", side, e)
		}
	}
	if names := dirNames(t, out); len(names) != 0 {
		t.Errorf("--out holds %v, want nothing written", names)
	}
}

// TestReceiverUmaskApplies: modes arrive as sent, less the receiver's umask,
// directories included (a 0700 directory stays private).
func TestReceiverUmaskApplies(t *testing.T) {
	server := startRendezvous(t)
	src := t.TempDir()
	tree := filepath.Join(src, "tree")
	for p, mode := range map[string]os.FileMode{"tree": 0o755, "tree/private": 0o700} {
		if err := os.MkdirAll(filepath.Join(src, p), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(src, p), mode)
	}
	for p, mode := range map[string]os.FileMode{"tree/run.sh": 0o777, "tree/private/key": 0o644} {
		if err := os.WriteFile(filepath.Join(src, p), []byte(p), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(src, p), mode)
	}
	for i, tc := range []struct {
		umask string
		want  map[string]os.FileMode
	}{
		{"077", map[string]os.FileMode{"tree": 0o700, "tree/run.sh": 0o700, "tree/private": 0o700, "tree/private/key": 0o600}},
		{"022", map[string]os.FileMode{"tree": 0o755, "tree/run.sh": 0o755, "tree/private": 0o700, "tree/private/key": 0o644}},
	} {
		out := t.TempDir()
		code := []string{"83-umask-seven", "84-umask-two"}[i]
		sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", code, "--json", tree)
		sender.waitEvent("code", 30*time.Second)
		receiver := start(t, nil, []string{"sh", "-c", "umask " + tc.umask + ` && exec "$@"`, "sh"},
			bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", code)
		rc, _ := receiver.wait(transferTimeout)
		sc, _ := sender.wait(transferTimeout)
		if sc != 0 || rc != 0 {
			t.Fatalf("umask %s: exit codes sender %d, receiver %d\nsender:\n%s\nreceiver:\n%s", tc.umask, sc, rc, sender.stderr, receiver.stderr)
		}
		for p, want := range tc.want {
			fi, err := os.Stat(filepath.Join(out, p))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("umask %s: %s arrived %03o, want %03o", tc.umask, p, fi.Mode().Perm(), want)
			}
		}
	}
}
