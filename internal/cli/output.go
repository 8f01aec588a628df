package cli

import (
	"errors"
	"io"
	"syscall"
)

// Errors of a write to standard output (ferry receive --out -, or a text
// message), told to the user and to the sender in these words.
var (
	errOutputClosed = errors.New("the output closed (the program reading ferry's output stopped)")
	errOutputFull   = errors.New("no space left where standard output goes; a stream to standard output cannot be resumed: free space, then receive again from the start")
)

// outputWriter is standard output as the receiver writes to it: a closed pipe
// (cmd/ferry ignores SIGPIPE, so the write fails instead of killing ferry)
// and a full disk get messages that fit a stream, not a file in --out.
// The errors do not wrap EPIPE or ENOSPC, so that the transfer package does
// not advise resuming from a .part that a stream never has.
type outputWriter struct{ w io.Writer }

func (o outputWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	switch {
	case err == nil:
	case errors.Is(err, syscall.EPIPE):
		err = errOutputClosed
	case errors.Is(err, syscall.ENOSPC):
		err = errOutputFull
	}
	return n, err
}
