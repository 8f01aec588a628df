package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSendReceiveFilesAndDirectories(t *testing.T) {
	src := t.TempDir()
	big := randomBytes(t, 3<<20+12345)
	small := []byte("hello, ferry\n")
	writeFile(t, filepath.Join(src, "big.bin"), big, 0o640)
	writeFile(t, filepath.Join(src, "empty.txt"), nil, 0o644)
	writeFile(t, filepath.Join(src, "tree", "a.txt"), small, 0o600)
	writeFile(t, filepath.Join(src, "tree", "sub", "b.txt"), []byte("b"), 0o755)
	writeFile(t, filepath.Join(src, "tree", "empty-file"), nil, 0o644)
	if err := os.MkdirAll(filepath.Join(src, "tree", "empty-dir"), 0o755); err != nil {
		t.Fatal(err)
	}

	fsrc, err := NewFileSource(filepath.Join(src, "big.bin"), filepath.Join(src, "empty.txt"), filepath.Join(src, "tree"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var sp, rp recorder
	accepted := false
	sent, got := pair(t, testContext(t), fsrc, SendOptions{Progress: &sp}, ReceiveOptions{
		Dir:      out,
		Progress: &rp,
		Accept: func(ctx context.Context, m Manifest) error {
			accepted = true
			if m.TotalBytes != int64(len(big)+len(small)+1) {
				t.Errorf("offered %d bytes", m.TotalBytes)
			}
			return nil
		},
	})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	if !accepted {
		t.Error("Accept was not called")
	}

	mustContain(t, filepath.Join(out, "big.bin"), big)
	mustContain(t, filepath.Join(out, "empty.txt"), nil)
	mustContain(t, filepath.Join(out, "tree", "a.txt"), small)
	mustContain(t, filepath.Join(out, "tree", "sub", "b.txt"), []byte("b"))
	mustContain(t, filepath.Join(out, "tree", "empty-file"), nil)
	if fi, err := os.Stat(filepath.Join(out, "tree", "empty-dir")); err != nil || !fi.IsDir() {
		t.Errorf("empty directory not created: %v", err)
	}
	for name, want := range map[string]os.FileMode{"big.bin": 0o640, "tree/a.txt": 0o600, "tree/sub/b.txt": 0o755} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (err %v), want %v", name, fi.Mode(), err, want)
		}
	}
	parts, _ := filepath.Glob(filepath.Join(out, "*.ferry-part"))
	if len(parts) > 0 {
		t.Errorf(".part files left: %v", parts)
	}

	total := int64(len(big) + len(small) + 1)
	for side, o := range map[string]outcome{"send": sent, "receive": got} {
		if o.res.Files != 5 || o.res.Bytes != total || o.res.Transferred != total || o.res.Resumed != 0 {
			t.Errorf("%s result: %+v", side, o.res)
		}
	}
	for side, r := range map[string]*recorder{"send": &sp, "receive": &rp} {
		calls, done, tot, files := r.snapshot()
		// At least one call per slice; slices the sender tries to compress
		// are zSliceFactor chunks long.
		if calls < 3<<20/(zSliceFactor*DefaultChunkSize) || done != total || tot != total {
			t.Errorf("%s progress: %d calls, last %d of %d", side, calls, done, tot)
		}
		if len(files) != 5 {
			t.Fatalf("%s: %d FileDone calls, want 5", side, len(files))
		}
		if files[0].Path != "big.bin" || files[0].SHA256 != sha256Hex(big) || files[0].Size != int64(len(big)) {
			t.Errorf("%s: first file reported as %+v", side, files[0])
		}
	}
}

func TestSendReceiveSmallChunksAndStream(t *testing.T) {
	data := randomBytes(t, 100_000)
	src, err := NewReaderSource("stdin.bin", strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var rp recorder
	sent, got := pair(t, testContext(t), src, SendOptions{ChunkSize: 777}, ReceiveOptions{Dir: out, Progress: &rp})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	mustContain(t, filepath.Join(out, "stdin.bin"), data)
	if got.res.Bytes != int64(len(data)) || sent.res.Bytes != int64(len(data)) {
		t.Errorf("results: sent %+v, received %+v", sent.res, got.res)
	}
	if calls, _, _, _ := rp.snapshot(); calls < len(data)/(zSliceFactor*777) {
		t.Errorf("%d progress calls for %d slices", calls, len(data)/(zSliceFactor*777))
	}
}

func TestSendRejectsBadChunkSize(t *testing.T) {
	src := (&memSource{}).add("a", []byte("a"))
	for _, n := range []int{-1, MaxChunkSize + 1} {
		sent, got := pair(t, testContext(t), src, SendOptions{ChunkSize: n}, ReceiveOptions{Dir: t.TempDir()})
		if sent.err == nil || !strings.Contains(sent.err.Error(), "chunk size") {
			t.Errorf("chunk size %d: send error %v", n, sent.err)
		}
		if !errors.Is(got.err, ErrPeerClosed) {
			t.Errorf("chunk size %d: receive error %v", n, got.err)
		}
	}
}

func TestDecline(t *testing.T) {
	out := t.TempDir()
	src := (&memSource{}).add("a.txt", []byte("aaa"))
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{
		Dir: out,
		Accept: func(ctx context.Context, m Manifest) error {
			return fmt.Errorf("%w: not today", ErrDeclined)
		},
	})
	if !errors.Is(got.err, ErrDeclined) {
		t.Errorf("receive: %v", got.err)
	}
	if !errors.Is(sent.err, ErrDeclined) || !strings.Contains(sent.err.Error(), "not today") {
		t.Errorf("send: %v, want the receiver's reason", sent.err)
	}
	// The sender's error is the receiver's word (it may drop the connection
	// at once); the receiver's is its own.
	if !FromPeer(sent.err) || FromPeer(got.err) {
		t.Errorf("FromPeer: sender's error %v, receiver's %v; want true, false", FromPeer(sent.err), FromPeer(got.err))
	}
	mustNotExist(t, filepath.Join(out, "a.txt"))
	mustNotExist(t, filepath.Join(out, "a.txt.ferry-part"))
}

