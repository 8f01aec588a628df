package transfer

import (
	"context"
	"crypto/sha256"
	"encoding"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// checkDir looks at what the output directory already holds at the manifest's
// paths, before anything is written: a path through a symbolic link is refused,
// existing files need Overwrite, and what cannot be replaced (a directory where
// a file goes, a file where a directory goes, a temporary file that ferry did
// not leave: checkTemp) stops the transfer. It also adds up the space that the
// files still need and refuses a transfer that does not fit (checkSpace).
func (r *receiver) checkDir() error {
	r.plan.measure(r.opts.Dir, r.opts.freeSpace)
	known := map[string]fs.FileInfo{} // parent directories already looked at; nil = absent
	var conflicts []string
	for _, e := range r.m.Entries {
		fi, err := r.lstatPath(e.Path, known)
		if err != nil {
			return err
		}
		if fi == nil {
			if e.Mode.IsDir() {
				continue
			}
			held, err := r.checkTemp(e.Path)
			if err != nil {
				return err
			}
			r.plan.add(e.Size, held)
			continue
		}
		isLink := fi.Mode()&fs.ModeSymlink != 0
		switch {
		case e.Mode.IsDir() && isLink:
			return fmt.Errorf("%w: the directory %s would be created through a symbolic link in the output directory; the transfer was refused and nothing was written: the sender may be malicious",
				ErrUnsafeName, quoteName(e.Path))
		case e.Mode.IsDir() && fi.IsDir():
		case e.Mode.IsDir():
			return fmt.Errorf("%w: %s is a directory in this transfer, but a file of that name exists in the output directory; nothing was written: move it away or receive into another directory",
				ErrExists, quoteName(e.Path))
		case fi.IsDir():
			return fmt.Errorf("%w: %s is a file in this transfer, but a directory of that name exists in the output directory; nothing was written: move it away or receive into another directory",
				ErrExists, quoteName(e.Path))
		default:
			held, err := r.checkTemp(e.Path)
			if err != nil {
				return err
			}
			if fi.Mode().IsRegular() && fi.Size() == e.Size {
				// With Overwrite, a file that already holds the sender's
				// bytes is kept (findHeld): most likely on a resume, so it
				// is counted as needing no space. If it differs after all,
				// a full disk is still caught while writing.
				held = e.Size
			}
			r.plan.add(e.Size, held)
			conflicts = append(conflicts, e.Path)
		}
	}
	if len(conflicts) > 0 && !r.opts.Overwrite {
		return existsError(conflicts)
	}
	return r.checkSpace()
}

func existsError(names []string) error {
	const show = 5
	quoted := make([]string, 0, show)
	for _, n := range names[:min(show, len(names))] {
		quoted = append(quoted, quoteName(n))
	}
	list := strings.Join(quoted, ", ")
	if len(names) > show {
		list += fmt.Sprintf(" and %d more", len(names)-show)
	}
	what := "file already exists"
	if len(names) > 1 {
		what = "files already exist"
	}
	return &toPeer{
		err: fmt.Errorf("%w: %d %s in the output directory: %s; nothing was written: use --overwrite to replace them, or receive into another directory",
			ErrExists, len(names), what, list),
		// The sender cannot pass --overwrite: say whose choice it is.
		peer: fmt.Sprintf("%d %s in the receiver's output directory: %s; nothing was written: the receiver can replace them (ferry receive --overwrite) or receive into another directory",
			len(names), what, list),
	}
}

// lstatPath checks the existing parents of name (each must be a real
// directory, not a symbolic link) and returns what name itself is, or nil.
func (r *receiver) lstatPath(name string, known map[string]fs.FileInfo) (fs.FileInfo, error) {
	for i := strings.IndexByte(name, '/'); i >= 0; {
		parent := name[:i]
		fi, ok := known[parent]
		if !ok {
			var err error
			if fi, err = r.lstat(parent); err != nil {
				return nil, err
			}
			known[parent] = fi
		}
		switch {
		case fi == nil:
			return nil, nil
		case fi.Mode()&fs.ModeSymlink != 0:
			return nil, fmt.Errorf("%w: %s would be written through %s, a symbolic link in the output directory; the transfer was refused and nothing was written: the sender may be malicious",
				ErrUnsafeName, quoteName(name), quoteName(parent))
		case !fi.IsDir():
			return nil, fmt.Errorf("%w: %s cannot be created because %s is a file in the output directory; nothing was written: move it away or receive into another directory",
				ErrExists, quoteName(name), quoteName(parent))
		}
		j := strings.IndexByte(name[i+1:], '/')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return r.lstat(name)
}

// lstat returns what name is in the output directory, or nil if nothing.
func (r *receiver) lstat(name string) (fs.FileInfo, error) {
	fi, err := r.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot look at %s in the output directory: %w", quoteName(name), err)
	}
	return fi, nil
}

// heldPrefix is what the output directory already holds of a file.
type heldPrefix struct {
	offset int64
	sum    [32]byte // SHA-256 of the first offset bytes
	state  []byte   // the SHA-256 state after them, to go on hashing
	final  bool     // the bytes are NAME itself (with Overwrite), not its temporary file
}

// findHeld looks for what can be resumed: temporary files that ferry left
// (partfile.go), and with Overwrite existing files of the announced size, which
// are kept if the sender's bytes are the same. Only our own files are offered:
// a temporary file that passes tempProblem, or a file that the user agreed to
// have replaced.
func (r *receiver) findHeld(ctx context.Context) error {
	r.held = map[int]*heldPrefix{}
	for i, e := range r.m.Entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.Mode.IsDir() || e.Size <= 0 {
			continue
		}
		if r.opts.Overwrite {
			if fi, err := r.lstat(e.Path); err == nil && fi != nil && fi.Mode().IsRegular() && fi.Size() == e.Size {
				if h := r.hashPrefix(e.Path, e.Size, false); h != nil {
					h.final = true
					r.held[i] = h
					continue
				}
			}
		}
		part := tempName(e.Path)
		if fi, err := r.lstat(part); err == nil && fi != nil && tempProblem(fi) == "" && fi.Size() > 0 {
			if h := r.hashPrefix(part, min(fi.Size(), e.Size), true); h != nil {
				r.held[i] = h
			}
		}
	}
	return nil
}

// hashPrefix hashes the first n bytes of name (a temporary file that must
// still pass openOwned when temp is set); nil if they cannot be read.
func (r *receiver) hashPrefix(name string, n int64, temp bool) *heldPrefix {
	var f *os.File
	var err error
	if temp {
		f, err = r.openOwned(name, os.O_RDONLY)
	} else {
		f, err = r.root.Open(name)
	}
	if err != nil {
		return nil
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyN(h, f, n); err != nil {
		return nil
	}
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil
	}
	held := &heldPrefix{offset: n, state: state}
	h.Sum(held.sum[:0])
	return held
}
