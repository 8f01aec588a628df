package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// A sink takes the bytes of the one entry of a transfer instead of a file
// under the output directory: a text message, or a stream to standard output.
type sink interface {
	io.Writer
	// verified is called once the entry's SHA-256 matched.
	verified() error
}

// streamSink passes the bytes on as they arrive (each chunk CRC-checked).
type streamSink struct{ out io.Writer }

func (s *streamSink) Write(p []byte) (int, error) { return s.out.Write(p) }
func (s *streamSink) verified() error             { return nil }

// textSink holds a text message (at most MaxTextSize) until it is verified,
// so that nothing unverified is shown.
type textSink struct {
	out io.Writer
	buf bytes.Buffer
}

func (s *textSink) Write(p []byte) (int, error) { return s.buf.Write(p) }

func (s *textSink) verified() error {
	if _, err := s.out.Write(s.buf.Bytes()); err != nil {
		return fmt.Errorf("cannot show the text message: %w", err)
	}
	return nil
}

// entrySink hands each file to a writer of ReceiveOptions.OpenEntry, opened
// as the file begins and closed once it was verified.
type entrySink struct {
	open func(path string, size int64) (EntryWriter, error)
	cur  EntryWriter // the file being received; nil between files
	name string
}

func (s *entrySink) begin(e Entry) error {
	w, err := s.open(e.Path, e.Size)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", quoteName(e.Path), err)
	}
	s.cur, s.name = w, e.Path
	return nil
}

func (s *entrySink) Write(p []byte) (int, error) {
	if s.cur == nil {
		return 0, errors.New("no file is open")
	}
	return s.cur.Write(p)
}

func (s *entrySink) verified() error {
	w := s.cur
	s.cur = nil
	if err := w.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", quoteName(s.name), err)
	}
	return nil
}

// abort tells the open writer, if any, that its file failed.
func (s *entrySink) abort(reason error) {
	if s.cur != nil {
		s.cur.Abort(reason)
		s.cur = nil
	}
}
