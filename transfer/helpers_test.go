package transfer

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testTimeout bounds every test conversation; generous for a loaded machine.
const testTimeout = 60 * time.Second

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// recorder is a Progress that remembers what it was told.
type recorder struct {
	mu    sync.Mutex
	calls int
	done  int64
	total int64
	files []FileResult
}

func (r *recorder) Transferred(done, total int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	r.done, r.total = done, total
}

func (r *recorder) FileDone(f FileResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files = append(r.files, f)
}

func (r *recorder) snapshot() (calls int, done, total int64, files []FileResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls, r.done, r.total, append([]FileResult(nil), r.files...)
}

type outcome struct {
	res Result
	err error
}

// pair runs Send and Receive against each other over net.Pipe.
func pair(t testing.TB, ctx context.Context, src Source, sopts SendOptions, ropts ReceiveOptions) (sent, received outcome) {
	t.Helper()
	return pairCtx(t, ctx, ctx, src, sopts, ropts)
}

// pairCtx is pair with a context for each side.
func pairCtx(t testing.TB, sctx, rctx context.Context, src Source, sopts SendOptions, ropts ReceiveOptions) (sent, received outcome) {
	t.Helper()
	sc, rc := net.Pipe()
	sendc := make(chan outcome, 1)
	go func() {
		res, err := Send(sctx, sc, src, sopts)
		sendc <- outcome{res, err}
	}()
	res, err := Receive(rctx, rc, ropts)
	received = outcome{res, err}
	if err != nil {
		rc.Close()
	}
	sent = <-sendc
	sc.Close()
	rc.Close()
	return sent, received
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, path string, data []byte, perm fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func mustNotExist(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s exists (err %v), it should not", path, err)
	}
}

func mustContain(t testing.TB, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s: %d bytes (sha256 %s), want %d bytes (sha256 %s)", path, len(got), sha256Hex(got), len(want), sha256Hex(want))
	}
}

// tree describes everything under dir: path -> kind, mode and content digest.
func tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		desc := fi.Mode().String()
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += " " + sha256Hex(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + target
		}
		out[p] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t testing.TB, before, after map[string]string) {
	t.Helper()
	for p, d := range before {
		if after[p] != d {
			t.Errorf("%s changed: was %q, now %q", p, d, after[p])
		}
	}
	for p, d := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared (%s)", p, d)
		}
	}
}

// assertPrintable fails if an error message carries raw control, escape or
// bidi characters.
func assertPrintable(t testing.TB, msg string) {
	t.Helper()
	for _, r := range msg {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidiControl(r) || r == 0xfffd {
			t.Errorf("message carries the raw character %U: %q", r, msg)
			return
		}
	}
}

// memSource is a Source of in-memory files.
type memSource struct {
	entries []Entry
	data    [][]byte
}

func (m *memSource) add(path string, data []byte) *memSource {
	m.entries = append(m.entries, Entry{Path: path, Size: int64(len(data)), Mode: 0o644})
	m.data = append(m.data, data)
	return m
}

func (m *memSource) Manifest() Manifest {
	var total int64
	for _, e := range m.entries {
		total += max(e.Size, 0)
	}
	return Manifest{Entries: m.entries, TotalBytes: total}
}

func (m *memSource) Open(ctx context.Context, i int) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(m.data[i])), nil
}