// TestDeclineInOwnWords: Decline says one thing to the receiver's user and
// another to the sender ("you declined" is not for the sender).
func TestDeclineInOwnWords(t *testing.T) {
	for _, c := range []struct{ toSender, want string }{
		{"", "the receiver declined"},
		{"it had no terminal", "the receiver declined: it had no terminal"},
	} {
		src := (&memSource{}).add("a.txt", []byte("aaa"))
		sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{
			Dir:    t.TempDir(),
			Accept: func(context.Context, Manifest) error { return Decline("you declined a.txt", c.toSender) },
		})
		if !errors.Is(got.err, ErrDeclined) || got.err.Error() != "receive: you declined a.txt" {
			t.Errorf("receive: %v, want ErrDeclined saying 'you declined a.txt'", got.err)
		}
		if !errors.Is(sent.err, ErrDeclined) || sent.err.Error() != "send: "+c.want {
			t.Errorf("send: %q, want ErrDeclined saying %q", sent.err, c.want)
		}
	}
}

func TestExistingFiles(t *testing.T) {
	newData := []byte("new contents")
	src := func() Source { return (&memSource{}).add("a.txt", newData).add("b.txt", []byte("b")) }

	t.Run("refused without overwrite", func(t *testing.T) {
		out := t.TempDir()
		writeFile(t, filepath.Join(out, "a.txt"), []byte("old"), 0o644)
		before := tree(t, out)
		asked := false
		sent, got := pair(t, testContext(t), src(), SendOptions{}, ReceiveOptions{
			Dir:    out,
			Accept: func(context.Context, Manifest) error { asked = true; return nil },
		})
		if !errors.Is(got.err, ErrExists) || !strings.Contains(got.err.Error(), `"a.txt"`) || !strings.Contains(got.err.Error(), "--overwrite") {
			t.Errorf("receive: %v", got.err)
		}
		if !errors.Is(sent.err, ErrExists) || !strings.Contains(sent.err.Error(), "the receiver reported") {
			t.Errorf("send: %v", sent.err)
		}
		if asked {
			t.Error("Accept was called although files would be overwritten")
		}
		sameTree(t, before, tree(t, out))
	})

	t.Run("replaced with overwrite", func(t *testing.T) {
		out := t.TempDir()
		writeFile(t, filepath.Join(out, "a.txt"), []byte("old"), 0o644)
		sent, got := pair(t, testContext(t), src(), SendOptions{}, ReceiveOptions{Dir: out, Overwrite: true})
		if sent.err != nil || got.err != nil {
			t.Fatalf("send: %v; receive: %v", sent.err, got.err)
		}
		mustContain(t, filepath.Join(out, "a.txt"), newData)
		mustContain(t, filepath.Join(out, "b.txt"), []byte("b"))
	})

	t.Run("identical files are not sent again", func(t *testing.T) {
		out := t.TempDir()
		writeFile(t, filepath.Join(out, "a.txt"), newData, 0o644)
		sent, got := pair(t, testContext(t), src(), SendOptions{}, ReceiveOptions{Dir: out, Overwrite: true})
		if sent.err != nil || got.err != nil {
			t.Fatalf("send: %v; receive: %v", sent.err, got.err)
		}
		mustContain(t, filepath.Join(out, "a.txt"), newData)
		if sent.res.Resumed != int64(len(newData)) || sent.res.Transferred != 1 || got.res.Resumed != int64(len(newData)) {
			t.Errorf("sent %+v, received %+v: want a.txt skipped", sent.res, got.res)
		}
	})

	t.Run("a directory where a file goes", func(t *testing.T) {
		out := t.TempDir()
		if err := os.Mkdir(filepath.Join(out, "a.txt"), 0o755); err != nil {
			t.Fatal(err)
		}
		_, got := pair(t, testContext(t), src(), SendOptions{}, ReceiveOptions{Dir: out, Overwrite: true})
		if !errors.Is(got.err, ErrExists) || !strings.Contains(got.err.Error(), "directory") {
			t.Errorf("receive: %v", got.err)
		}
		mustNotExist(t, filepath.Join(out, "b.txt"))
	})
}

func TestMissingOutputDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	sent, got := pair(t, testContext(t), (&memSource{}).add("a", []byte("a")), SendOptions{}, ReceiveOptions{Dir: dir})
	if got.err == nil || !strings.Contains(got.err.Error(), "output directory") {
		t.Errorf("receive: %v", got.err)
	}
	if !errors.Is(sent.err, ErrPeerClosed) {
		t.Errorf("send: %v", sent.err)
	}
	mustNotExist(t, dir)
}
