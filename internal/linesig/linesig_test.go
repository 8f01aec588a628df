package linesig

import (
	"context"
	"net"
	"testing"
)

// TestLastLineBeforeEOF: a line the other end wrote just before it closed is
// received, never EOF instead (the benchmark's TestTCPEnds failed now and
// then: "waiting for the receiver to confirm: EOF").
func TestLastLineBeforeEOF(t *testing.T) {
	for i := range 200 {
		a, b := net.Pipe()
		s := New(a, a)
		go func() {
			_, _ = b.Write([]byte("end\n"))
			_ = b.Close()
		}()
		// Wait until the reader has queued the line and its EOF, so that
		// both are ready when Recv looks.
		err := <-s.err
		s.err <- err
		m, err := s.Recv(context.Background())
		_ = a.Close()
		if err != nil || string(m) != "end" {
			t.Fatalf("round %d: Recv = %q, %v; want \"end\"", i, m, err)
		}
	}
}
