package e2e

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// makeTree builds the tree of issue 4: nested and unicode names, an empty file
// and an empty directory, an executable, and 2,000 small files.
func makeTree(t *testing.T, root string) {
	t.Helper()
	write := func(rel string, data []byte, perm fs.FileMode) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, perm); err != nil {
			t.Fatal(err)
		}
	}
	random := func(n int) []byte {
		b := make([]byte, n)
		rand.Read(b)
		return b
	}
	write("docs/readme.txt", []byte("read me\n"), 0o644)
	write("docs/deep/er/still/file.bin", random(300_000), 0o640)
	write("Fotos/été à Zürich/日本語 ファイル.jpg", random(70_000), 0o644)
	write("Fotos/emoji 👩‍👩‍👧.png", random(1234), 0o644)
	write("empty.txt", nil, 0o644)
	write("bin/run.sh", []byte("#!/bin/sh\necho hi\n"), 0o755)
	if err := os.MkdirAll(filepath.Join(root, "empty dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		write(fmt.Sprintf("many/%02d/f%04d.dat", i/100, i), random(1024), 0o644)
	}
}

// snapshot maps each path under root to its type, permissions and content.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		v := fi.Mode().String()
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += " " + string(b)
		}
		m[filepath.ToSlash(rel)] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameSnapshot(t *testing.T, want, got map[string]string) {
	t.Helper()
	for k, v := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("missing %q", k)
		case g != v:
			t.Errorf("%q differs: want %.40q, got %.40q", k, v, g)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %q", k)
		}
	}
}

// transfer runs a sender and a receiver with the given extra arguments and
// returns their exit codes and events.
func transfer(t *testing.T, server, code string, sendArgs, recvArgs []string) (sc, rc int, sev, rev []event, sender, receiver *proc) {
	t.Helper()
	sender = start(t, nil, nil, bin.ferry, append([]string{"send", "--server", server, "--code", code, "--json"}, sendArgs...)...)
	sender.waitEvent("code", 30*time.Second)
	receiver = start(t, nil, nil, bin.ferry, append([]string{"receive", "--server", server, "--json", code}, recvArgs...)...)
	rc, rev = receiver.wait(transferTimeout)
	sc, sev = sender.wait(transferTimeout)
	return sc, rc, sev, rev, sender, receiver
}

