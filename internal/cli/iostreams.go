package cli

import (
	"bufio"
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams is where the commands read and write, and what they know about the
// terminal. Only this package knows about terminals.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer // JSON events, received text and streams
	ErrOut io.Writer // messages, prompts and progress bars

	StdinTTY  bool
	StdoutTTY bool
	StderrTTY bool

	lines *bufio.Reader // answers to prompts, read from In

	// raw puts the terminal in raw mode for a line editor (the code prompt)
	// and returns what restores it; nil: nothing to do (tests).
	raw func() (restore func(), err error)
}

// rawMode puts the terminal in raw mode, if there is one to.
func (s *IOStreams) rawMode() (restore func(), err error) {
	if s.raw == nil {
		return func() {}, nil
	}
	return s.raw()
}

// readLine reads one answer from In. The reader is kept between calls so that
// answers typed ahead are not lost.
func (s *IOStreams) readLine() (string, error) {
	if s.lines == nil {
		s.lines = bufio.NewReader(s.In)
	}
	return s.lines.ReadString('\n')
}

// System returns the process's streams.
func System() *IOStreams {
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		StdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		raw: func() (func(), error) {
			fd := int(os.Stdin.Fd())
			old, err := term.MakeRaw(fd)
			if err != nil {
				return nil, err
			}
			return func() { _ = term.Restore(fd, old) }, nil
		},
	}
}

// Test returns streams backed by buffers, as a test would see them: no terminal.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}
