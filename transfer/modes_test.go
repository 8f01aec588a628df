package transfer

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestModesFollowTheUmask: file and directory modes come from the manifest,
// less the receiver's umask, as tar does; a read-only directory still takes
// its files and gets its mode at the end.
func TestModesFollowTheUmask(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes on Windows")
	}
	dir := func(p string, m fs.FileMode) Entry { return Entry{Path: p, Mode: fs.ModeDir | m} }
	file := func(p string, m fs.FileMode) Entry { return Entry{Path: p, Size: 4, Mode: m} }
	entries := []Entry{
		dir("tree", 0o755),
		dir("tree/private", 0o700),
		file("tree/private/key", 0o600),
		dir("tree/public", 0o777),
		file("tree/public/run.sh", 0o777),
		file("tree/public/doc", 0o666),
		dir("tree/sealed", 0o555),
		file("tree/sealed/ro", 0o444),
	}
	for _, tc := range []struct {
		umask fs.FileMode
		want  map[string]fs.FileMode
	}{
		{0o077, map[string]fs.FileMode{
			"tree": 0o700, "tree/private": 0o700, "tree/private/key": 0o600, "tree/public": 0o700,
			"tree/public/run.sh": 0o700, "tree/public/doc": 0o600, "tree/sealed": 0o500, "tree/sealed/ro": 0o400,
		}},
		{0o022, map[string]fs.FileMode{
			"tree": 0o755, "tree/private": 0o700, "tree/private/key": 0o600, "tree/public": 0o755,
			"tree/public/run.sh": 0o755, "tree/public/doc": 0o644, "tree/sealed": 0o555, "tree/sealed/ro": 0o444,
		}},
	} {
		src := &memSource{}
		for _, e := range entries {
			src.entries = append(src.entries, e)
			if e.Mode.IsDir() {
				src.data = append(src.data, nil)
			} else {
				src.data = append(src.data, []byte("data"))
			}
		}
		out := t.TempDir()
		umask := tc.umask
		sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: out, umask: &umask})
		if sent.err != nil || got.err != nil {
			t.Fatalf("umask %03o: send: %v; receive: %v", umask, sent.err, got.err)
		}
		for p, want := range tc.want {
			fi, err := os.Lstat(filepath.Join(out, p))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("umask %03o: %s arrived %03o, want %03o", umask, p, fi.Mode().Perm(), want)
			}
		}
		os.Chmod(filepath.Join(out, "tree/sealed"), 0o700) // let t.TempDir clean up
	}
}

// TestExistingDirectoriesKeepTheirModes: only what the transfer creates gets
// the manifest's modes.
func TestExistingDirectoriesKeepTheirModes(t *testing.T) {
	out := t.TempDir()
	if err := os.Mkdir(filepath.Join(out, "mine"), 0o750); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(out, "mine"), 0o750)
	src := &memSource{entries: []Entry{{Path: "mine", Mode: fs.ModeDir | 0o777}, {Path: "mine/f", Size: 1, Mode: 0o644}}, data: [][]byte{nil, []byte("x")}}
	umask := fs.FileMode(0o002)
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: out, umask: &umask})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	if fi, err := os.Stat(filepath.Join(out, "mine")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("mine: %v %v, want it left at 0750", fi.Mode(), err)
	}
}

func TestProcessUmask(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no umask on Windows")
	}
	if got := readUmask(); got&^0o777 != 0 {
		t.Errorf("readUmask = %o", got)
	}
}
