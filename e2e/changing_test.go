package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestChangingFilesAreNeverVerified is issue 12 item 1 with the built
// binaries: in a directory of four files, a 64 MiB file is overwritten in
// place (4 KiB at 10%, already sent, and at 70%, not yet sent) and another
// is appended to, while they are sent. Neither may arrive as verified: both
// sides exit 4 with an error of kind source_changed that names them, nothing
// of them is left in --out, and the two unchanged files arrive verified.
func TestChangingFilesAreNeverVerified(t *testing.T) {
	const big = 64 << 20
	const small = 1 << 20
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	dir := filepath.Join(src, "tree")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, sumA := randomFile(t, dir, "a-same.bin", small)
	b, _ := randomFile(t, dir, "b-overwritten.bin", big)
	c, _ := randomFile(t, dir, "c-appended.log", big)
	_, sumD := randomFile(t, dir, "d-same.bin", small)
	// Modification times in the past: the changes below move them, however
	// coarse the file system's clock.
	old := time.Now().Add(-time.Hour)
	for _, p := range []string{b, c} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "81-moving-target", "--json", dir)
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "81-moving-target")

	// Change each big file at the first progress event inside it.
	changes := []struct {
		from   int64
		change func()
	}{
		{small, func() {
			patch := []byte(strings.Repeat("X", 4096))
			writeAtE2E(t, b, big/10, patch)
			writeAtE2E(t, b, big*7/10, patch)
		}},
		{small + big, func() {
			f, err := os.OpenFile(c, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Write([]byte(strings.Repeat("more log\n", 455))); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for len(changes) > 0 {
		e := sender.waitEvent("progress", transferTimeout)
		if n := e.num("bytes"); n > changes[0].from {
			if n > changes[0].from+big*6/10 {
				t.Fatalf("the first progress event inside the file came at %d bytes, too late to change it mid-transfer", n)
			}
			changes[0].change()
			changes = changes[1:]
		}
	}
	rc, rev := receiver.wait(transferTimeout)
	sc, sev := sender.wait(transferTimeout)
	if sc != 4 || rc != 4 {
		t.Errorf("exit codes: sender %d, receiver %d, want 4 and 4\nsender:\n%s\nreceiver:\n%s", sc, rc, sender.stderr, receiver.stderr)
	}
	for side, evs := range map[string][]event{"sender": sev, "receiver": rev} {
		e, ok := findEvent(evs, "error")
		if !ok || e.str("kind") != "source_changed" {
			t.Errorf("%s: error event %v, want kind source_changed", side, e)
			continue
		}
		for _, want := range []string{"tree/b-overwritten.bin", "tree/c-appended.log", "size 67108864 -> 67112959 B"} {
			if !strings.Contains(e.str("message"), want) {
				t.Errorf("%s: error %q does not say %q", side, e.str("message"), want)
			}
		}
	}
	got := dirNames(t, filepath.Join(out, "tree"))
	if !slices.Equal(got, []string{"a-same.bin", "d-same.bin"}) {
		t.Errorf("--out holds %v, want only the unchanged a-same.bin and d-same.bin", got)
	}
	if fileSHA256(t, filepath.Join(out, "tree", "a-same.bin")) != sumA || fileSHA256(t, filepath.Join(out, "tree", "d-same.bin")) != sumD {
		t.Error("an unchanged file arrived different")
	}
	var verified []string
	for _, e := range rev {
		if e.str("event") == "file" {
			verified = append(verified, e.str("path"))
		}
	}
	if !slices.Equal(verified, []string{"tree/a-same.bin", "tree/d-same.bin"}) {
		t.Errorf("the receiver verified %v, want the two unchanged files", verified)
	}
}

func writeAtE2E(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// TestUnreadableFileFoundBeforeTheCode is issue 12 item 6: a file inside a
// directory that the sender cannot read stops `ferry send` before a code is
// shown, with exit 1 and an error that lists it, instead of after the
// receiver accepted. Root reads any file, so as root the sender runs as
// nobody (setpriv); /proc/sys/vm/drop_caches, which root cannot read either,
// is a second case.
func TestUnreadableFileFoundBeforeTheCode(t *testing.T) {
	server := startRendezvous(t)
	t.Run("chmod 000", func(t *testing.T) {
		base := t.TempDir()
		dir := filepath.Join(base, "tree")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		randomFile(t, dir, "fine.txt", 100)
		secret, _ := randomFile(t, dir, "secret.txt", 100)
		if err := os.Chmod(secret, 0); err != nil {
			t.Fatal(err)
		}
		ferry := bin.ferry
		var prefix []string
		if os.Geteuid() == 0 {
			setpriv, err := exec.LookPath("setpriv")
			if err != nil {
				missing(t, "running as root without setpriv (util-linux): root reads a chmod 000 file; the /proc case covers root")
			}
			prefix = []string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"}
			// nobody must reach the binary and the tree, not the secret.
			ferry = filepath.Join(base, "ferry")
			copyFile(t, bin.ferry, ferry, 0o755)
			for p := base; p != "/" && p != os.TempDir(); p = filepath.Dir(p) {
				if err := os.Chmod(p, 0o755); err != nil {
					t.Fatal(err)
				}
			}
		}
		checkUnreadable(t, prefix, ferry, server, dir, secret)
	})
	t.Run("write-only proc file", func(t *testing.T) {
		const dir = "/proc/sys/vm"
		if _, err := os.Stat(filepath.Join(dir, "drop_caches")); err != nil {
			t.Skipf("no %s/drop_caches: %v", dir, err)
		}
		checkUnreadable(t, nil, bin.ferry, server, dir, filepath.Join(dir, "drop_caches"))
	})
}

func checkUnreadable(t *testing.T, prefix []string, ferry, server, dir, unreadable string) {
	t.Helper()
	sender := start(t, []string{"HOME=/"}, prefix, ferry, "send", "--server", server, "--json", dir)
	code, evs := sender.wait(30 * time.Second)
	if code != 1 {
		t.Errorf("exit %d, want 1; stderr:\n%s", code, sender.stderr)
	}
	if _, ok := findEvent(evs, "code"); ok {
		t.Error("a code was shown")
	}
	e, _ := findEvent(evs, "error")
	for _, want := range []string{unreadable, "permission denied", "nothing was offered"} {
		if !strings.Contains(e.str("message"), want) {
			t.Errorf("error event %v does not say %q", e, want)
		}
	}
}

func copyFile(t *testing.T, from, to string, perm os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, perm); err != nil {
		t.Fatal(err)
	}
}
