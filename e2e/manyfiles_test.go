package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
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
	if runtime.GOOS != "linux" {
		t.Skip("peak RSS from getrusage is in KiB on Linux only")
	}
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
	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "12-many-small", "--json", root)
	sender.waitEvent("code", 60*time.Second)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "12-many-small")
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
	for _, side := range []struct {
		name string
		p    *proc
	}{{"sender", sender}, {"receiver", receiver}} {
		peak := side.p.cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
		t.Logf("%s: peak RSS %.1f MiB", side.name, float64(peak)/(1<<20))
		if peak > maxManyFilesRSS {
			t.Errorf("the %s's peak RSS was %.1f MiB for %d files of 64 B; the bound is %d MiB", side.name, float64(peak)/(1<<20), n, maxManyFilesRSS>>20)
		}
	}
}
