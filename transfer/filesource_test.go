package transfer

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFileSourceWalksDirectories(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "photos")
	writeFile(t, filepath.Join(dir, "a.jpg"), []byte("aaaa"), 0o644)
	writeFile(t, filepath.Join(dir, "sub", "b.jpg"), []byte("bb"), 0o600)
	writeFile(t, filepath.Join(dir, "empty"), nil, 0o644)
	if err := os.MkdirAll(filepath.Join(dir, "nothing-here"), 0o750); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(base, "secret.txt"), []byte("do not follow"), 0o600)
	if err := os.Symlink("../secret.txt", filepath.Join(dir, "link.txt")); err != nil {
		t.Skipf("cannot create symbolic links here: %v", err)
	}
	if err := os.Symlink("..", filepath.Join(dir, "sub", "loop")); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	hasFifo := mkfifo(fifo) == nil

	s, err := NewFileSource(dir, filepath.Join(base, "secret.txt"))
	if err != nil {
		t.Fatal(err)
	}
	m := s.Manifest()
	var got []string
	for _, e := range m.Entries {
		got = append(got, e.Path+" "+e.Mode.String())
	}
	want := []string{
		"photos drwxr-xr-x",
		"photos/a.jpg -rw-r--r--",
		"photos/empty -rw-r--r--",
		"photos/nothing-here drwxr-x---",
		"photos/sub drwxr-xr-x",
		"photos/sub/b.jpg -rw-------",
		"secret.txt -rw-------",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if m.TotalBytes != 4+2+13 {
		t.Errorf("total %d", m.TotalBytes)
	}
	skipped := map[string]string{}
	for _, sk := range s.Skipped() {
		skipped[sk.Path] = sk.Reason
	}
	wantSkipped := map[string]string{
		filepath.Join(dir, "link.txt"):    "symbolic link",
		filepath.Join(dir, "sub", "loop"): "symbolic link",
	}
	if hasFifo {
		wantSkipped[fifo] = "special file"
	}
	if !reflect.DeepEqual(skipped, wantSkipped) {
		t.Errorf("skipped %v, want %v", skipped, wantSkipped)
	}

	rc, err := s.Open(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "bb" {
		t.Errorf("entry 5 reads %q", b)
	}
	if _, err := s.Open(context.Background(), 0); err == nil {
		t.Error("opening a directory entry worked")
	}
}

func TestFileSourceFollowsALinkGivenAsArgument(t *testing.T) {
	base := t.TempDir()
	writeFile(t, filepath.Join(base, "real.txt"), []byte("x"), 0o644)
	link := filepath.Join(base, "named.txt")
	if err := os.Symlink("real.txt", link); err != nil {
		t.Skipf("cannot create symbolic links here: %v", err)
	}
	s, err := NewFileSource(link)
	if err != nil {
		t.Fatal(err)
	}
	if e := s.Manifest().Entries; len(e) != 1 || e[0].Path != "named.txt" || e[0].Size != 1 || e[0].Mode.Type() != 0 {
		t.Errorf("entries %+v", e)
	}
}

func TestFileSourceErrors(t *testing.T) {
	base := t.TempDir()
	writeFile(t, filepath.Join(base, "a", "x.txt"), nil, 0o644)
	writeFile(t, filepath.Join(base, "b", "X.TXT"), nil, 0o644)
	writeFile(t, filepath.Join(base, "bad\x1bname"), nil, 0o644)
	cases := map[string][]string{
		"two arguments with one name": {filepath.Join(base, "a", "x.txt"), filepath.Join(base, "b", "X.TXT")},
		"missing":                     {filepath.Join(base, "missing")},
		"nothing":                     nil,
		"unsafe name":                 {filepath.Join(base, "bad\x1bname")},
		"root":                        {"/"},
	}
	for name, args := range cases {
		_, err := NewFileSource(args...)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		assertPrintable(t, err.Error())
	}
}

func TestReaderSourceOpensOnce(t *testing.T) {
	s, err := NewReaderSource("in", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	if e := s.Manifest().Entries; len(e) != 1 || e[0].Size != -1 || e[0].Mode != fs.FileMode(0o644) {
		t.Errorf("entries %+v", e)
	}
	if _, err := s.Open(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(context.Background(), 0); err == nil {
		t.Error("second Open worked")
	}
}

// TestFileSourceSkipsPartialFiles: a directory that once received an
// interrupted transfer holds NAME.ferry-part files; sending that directory
// skips them (and reports them, as symbolic links are) instead of refusing
// the whole directory over a name ferry reserves.
func TestFileSourceSkipsPartialFiles(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"a.txt": "a", "big.iso.ferry-part": "partial", "Old.FERRY-PART": "x"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "unpacked.ferry-part"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := NewFileSource(dir)
	if err != nil {
		t.Fatalf("NewFileSource: %v", err)
	}
	var paths []string
	for _, e := range s.Manifest().Entries {
		paths = append(paths, e.Path)
	}
	base := filepath.Base(dir)
	if want := []string{base, base + "/a.txt"}; strings.Join(paths, ",") != strings.Join(want, ",") {
		t.Errorf("entries %v, want %v", paths, want)
	}
	skipped := map[string]string{}
	for _, sk := range s.Skipped() {
		skipped[filepath.Base(sk.Path)] = sk.Reason
	}
	for _, name := range []string{"big.iso.ferry-part", "Old.FERRY-PART", "unpacked.ferry-part"} {
		if !strings.Contains(skipped[name], "ferry") {
			t.Errorf("%s: skipped as %q, want a reason that names ferry's partial files", name, skipped[name])
		}
	}
}
