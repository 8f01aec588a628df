package transfer

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// Permissions, as tar extracts for a non-root user: files and directories get
// the permission bits of the manifest masked by the receiver's umask (a 0777
// file arrives 0755 under umask 022, 0700 under 077). Unlike tar run as root,
// ferry applies the umask for root too: what arrives comes from another
// machine, not from one's own backup. Set-id and sticky bits are never carried.
//
// A file is private (0600) until it is verified and gets its mode just before
// it is renamed into place. A directory that the transfer creates is
// owner-only (0700) while files are written into it, and gets its mode at the
// end, deepest first (finishDirs; also when the transfer stops, so that what
// is kept for a resume already has its final modes). Directories that already
// existed keep their modes. A parent directory that is not in the manifest is
// created as mkdir -p does (0777 less the umask).

// processUmask is read once: reading it means setting it, which is not safe
// while other goroutines create files (see readUmask).
var processUmask = sync.OnceValue(readUmask)

func (r *receiver) umask() fs.FileMode {
	if r.opts.umask != nil {
		return *r.opts.umask & fs.ModePerm
	}
	return processUmask()
}

// finalMode is the mode that e gets on disk.
func (r *receiver) finalMode(e Entry) fs.FileMode {
	return e.Mode.Perm() &^ r.umask()
}

// mkdir creates the manifest directory e.Path, owner-only until finishDirs,
// and its missing parents as mkdir -p does.
func (r *receiver) mkdir(e Entry) error {
	if r.made[e.Path] {
		return nil
	}
	if err := r.mkdirAll(path.Dir(e.Path)); err != nil {
		return err
	}
	err := r.root.Mkdir(e.Path, 0o700)
	switch {
	case err == nil:
		r.plan.created = append(r.plan.created, e)
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("cannot create the directory %s: %w", quoteName(e.Path), err)
	}
	r.made[e.Path] = true
	return nil
}

// mkdirAll creates dir and its parents, as mkdir -p does.
func (r *receiver) mkdirAll(dir string) error {
	if dir == "." || r.made[dir] {
		return nil
	}
	if err := r.root.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("cannot create the directory %s: %w", quoteName(dir), err)
	}
	r.made[dir] = true
	return nil
}

// makeDirs creates the manifest's directories, parents first.
func (r *receiver) makeDirs() error {
	var dirs []Entry
	for _, e := range r.m.Entries {
		if e.Mode.IsDir() {
			dirs = append(dirs, e)
		}
	}
	slices.SortStableFunc(dirs, func(a, b Entry) int { return depth(a.Path) - depth(b.Path) })
	for _, e := range dirs {
		if err := r.mkdir(e); err != nil {
			return err
		}
	}
	return nil
}

// finishDirs gives the directories that the transfer created their final
// modes, deepest first (a parent without search permission would otherwise
// bar the way to its children). It returns the first failure.
func (r *receiver) finishDirs() error {
	dirs := r.plan.created
	r.plan.created = nil
	slices.SortStableFunc(dirs, func(a, b Entry) int { return depth(b.Path) - depth(a.Path) })
	var first error
	for _, e := range dirs {
		if err := r.root.Chmod(e.Path, r.finalMode(e)); err != nil && first == nil {
			first = fmt.Errorf("cannot set the permissions of the directory %s: %w", quoteName(e.Path), err)
		}
	}
	return first
}

func depth(name string) int { return strings.Count(name, "/") }
