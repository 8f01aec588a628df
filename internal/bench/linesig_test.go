package bench

import (
	"context"
	"net"
	"testing"
)

// TestLineConnLastLineBeforeEOF: a line the other end wrote just before it
// closed is received, never EOF instead (TestTCPEnds failed now and then:
// "waiting for the receiver to confirm: EOF").
func TestLineConnLastLineBeforeEOF(t *testing.T) {
	for i := range 200 {
		a, b := net.Pipe()
		l := newLineConn(a)
		go func() {
			_, _ = b.Write([]byte(endMessage + "\n"))
			_ = b.Close()
		}()
		// Wait until the reader has queued the line and its EOF, so that
		// both are ready when Recv looks.
		err := <-l.err
		l.err <- err
		m, err := l.Recv(context.Background())
		_ = a.Close()
		if err != nil || string(m) != endMessage {
			t.Fatalf("round %d: Recv = %q, %v; want %q", i, m, err, endMessage)
		}
	}
}
