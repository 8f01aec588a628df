package transfer

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFileSourceFindsUnreadableFiles: a file inside a directory that cannot
// be opened fails NewFileSource, before anything is offered, with every such
// path listed and what to do; so does one given as an argument. Root reads
// anything, so the test makes open fail through checkReadable.
func TestFileSourceFindsUnreadableFiles(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "tree")
	writeFile(t, filepath.Join(dir, "a.txt"), []byte("a"), 0o644)
	secret := filepath.Join(dir, "sub", "secret.txt")
	writeFile(t, secret, []byte("s"), 0o644)
	alone := filepath.Join(base, "alone.txt")
	writeFile(t, alone, []byte("x"), 0o644)

	real := checkReadable
	t.Cleanup(func() { checkReadable = real })
	checkReadable = func(p string) error {
		if p == secret || p == alone {
			return &fs.PathError{Op: "open", Path: p, Err: syscall.EACCES}
		}
		return real(p)
	}
	_, err := NewFileSource(dir, alone)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"cannot read 2 files or directories", quoteName(secret) + " (permission denied)", quoteName(alone), "nothing was offered", "chmod u+r"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q, want it to say %q", msg, want)
		}
	}
	if strings.Contains(msg, "a.txt") {
		t.Errorf("%q names a readable file", msg)
	}
	checkReadable = real
	if _, err := NewFileSource(dir, alone); err != nil {
		t.Errorf("all readable: %v", err)
	}
}

// TestFileSourceFindsWriteOnlyFiles uses files that nobody, root included,
// can open for reading: /proc/sys/vm/drop_caches (mode 0200).
func TestFileSourceFindsWriteOnlyFiles(t *testing.T) {
	const dir = "/proc/sys/vm"
	if _, err := os.Stat(filepath.Join(dir, "drop_caches")); err != nil {
		t.Skipf("no %s/drop_caches here: %v", dir, err)
	}
	_, err := NewFileSource(dir)
	if err == nil || !strings.Contains(err.Error(), quoteName(filepath.Join(dir, "drop_caches"))+" (permission denied)") {
		t.Errorf("NewFileSource(%s): %v, want drop_caches listed as unreadable", dir, err)
	}
}

// TestFileSourceFindsUnreadableDirectories: a directory inside that cannot be
// listed is reported with the files (not as root, which lists anything).
func TestFileSourceFindsUnreadableDirectories(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can list any directory; TestFileSourceFindsUnreadableFiles covers the report")
	}
	base := t.TempDir()
	dir := filepath.Join(base, "tree")
	writeFile(t, filepath.Join(dir, "locked", "x"), []byte("x"), 0o644)
	if err := os.Chmod(filepath.Join(dir, "locked"), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "locked"), 0o755) })
	_, err := NewFileSource(dir)
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("NewFileSource: %v", err)
	}
}
