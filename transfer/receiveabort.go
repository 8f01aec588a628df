package transfer

import (
	"errors"
	"fmt"
	"strings"
)

// abortFile handles a fileAbort frame from the sender: the file changed as
// the sender read it. want is the file expected next (the current one when a
// fileBegin came first). Whatever was received of it is discarded and nothing
// is moved into place; the sender is told with a fileAbort in the place of
// the file's ack, and Receive fails once the other files are done.
func (r *receiver) abortFile(want int, p []byte) error {
	ab, err := decodeFileAbort(p)
	if err != nil {
		return err
	}
	if r.cur != nil {
		want = r.cur.index
	}
	if want < 0 || ab.index != uint32(want) {
		return fmt.Errorf("%w: the sender aborted entry %d while %d was due", ErrProtocol, ab.index, want)
	}
	e := r.m.Entries[want]
	if err := r.discardCurrent(); err != nil {
		return err
	}
	r.aborted = append(r.aborted, abortedFile{path: e.Path, kind: ab.kind, what: ab.msg})
	echo := fileAbort{index: ab.index, kind: ab.kind, msg: "discarded"}
	return r.fb.write(r.out, frameFileAbort, appendFileAbort(nil, echo))
}

// discardCurrent closes and removes the temporary file of the current file,
// if any, as closeCurrent does after an integrity failure (so that the
// temporary file's name stays closeCurrent's business). A file kept in place
// (identical bytes already there) stays as it was; bytes already written to a
// sink (standard output) cannot be taken back: Receive's error then says the
// output is not to be trusted.
func (r *receiver) discardCurrent() error {
	if r.cur == nil {
		return nil
	}
	note := r.closeCurrent(errDiscarded)
	r.cur = nil
	if strings.HasPrefix(note, "; could not remove") {
		return errors.New("cannot discard the incomplete copy of a file that changed as the sender read it" + note + ": delete it by hand")
	}
	return nil
}

// errDiscarded makes closeCurrent remove a temporary file.
var errDiscarded = fmt.Errorf("%w: the file changed as the sender read it", ErrIntegrity)

// abortedError is Receive's error after a transfer in which the sender
// aborted files, or nil.
func (r *receiver) abortedError() error {
	if len(r.aborted) == 0 {
		return nil
	}
	kept := "; it was not kept"
	if len(r.aborted) > 1 {
		kept = "; they were not kept"
	}
	if r.sink != nil {
		kept = ": what was written to the output is not a consistent copy of it; do not use it"
	}
	return told{&changedFilesError{side: "the sender", files: r.aborted, kept: kept, others: r.files}}
}
