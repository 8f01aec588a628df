package transfer

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"time"
)

// ErrSourceChanged: a file changed, grew, shrank, was replaced or removed
// between the moment the manifest was built (the version the receiver
// accepted) and the end of its reading. The sender does not send such a file
// as verified: it aborts that file (the receiver discards what it received of
// it), goes on with the others and fails at the end.
var ErrSourceChanged = errors.New("a file changed while it was being sent")

// fileID is what a file looked like when the manifest was built; see statID.
// A FileSource keeps one per entry, so it is kept small (32 bytes): node
// stands for the inode and the device together.
type fileID struct {
	size, mtime, ctime int64  // bytes; nanoseconds since 1970
	node               uint64 // inode and device (nodeOf); 0 where unknown
}

// full says whether the change time and the node are known.
func (id fileID) full() bool { return id.node != 0 }

// nodeOf folds an inode and a device number into one word: two files
// differ in it unless their numbers collide after the fold, which a
// change of the ctime (which moves too) still catches.
func nodeOf(ino, dev uint64) uint64 {
	n := ino ^ bits.RotateLeft64(dev*0x9e3779b97f4a7c15, 32)
	if n == 0 {
		n = 1 // 0 means unknown
	}
	return n
}

// describeChange says how now differs from was ("size 6000 -> 22000 B",
// "modified", "replaced by another file"), or "" when they look the same.
func describeChange(was, now fileID) string {
	var what []string
	if was.full() && now.full() && was.node != now.node {
		return "replaced by another file"
	}
	if was.size != now.size {
		what = append(what, fmt.Sprintf("size %d -> %d B", was.size, now.size))
	}
	switch {
	case len(what) > 0: // the size says it
	case was.mtime != now.mtime:
		what = append(what, "modified at "+time.Unix(0, now.mtime).Format("15:04:05.000"))
	case was.full() && now.full() && was.ctime != now.ctime:
		what = append(what, "rewritten or its attributes changed")
	}
	return strings.Join(what, ", ")
}

// changedError is one file that changed as the sender read it.
type changedError struct {
	path string // manifest path
	what string // describeChange's words
}

func (e *changedError) Error() string {
	return fmt.Sprintf("%s changed as we read it: %s; send it again when it is not being written", quoteName(e.path), e.what)
}

func (e *changedError) Is(target error) bool { return target == ErrSourceChanged }

// abortedFile is a file the sender aborted with a fileAbort frame.
type abortedFile struct {
	path string
	kind errKind
	what string // the sender's words, escaped when shown
}

// changedFilesError is the final error of a transfer in which files were
// aborted because they changed, on either side: side is "we" for the sender
// and "the sender" for the receiver.
type changedFilesError struct {
	side   string
	files  []abortedFile
	kept   string // what happened to them
	others int    // files that arrived verified
}

func (e *changedFilesError) Error() string {
	const show = 5
	var b strings.Builder
	it, are := "it", "it is"
	if len(e.files) == 1 {
		f := e.files[0]
		fmt.Fprintf(&b, "%s changed as %s read it: %s", quoteName(f.path), e.side, escapeText(f.what))
	} else {
		it, are = "them", "they are"
		fmt.Fprintf(&b, "%d files changed as %s read them: ", len(e.files), e.side)
		for i, f := range e.files[:min(show, len(e.files))] {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s (%s)", quoteName(f.path), escapeText(f.what))
		}
		if len(e.files) > show {
			fmt.Fprintf(&b, "; and %d more", len(e.files)-show)
		}
	}
	b.WriteString(e.kept)
	if e.others > 0 {
		fmt.Fprintf(&b, "; the other %d arrived verified", e.others)
	}
	if e.side == "we" {
		fmt.Fprintf(&b, "; send %s again when %s not being written", it, are)
	} else {
		fmt.Fprintf(&b, "; ask the sender to send %s again when %s not being written", it, are)
	}
	return b.String()
}

func (e *changedFilesError) Unwrap() error { return ErrSourceChanged }
