package peer

import (
	"fmt"
	"io"
	"testing"
)

// BenchmarkConn moves data one way between two in-process peers over
// loopback (report: MB/s). Run with -benchtime=1000x for about 1 GiB. Both
// ends in one process share its CPUs and GC, so two processes are slower,
// see DESIGN.md "Targets".
func BenchmarkConn(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchConn(b, loopback()) })
	if testing.Short() {
		return
	}
	for _, size := range []int{16 << 10, 64 << 10, 256 << 10} {
		cfg := loopback()
		cfg.MessageSize = size
		b.Run(fmt.Sprintf("msg=%dK", size>>10), func(b *testing.B) { benchConn(b, cfg) })
	}
	for _, hw := range []int{1 << 20, 16 << 20} {
		cfg := loopback()
		cfg.HighWater = hw
		b.Run(fmt.Sprintf("high=%dM", hw>>20), func(b *testing.B) { benchConn(b, cfg) })
	}
	cfg := loopback()
	cfg.ReceiveWindow = 4 << 20
	b.Run("window=4M", func(b *testing.B) { benchConn(b, cfg) })
	cfg = loopback()
	cfg.UDPMux = true
	b.Run("udpmux", func(b *testing.B) { benchConn(b, cfg) })
	cfg = loopback()
	cfg.SocketBuffer = -1
	b.Run("osbuffers", func(b *testing.B) { benchConn(b, cfg) })
}

func benchConn(b *testing.B, cfg Config) {
	const chunk = 1 << 20
	a, r := connectPair(b, cfg, cfg)
	if w := a.Warning(); w != "" {
		b.Log(w)
	}
	read := make(chan error, 1)
	go func() {
		n, err := io.CopyBuffer(io.Discard, r, make([]byte, 32<<10))
		if err == nil && n != int64(b.N)*chunk {
			err = fmt.Errorf("read %d bytes, want %d", n, int64(b.N)*chunk)
		}
		read <- err
	}()
	buf := make([]byte, chunk)
	b.SetBytes(chunk)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := a.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		b.Fatal(err)
	}
	if err := <-read; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
}
