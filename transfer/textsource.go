package transfer

import (
	"bytes"
	"context"
	"fmt"
	"io"
)

// TextSource offers a text message (ferry send --text) that the receiver shows
// instead of writing a file.
type TextSource struct{ text []byte }

// NewTextSource offers text, at most MaxTextSize bytes.
func NewTextSource(text []byte) (*TextSource, error) {
	if len(text) > MaxTextSize {
		return nil, fmt.Errorf("text source: the text has %s: send it as a file instead",
			sizeAgainstLimit(int64(len(text)), MaxTextSize))
	}
	return &TextSource{text: text}, nil
}

// Manifest implements Source.
func (s *TextSource) Manifest() Manifest {
	n := int64(len(s.text))
	return Manifest{Entries: []Entry{{Path: "text", Size: n, Mode: 0o644, Text: true}}, TotalBytes: n}
}

// Open implements Source.
func (s *TextSource) Open(ctx context.Context, i int) (io.ReadCloser, error) {
	if i != 0 {
		return nil, fmt.Errorf("text source: entry %d does not exist", i)
	}
	return io.NopCloser(bytes.NewReader(s.text)), nil
}
