// Package linesig carries signaling messages as lines over a byte stream (a
// TCP connection, a pipe to a child process): the way the benchmarks connect
// two peers without a rendezvous server. peer's signaling messages are JSON
// without raw newlines, so one message is one line. A Signaler implements
// peer.Signaler.
package linesig

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
)

// MaxLine bounds one message (peer's messages are a few KiB).
const MaxLine = 1 << 20

// Signaler sends lines to w and receives the lines read from r.
type Signaler struct {
	w     io.Writer
	lines chan []byte
	err   chan error // (cap 1) why reading stopped; put back after each take
}

// New starts reading lines from r until it ends.
func New(r io.Reader, w io.Writer) *Signaler {
	s := &Signaler{w: w, lines: make(chan []byte, 64), err: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 4096), MaxLine)
		for sc.Scan() {
			s.lines <- append([]byte(nil), sc.Bytes()...)
		}
		s.err <- errors.Join(sc.Err(), io.EOF)
	}()
	return s
}

// Send writes msg as one line.
func (s *Signaler) Send(_ context.Context, msg []byte) error {
	if _, err := s.w.Write(append(msg, '\n')); err != nil {
		return fmt.Errorf("signaling: %w", err)
	}
	return nil
}

// Recv returns the next line, or why there is none (io.EOF once the stream
// ended and every line before that was received).
func (s *Signaler) Recv(ctx context.Context) ([]byte, error) {
	select {
	case b := <-s.lines:
		return b, nil
	case err := <-s.err:
		s.err <- err
		// The reader queues every line before its error, but select
		// picks at random among ready cases: a line still queued comes
		// first (the other end's last line followed at once by its close).
		select {
		case b := <-s.lines:
			return b, nil
		default:
		}
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
