package ferry

import (
	"io"

	"github.com/ferry-dev/ferry/transfer"
)

// Source is what Send offers and reads: build one with [Files], [Reader] or
// [Text], or implement it.
type Source = transfer.Source

// FileSource sends files and directories; see [Files].
type FileSource = transfer.FileSource

// Skipped is an entry of a directory that [Files] does not send (a symbolic
// link, a device, what an unfinished receive left), with the reason.
type Skipped = transfer.Skipped

// Files sends files and directories, each under its base name: directories
// whole, with their empty directories and file modes. Symbolic links and
// special files inside are not followed; FileSource.Skipped lists them.
// A file that changes while it is sent fails with [ErrSourceChanged].
func Files(paths ...string) (*FileSource, error) { return transfer.NewFileSource(paths...) }

// Reader sends what r holds, to its end, as one file named name, its size
// unknown in advance (a pipe, standard input). Only io.EOF ends it: any
// other error of r, io.ErrUnexpectedEOF included (a download cut short),
// fails Send. When Send's ctx ends, or the receiver leaves, while a Read of
// r blocks, Send returns at once; that Read is left to return on its own,
// and r is not read again.
func Reader(name string, r io.Reader) (Source, error) { return transfer.NewReaderSource(name, r) }

// Text sends a message that the receiver gets through
// [ReceiveConfig].Text instead of a file; at most [MaxTextSize] bytes.
func Text(text []byte) (Source, error) { return transfer.NewTextSource(text) }

// MaxTextSize is the longest message [Text] sends.
const MaxTextSize = transfer.MaxTextSize
