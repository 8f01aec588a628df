package transfer

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkSendReceive moves a 32 MiB file from memory to disk over net.Pipe:
// framing, CRC-32C, SHA-256 on both sides, fsync and rename included.
func BenchmarkSendReceive(b *testing.B) {
	const size = 32 << 20
	src := (&memSource{}).add("bench.bin", randomBytes(b, size))
	out := b.TempDir()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if err := os.Remove(filepath.Join(out, "bench.bin")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			b.Fatal(err)
		}
		sent, got := pair(b, context.Background(), src, SendOptions{}, ReceiveOptions{Dir: out})
		if sent.err != nil || got.err != nil {
			b.Fatalf("send: %v; receive: %v", sent.err, got.err)
		}
	}
}
