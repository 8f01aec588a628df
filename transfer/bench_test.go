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
// framing, CRC-32C, SHA-256 on both sides, compression where it pays, fsync
// and rename included (report: MB/s of file data). It is the cost of the
// transfer layer alone; scripts/bench.sh measures ferry as a whole.
func BenchmarkSendReceive(b *testing.B) {
	const size = 32 << 20
	for _, bc := range []struct {
		name string
		data []byte
		opts SendOptions
	}{
		{"random", randomBytes(b, size), SendOptions{}},
		{"text", textBytes(size), SendOptions{}},
		{"text-uncompressed", textBytes(size), SendOptions{NoCompression: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			src := (&memSource{}).add("bench.bin", bc.data)
			out := b.TempDir()
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if err := os.Remove(filepath.Join(out, "bench.bin")); err != nil && !errors.Is(err, fs.ErrNotExist) {
					b.Fatal(err)
				}
				sent, got := pair(b, context.Background(), src, bc.opts, ReceiveOptions{Dir: out})
				if sent.err != nil || got.err != nil {
					b.Fatalf("send: %v; receive: %v", sent.err, got.err)
				}
			}
		})
	}
}
