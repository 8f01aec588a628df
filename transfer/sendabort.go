package transfer

import (
	"errors"
	"fmt"
)

// A file that changed as the sender read it (its size, times or inode differ
// from the manifest's version, the one the receiver accepted) is never sent
// as verified. With a receiver that speaks protocol version 3, the sender
// aborts that file (fileAbort in the place of fileEnd), goes on with the
// others and fails at the end with ErrSourceChanged; with an older receiver
// it stops the transfer with an error frame.

// sentFile is a file sent and not yet acknowledged: its fileEnd, or its abort.
type sentFile struct {
	sum     fileSum
	aborted bool
}

// changeReader is a reader that can tell whether its file changed since the
// manifest was built (FileSource's readers).
type changeReader interface {
	unchanged(read int64) error
}

// checkUnchanged checks, after the last byte of entry e was read from rc
// (read bytes, short when the file ended before its announced size), that
// what was read is the version the receiver accepted.
func checkUnchanged(rc any, e Entry, read int64, short bool) error {
	if cr, ok := rc.(changeReader); ok {
		if err := cr.unchanged(read); err != nil {
			return err
		}
	}
	if short {
		return &changedError{path: e.Path, what: fmt.Sprintf("it ended after %d of its %d B", read, e.Size)}
	}
	return nil
}

// abortFile aborts entry i, which changed as we read it (cause wraps
// ErrSourceChanged), and goes on; any other cause, or a receiver that
// cannot take an abort, stops the transfer.
func (s *sender) abortFile(i int, cause error) error {
	var ce *changedError
	if !errors.As(cause, &ce) {
		return cause
	}
	if s.version < abortVersion {
		return fmt.Errorf("%w (the receiver runs an older ferry, which cannot drop one file: the transfer stops here)", cause)
	}
	ab := fileAbort{index: uint32(i), kind: kindSourceChanged, msg: ce.what}
	if err := s.fb.write(s.out, frameFileAbort, appendFileAbort(nil, ab)); err != nil {
		return err
	}
	s.pending = append(s.pending, sentFile{sum: fileSum{index: uint32(i)}, aborted: true})
	s.aborted = append(s.aborted, abortedFile{path: s.m.Entries[i].Path, kind: kindSourceChanged, what: ce.what})
	return s.drainAcks()
}

// abortAcked handles the receiver's answer to an abort: it discarded the file.
func (s *sender) abortAcked(ab fileAbort) error {
	if len(s.pending) == 0 || s.pending[0].sum.index != ab.index || !s.pending[0].aborted {
		return fmt.Errorf("%w: the receiver discarded entry %d, which was not aborted", ErrProtocol, ab.index)
	}
	s.pending = s.pending[1:]
	return nil
}

// abortsPending counts the aborted files among those not yet acknowledged.
func (s *sender) abortsPending() int {
	n := 0
	for _, p := range s.pending {
		if p.aborted {
			n++
		}
	}
	return n
}

// abortedError is Send's error after a transfer in which files were aborted,
// or nil. The receiver knows already: no error frame follows.
func (s *sender) abortedError() error {
	if len(s.aborted) == 0 {
		return nil
	}
	kept := "; the receiver discarded it"
	if len(s.aborted) > 1 {
		kept = "; the receiver discarded them"
	}
	return told{&changedFilesError{side: "we", files: s.aborted, kept: kept, others: s.files}}
}
