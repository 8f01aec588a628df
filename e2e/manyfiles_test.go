package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// maxManyFilesRSS is issue 12 item 5's bound on the peak RSS of each side
// with many small files.
const maxManyFilesRSS = 64 << 20

// TestManyFilesMemory: 50,000 files of 64 bytes in 100 directories move
// through a real rendezvous with a peak RSS of at most 64 MiB on each side
// (before issue 12 item 5: 54 MiB sending, 95 MiB receiving; each small
// frame was a message of its own in pion's queues). scripts/manyfiles.sh
// measures larger numbers.
func TestManyFilesMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 files")
	}
	gnuTime := requireGNUTime(t)
	const n = 50_000
	src, out := t.TempDir(), t.TempDir()
	root := filepath.Join(src, "tree")
	data := []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n")
	for d := range 100 {
		if err := os.MkdirAll(filepath.Join(root, fmt.Sprintf("d%02d", d)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("d%02d/file-%07d.txt", i%100, i)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	server := startRendezvous(t)
	rss := t.TempDir()
	timed := func(side string) []string {
		return []string{gnuTime, "--format", "%M", "--output", filepath.Join(rss, side)}
	}
	sender := start(t, nil, timed("sender"), bin.ferry, "send", "--server", server, "--code", "12-many-small", "--json", root)
	sender.waitEvent("code", 60*time.Second)
	receiver := start(t, nil, timed("receiver"), bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "12-many-small")
	rc, _ := receiver.wait(3 * time.Minute)
	sc, _ := sender.wait(time.Minute)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver stderr:\n%s\nsender stderr:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	got, err := os.ReadFile(filepath.Join(out, "tree", "d99", fmt.Sprintf("file-%07d.txt", n-1)))
	if err != nil || string(got) != string(data) {
		t.Fatalf("the last file: %q, %v", got, err)
	}
	count := 0
	filepath.WalkDir(filepath.Join(out, "tree"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			count++
		}
		return nil
	})
	if count != n {
		t.Fatalf("%d files arrived, want %d", count, n)
	}
	for _, side := range []string{"sender", "receiver"} {
		b, err := os.ReadFile(filepath.Join(rss, side))
		kib, perr := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || perr != nil {
			t.Fatalf("GNU time's report of the %s: %q, %v, %v", side, b, err, perr)
		}
		peak := kib << 10
		t.Logf("%s: peak RSS %.1f MiB", side, float64(peak)/(1<<20))
		if peak > maxManyFilesRSS {
			t.Errorf("the %s's peak RSS was %.1f MiB for %d files of 64 B; the bound is %d MiB", side, float64(peak)/(1<<20), n, maxManyFilesRSS>>20)
		}
	}
}

// requireGNUTime returns the path of GNU time, which reports a command's
// peak RSS. The rusage that os/exec gets for a child cannot serve: Linux
// starts a process's peak at the peak of the memory it was exec'd from, and
// Go execs its children from the (shared) memory of the test process, so
// every child reported the test binary's own peak (137 MiB in a full CI
// run). GNU time forks a small copy of itself first. Without it the test
// skips, unless FERRY_REQUIRE_NETNS=1 (CI installs it).
func requireGNUTime(t *testing.T) string {
	t.Helper()
	const gnuTime = "/usr/bin/time"
	if err := exec.Command(gnuTime, "--format", "%M", "true").Run(); err == nil {
		return gnuTime
	}
	missing(t, "needs GNU time (%s, Debian package time)", gnuTime)
	return ""
}
