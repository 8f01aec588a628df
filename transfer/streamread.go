package transfer

import (
	"context"
	"errors"
	"io"
	"sync"
)

// readFull reads into buf until it is full or the reader ends. Only io.EOF
// is the end (eof): any other error, io.ErrUnexpectedEOF included (what
// net/http and compress/gzip report of a stream cut short), is the
// reader's failure, never the end of the file. io.ReadFull would not tell
// the two apart.
func readFull(r io.Reader, buf []byte) (n int, eof bool, err error) {
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		switch {
		case errors.Is(err, io.EOF):
			return n, true, nil
		case err != nil:
			return n, false, err
		}
	}
	return n, false, nil
}

// stallReader reads a stream of unknown size (a pipe, standard input, a
// network body) so that Send can stop while a Read of it blocks: each Read
// runs in a goroutine of its own, and Read returns first when ctx ends (its
// error) or the receiver is gone (errReceiverGone). The abandoned Read is
// left to return on its own; the stream is then closed, and never read
// again.
type stallReader struct {
	ctx  context.Context
	gone <-chan struct{} // closed when the receiver is gone (inbox.exited)
	rc   io.ReadCloser
	buf  []byte          // what the goroutine reads into: never the caller's p
	done chan readResult // the outcome of the Read in flight

	mu      sync.Mutex
	stuck   bool // a Read was abandoned, and may still be running
	closing bool // Close was called: a stuck Read closes rc when it returns
}

type readResult struct {
	n   int
	err error
}

// errReceiverGone: a Read of the stream was abandoned because the receiver
// stopped talking; the inbox says why.
var errReceiverGone = errors.New("the receiver is gone")

func newStallReader(ctx context.Context, gone <-chan struct{}, rc io.ReadCloser) *stallReader {
	return &stallReader{ctx: ctx, gone: gone, rc: rc, done: make(chan readResult, 1)}
}

func (s *stallReader) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	if s.stuck {
		return 0, errors.New("a read of the stream is still running")
	}
	if len(p) > len(s.buf) {
		s.buf = make([]byte, len(p))
	}
	buf := s.buf[:len(p)]
	go func() {
		n, err := s.rc.Read(buf)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closing {
			s.rc.Close() // the Read was abandoned, and the stream closed meanwhile
			return
		}
		s.done <- readResult{n, err}
	}()
	select {
	case r := <-s.done:
		return copy(p, buf[:r.n]), r.err
	case <-s.ctx.Done():
		s.abandon()
		return 0, s.ctx.Err()
	case <-s.gone:
		s.abandon()
		return 0, errReceiverGone
	}
}

// abandon leaves the Read in flight to its goroutine.
func (s *stallReader) abandon() {
	s.mu.Lock()
	s.stuck, s.buf = true, nil
	s.mu.Unlock()
}

// Close closes the stream, or, while an abandoned Read still runs, leaves
// that to the Read's goroutine: the stream is not closed under a Read.
func (s *stallReader) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stuck {
		return s.rc.Close()
	}
	select {
	case <-s.done: // the abandoned Read returned already
		return s.rc.Close()
	default:
		s.closing = true
		return nil
	}
}
