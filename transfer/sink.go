package transfer

import (
	"bytes"
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