// TestTreeArrivesIdentical sends a file, a directory tree and another
// directory in one go; then a second run into the same place changes nothing
// and exits 5, and --overwrite is allowed to replace.
func TestTreeArrivesIdentical(t *testing.T) {
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	makeTree(t, filepath.Join(src, "tree"))
	if err := os.WriteFile(filepath.Join(src, "solo.txt"), []byte("alone"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("solo.txt", filepath.Join(src, "tree", "link-to-solo")); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, filepath.Join(src, "tree"))
	delete(want, "link-to-solo") // symbolic links are not followed, and reported

	begin := time.Now()
	sc, rc, sev, rev, sender, receiver := transfer(t, server, "61-whole-tree",
		[]string{filepath.Join(src, "solo.txt"), filepath.Join(src, "tree")}, []string{"--yes", "--out", out})
	took := time.Since(begin)
	if sc != 0 || rc != 0 {
		t.Fatalf("exit codes: sender %d, receiver %d\nsender:\n%s\nreceiver:\n%s", sc, rc, sender.stderr, receiver.stderr)
	}
	t.Logf("%d files in %s", len(want), took)
	sameSnapshot(t, want, snapshot(t, filepath.Join(out, "tree")))
	if b, err := os.ReadFile(filepath.Join(out, "solo.txt")); err != nil || string(b) != "alone" {
		t.Fatalf("solo.txt: %q %v", b, err)
	}
	if len(sev) == 0 || sev[0].str("event") != "code" {
		t.Fatalf("sender's first event %v, want code (before skipped)", sev[:min(len(sev), 1)])
	}
	if sk, ok := findEvent(sev, "skipped"); !ok || !strings.Contains(sk.str("path"), "link-to-solo") {
		t.Fatalf("sender did not report the skipped symbolic link: %v", sk)
	}
	offer, _ := findEvent(rev, "offer")
	done, _ := findEvent(rev, "done")
	if offer.num("files") != 2007 || done.num("files") != 2007 || offer.num("directories") < 1 {
		t.Fatalf("offer event %v, done event %v: want 2007 files in both, and the directories counted apart", offer, done)
	}
	nfiles := 0
	for _, e := range rev {
		if e.str("event") == "file" {
			nfiles++
		}
	}
	if nfiles != 2007 { // 2,006 in the tree and solo.txt
		t.Fatalf("%d file events, want 2007", nfiles)
	}
	if exe, err := os.Stat(filepath.Join(out, "tree", "bin", "run.sh")); err != nil || exe.Mode().Perm() != 0o755 {
		t.Fatalf("the executable arrived as %v, %v", exe.Mode(), err)
	}

	// A second run into the same place: refused before anything moves.
	before := snapshot(t, out)
	sc, rc, sev, _, _, receiver = transfer(t, server, "62-whole-tree",
		[]string{filepath.Join(src, "solo.txt"), filepath.Join(src, "tree")}, []string{"--yes", "--out", out})
	if sc != 5 || rc != 5 {
		t.Fatalf("second run: exit codes sender %d, receiver %d, want 5 and 5\nreceiver:\n%s", sc, rc, receiver.stderr)
	}
	msg := receiver.stderr.String()
	if !strings.Contains(msg, "already exist") || !strings.Contains(msg, "solo.txt") || !strings.Contains(msg, "--overwrite") {
		t.Fatalf("second run: the message does not list the conflicts and the way out:\n%s", msg)
	}
	if e, ok := findEvent(sev, "error"); !ok || e.str("kind") != "exists" {
		t.Fatalf("sender's error event %v, want kind exists", e)
	} else if m := e.str("message"); strings.Contains(m, "use --overwrite") || !strings.Contains(m, "the receiver can") {
		t.Fatalf("sender's message %q: the sender cannot pass --overwrite; want it told that the receiver can", m)
	}
	sameSnapshot(t, before, snapshot(t, out))

	// With --overwrite: a changed file is replaced; identical ones are kept.
	if err := os.WriteFile(filepath.Join(src, "solo.txt"), []byte("changed"), 0o600); err != nil {
		t.Fatal(err)
	}
	sc, rc, _, rev, _, receiver = transfer(t, server, "63-whole-tree",
		[]string{filepath.Join(src, "solo.txt"), filepath.Join(src, "tree")}, []string{"--yes", "--overwrite", "--out", out})
	if sc != 0 || rc != 0 {
		t.Fatalf("--overwrite: exit codes sender %d, receiver %d\nreceiver:\n%s", sc, rc, receiver.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "solo.txt")); string(b) != "changed" {
		t.Fatalf("--overwrite did not replace solo.txt: %q", b)
	}
	done, _ = findEvent(rev, "done")
	if done.num("transferred") != int64(len("changed")) {
		t.Fatalf("--overwrite moved %d bytes, want only the changed file's %d: %v", done.num("transferred"), len("changed"), done)
	}
}

// TestStdinToStdout pipes 64 MiB through send - and receive --out -.
func TestStdinToStdout(t *testing.T) {
	server := startRendezvous(t)
	dir := t.TempDir()
	path, sum := randomFile(t, dir, "stream.bin", 64<<20)
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	outPath := filepath.Join(dir, "out.bin")
	out, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()

	sender := startIO(t, in, nil, nil, nil, bin.ferry, "send", "--server", server, "--code", "64-pipe-dream", "--json", "-")
	sender.waitEvent("code", 30*time.Second)
	receiver := startIO(t, nil, out, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", "-", "64-pipe-dream")
	rc, _ := receiver.wait(transferTimeout)
	sc, sev := sender.wait(transferTimeout)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver:\n%s\nsender:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	if got := fileSHA256(t, outPath); got != sum {
		t.Fatalf("stdout carried sha256 %s, want %s", got, sum)
	}
	if fe, ok := findEvent(sev, "file"); !ok || fe.str("sha256") != sum || fe.num("size") != 64<<20 {
		t.Fatalf("sender's file event %v", fe)
	}
}

// TestText sends a text message; the receiver prints it.
func TestText(t *testing.T) {
	server := startRendezvous(t)
	msg := "the wifi password is hunter2 ✓\nsecond line"

	var stdout bytes.Buffer
	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "65-text-only", "--json", "--text", msg)
	sender.waitEvent("code", 30*time.Second)
	out := t.TempDir()
	receiver := startIO(t, nil, &stdout, nil, nil, bin.ferry, "receive", "--server", server, "--out", out, "65-text-only")
	rc, _ := receiver.wait(transferTimeout)
	sc, _ := sender.wait(transferTimeout)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver:\n%s\nsender:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	if stdout.String() != msg {
		t.Fatalf("receiver printed %q, want %q", stdout.String(), msg)
	}
	if names := dirNames(t, out); len(names) != 0 {
		t.Fatalf("a text wrote files: %v", names)
	}

	// With --json the text comes in a text event.
	sender = start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "66-text-only", "--json", "--text", msg)
	sender.waitEvent("code", 30*time.Second)
	receiver = start(t, nil, nil, bin.ferry, "receive", "--server", server, "--json", "66-text-only")
	rc, rev := receiver.wait(transferTimeout)
	if sc, _ := sender.wait(transferTimeout); rc != 0 || sc != 0 {
		t.Fatalf("json: exit codes receiver %d, sender %d", rc, sc)
	}
	if te, ok := findEvent(rev, "text"); !ok || te.str("text") != msg {
		t.Fatalf("text event %v", te)
	}
}

// TestFilesFrom reads the paths to send from standard input.
func TestFilesFrom(t *testing.T) {
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	var list strings.Builder
	for i := range 5 {
		p := filepath.Join(src, fmt.Sprintf("listed-%d.txt", i))
		if err := os.WriteFile(p, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&list, p)
	}
	sender := startIO(t, strings.NewReader(list.String()), nil, nil, nil, bin.ferry, "send", "--server", server, "--code", "67-from-list", "--json", "--files-from", "-")
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "67-from-list")
	rc, _ := receiver.wait(transferTimeout)
	if sc, _ := sender.wait(transferTimeout); rc != 0 || sc != 0 {
		t.Fatalf("exit codes receiver %d, sender %d\n%s", rc, sc, receiver.stderr)
	}
	if names := dirNames(t, out); len(names) != 5 {
		t.Fatalf("received %v, want the 5 listed files", names)
	}
}
