package transfer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"unicode/utf8"
)

// Temporary files.
//
// A file being received is written to tempName(NAME), NAME + ".ferry-part" in
// the same directory, and renamed onto NAME only after its SHA-256 matched.
//
// The suffix is reserved: ValidateName refuses every manifest path with a
// component that ends in it, ignoring case, so a temporary file can never be
// another entry of the same transfer (earlier versions used NAME.part, and a
// received "a.txt.part" was then overwritten by the temporary file of "a.txt";
// on a case-insensitive disk "A.txt.part" did the same). A name too long to
// take the suffix within 255 bytes keeps a prefix and a hash of the
// whole name: still unique, still ending in the suffix.
//
// The receiver writes only through temporary files it can vouch for. A new
// one is created with O_EXCL after whatever ferry left at that name was
// removed; a held one is resumed only if it is a regular file (not a symbolic
// link), has a single link and belongs to this user (checked on the open file
// too, see openOwned). Anything else at a temporary name is refused before
// anything is written, with or without --overwrite: ferry resumes only what it
// left itself, and never writes through a hard link to a file elsewhere.
// Files named NAME.part by earlier versions are left alone: never resumed,
// never written.
const partSuffix = ".ferry-part"

// maxComponent is the longest file name component most file systems take.
const maxComponent = 255

// tempName is the temporary file of the manifest path name.
func tempName(name string) string {
	dir, base := path.Split(name)
	if len(base)+len(partSuffix) <= maxComponent {
		return name + partSuffix
	}
	sum := sha256.Sum256([]byte(base))
	tag := "~" + hex.EncodeToString(sum[:8])
	keep := maxComponent - len(partSuffix) - len(tag)
	for keep > 0 && !utf8.RuneStart(base[keep]) {
		keep--
	}
	return dir + base[:keep] + tag + partSuffix
}

// isReserved reports a name component that ferry keeps for its temporary files.
func isReserved(comp string) bool {
	return strings.HasSuffix(foldName(comp), partSuffix)
}

// tempProblem says why the file at a temporary name (fi, from Lstat) cannot be
// resumed or replaced, or "" when ferry left it and may use it.
func tempProblem(fi fs.FileInfo) string {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return "is a symbolic link"
	case !fi.Mode().IsRegular():
		return "is not a regular file"
	}
	if links, ok := linkCount(fi); ok && links != 1 {
		return fmt.Sprintf("has %d links (a hard link, perhaps to a file outside the output directory)", links)
	}
	if uid, ok := fileOwner(fi); ok && uid != os.Getuid() {
		return fmt.Sprintf("belongs to another user (uid %d)", uid)
	}
	return ""
}

// checkTemp refuses a temporary file of name that ferry cannot vouch for, and
// returns the size of one it may resume or replace (0 if there is none).
func (r *receiver) checkTemp(name string) (int64, error) {
	part := tempName(name)
	fi, err := r.lstat(part)
	if err != nil || fi == nil {
		return 0, err
	}
	if why := tempProblem(fi); why != "" {
		return 0, fmt.Errorf("%w: %s is in the way of receiving %s: it %s, and ferry only resumes temporary files it left itself; nothing was written: remove it or receive into another directory",
			ErrExists, quoteName(part), quoteName(name), why)
	}
	return fi.Size(), nil
}

// openOwned opens the temporary file part, which must still be what checkTemp
// accepted: the open file is checked again, and must be the file at that name
// (os.Root follows a symbolic link that stays inside the directory).
func (r *receiver) openOwned(part string, flag int) (*os.File, error) {
	f, err := r.root.OpenFile(part, flag, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		var li fs.FileInfo
		if li, err = r.root.Lstat(part); err == nil && !os.SameFile(fi, li) {
			err = errors.New("it was replaced while it was opened")
		}
	}
	if err == nil {
		if why := tempProblem(fi); why != "" {
			err = errors.New("it " + why)
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s cannot be resumed: %w", quoteName(part), err)
	}
	return f, nil
}

// createTemp creates part afresh: what ferry left there before is removed (a
// name, never the content of a hard link's other names), and the new file is
// created exclusively, so that nothing is written through a file that
// appeared in the meantime.
func (r *receiver) createTemp(part string) (*os.File, error) {
	if err := r.root.Remove(part); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return r.root.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}
