package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// FileSource offers files and directories from the local file system.
type FileSource struct {
	manifest   Manifest
	roots      []sourceRoot // one per argument, in the order of their entries
	ids        []fileID     // what each file looked like in the manifest
	skipped    []Skipped
	unreadable []string // files and directories that cannot be read: "path (why)"
}

// sourceRoot is an argument of NewFileSource and its entries: the OS path
// of entry i (first <= i < the next root's first) is path followed by what
// follows name in the entry's path, so that no OS path is kept per file.
type sourceRoot struct {
	first int    // index of its first entry
	path  string // the argument as given
	name  string // its entry's name (its base name)
}

// Skipped is something NewFileSource found inside a directory and left out.
type Skipped struct {
	Path   string // OS path
	Reason string // e.g. "symbolic link"
}

var _ Source = (*FileSource)(nil)

// NewFileSource builds a source from paths given by the user.
//
// A regular file becomes one entry named by its base name. A directory becomes
// an entry for itself (named by its base name) and one for everything below it,
// as slash-separated paths under that name: subdirectories (empty ones too) and
// regular files (empty ones too). Symbolic links and special files inside
// directories are not followed nor sent, nor are the partial files an
// unfinished receive left there (NAME.ferry-part); Skipped lists them. A symbolic link
// given as an argument is followed, since the user named it.
//
// Every regular file is opened once to check that it can be read: a file or
// directory that cannot be read fails NewFileSource with a list of them, before
// anything is offered, rather than the transfer after the receiver accepted.
// The size, times and inode of each file are recorded: Open and the end of the
// reading compare them (ErrSourceChanged).
func NewFileSource(paths ...string) (*FileSource, error) {
	if len(paths) == 0 {
		return nil, errors.New("file source: no files given")
	}
	s := &FileSource{}
	seen := map[string]string{} // folded top-level name -> argument
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("file source: %w", err)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("file source: %w", err)
		}
		name := filepath.Base(abs)
		if filepath.Dir(abs) == abs {
			return nil, fmt.Errorf("file source: cannot send the root directory %q: name a directory inside it", p)
		}
		if prev, dup := seen[foldName(name)]; dup {
			return nil, fmt.Errorf("file source: %q and %q would both arrive as %q: rename one or send them separately", prev, p, name)
		}
		seen[foldName(name)] = p
		s.roots = append(s.roots, sourceRoot{first: len(s.manifest.Entries), path: p, name: name})
		switch {
		case fi.Mode().IsRegular():
			err = s.add(p, name, fi)
		case fi.IsDir():
			err = s.walk(p, name)
		default:
			err = errors.New("file source: " + notSendable(p, fi.Mode()))
		}
		if err != nil {
			return nil, err
		}
	}
	if err := s.unreadableError(); err != nil {
		return nil, err
	}
	if err := checkEntries(s.manifest.Entries); err != nil {
		return nil, fmt.Errorf("file source: %w; rename one of them", err)
	}
	return s, nil
}

func (s *FileSource) add(osPath, name string, fi fs.FileInfo) error {
	e := Entry{Path: name, Mode: fi.Mode().Perm()}
	if fi.IsDir() {
		e.Mode |= fs.ModeDir
	} else {
		e.Size = fi.Size()
		if err := checkReadable(osPath); err != nil {
			s.unreadable = append(s.unreadable, fmt.Sprintf("%s (%v)", quoteName(osPath), pathErrorReason(err)))
		}
	}
	if err := ValidateName(name); err != nil {
		if strings.HasSuffix(err.Error(), "rename it") {
			return fmt.Errorf("file source: cannot send %q: %w", osPath, err)
		}
		return fmt.Errorf("file source: cannot send %q: %w; rename it", osPath, err)
	}
	if len(s.manifest.Entries) >= MaxEntries {
		return fmt.Errorf("file source: more than %d files and directories; send fewer at once", MaxEntries)
	}
	s.manifest.Entries = append(s.manifest.Entries, e)
	s.manifest.TotalBytes += e.Size
	s.ids = append(s.ids, statID(fi))
	return nil
}

func (s *FileSource) walk(root, name string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil && d != nil && d.IsDir() && p != root {
			// A directory inside that cannot be listed: reported with the
			// unreadable files.
			s.unreadable = append(s.unreadable, fmt.Sprintf("%s (%v)", quoteName(p), pathErrorReason(err)))
			return fs.SkipDir
		}
		if err != nil {
			return fmt.Errorf("file source: %w", err)
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			reason := "special file"
			if d.Type()&fs.ModeSymlink != 0 {
				reason = "symbolic link"
			}
			s.skipped = append(s.skipped, Skipped{Path: p, Reason: reason})
			return nil
		}
		if p != root && isReserved(d.Name()) {
			// What an interrupted ferry receive left in this directory:
			// not the user's data, and a name manifests may not carry.
			s.skipped = append(s.skipped, Skipped{Path: p, Reason: "partial file of an unfinished ferry receive"})
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return fmt.Errorf("file source: %w", err)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return fmt.Errorf("file source: %w", err)
		}
		entry := name
		if rel != "." {
			entry = name + "/" + filepath.ToSlash(rel)
		}
		return s.add(p, entry, fi)
	})
}

// Manifest implements Source.
func (s *FileSource) Manifest() Manifest { return s.manifest }

// Skipped lists the symbolic links and special files found inside directories
// and left out, in walk order.
func (s *FileSource) Skipped() []Skipped { return s.skipped }

// Open implements Source: it opens entry i's file, which must still be a
// regular file.
func (s *FileSource) Open(ctx context.Context, i int) (io.ReadCloser, error) {
	if i < 0 || i >= len(s.ids) || s.manifest.Entries[i].Mode.IsDir() {
		return nil, fmt.Errorf("file source: entry %d is not a file", i)
	}
	path := s.manifest.Entries[i].Path
	f, err := os.Open(s.osPath(i))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &changedError{path: path, what: "it was removed"}
	}
	if err != nil {
		return nil, fmt.Errorf("file source: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("file source: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &changedError{path: path, what: fmt.Sprintf("it is no longer a regular file (%s)", fi.Mode().Type())}
	}
	sf := &sourceFile{File: f, path: path, id: s.ids[i]}
	if what := describeChange(sf.id, statID(fi)); what != "" {
		f.Close()
		return nil, &changedError{path: path, what: what}
	}
	return sf, nil
}

// osPath is where entry i is on this system.
func (s *FileSource) osPath(i int) string {
	k := sort.Search(len(s.roots), func(k int) bool { return s.roots[k].first > i }) - 1
	root := s.roots[k]
	return root.path + filepath.FromSlash(s.manifest.Entries[i].Path[len(root.name):])
}

// sourceFile is an open file of a FileSource, which knows the version of the
// file that the manifest offered.
type sourceFile struct {
	*os.File
	path string
	id   fileID
}

// unchanged implements changeReader: after the last byte was read, the file
// must still be the version of the manifest.
func (f *sourceFile) unchanged(read int64) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("file source: %w", err)
	}
	if what := describeChange(f.id, statID(fi)); what != "" {
		return &changedError{path: f.path, what: what}
	}
	return nil
}

// checkReadable opens a file and closes it: tests replace it.
var checkReadable = func(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// pathErrorReason is what went wrong, without the path an *fs.PathError repeats.
func pathErrorReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// unreadableError lists what cannot be read, or returns nil.
func (s *FileSource) unreadableError() error {
	if len(s.unreadable) == 0 {
		return nil
	}
	const show = 10
	list := strings.Join(s.unreadable[:min(show, len(s.unreadable))], ", ")
	if len(s.unreadable) > show {
		list += fmt.Sprintf(" and %d more", len(s.unreadable)-show)
	}
	what := "1 file or directory"
	if len(s.unreadable) > 1 {
		what = fmt.Sprintf("%d files or directories", len(s.unreadable))
	}
	return fmt.Errorf("file source: cannot read %s: %s; nothing was offered: make them readable (chmod u+r, or run as their owner) or move them out of what you send, then send again",
		what, list)
}

// ReaderSource offers a single stream of unknown length, such as standard
// input. It can be opened once; a stream cannot be resumed.
type ReaderSource struct {
	name   string
	mode   fs.FileMode
	mu     sync.Mutex
	r      io.Reader
	opened bool
}

// NewReaderSource offers r as one file called name, with permissions 0644.
func NewReaderSource(name string, r io.Reader) (*ReaderSource, error) {
	if err := ValidateName(name); err != nil {
		return nil, fmt.Errorf("reader source: %w", err)
	}
	return &ReaderSource{name: name, mode: 0o644, r: r}, nil
}

// Manifest implements Source.
func (s *ReaderSource) Manifest() Manifest {
	return Manifest{Entries: []Entry{{Path: s.name, Size: -1, Mode: s.mode}}}
}

// Open implements Source.
func (s *ReaderSource) Open(ctx context.Context, i int) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i != 0 {
		return nil, fmt.Errorf("reader source: entry %d does not exist", i)
	}
	if s.opened {
		return nil, fmt.Errorf("reader source: %s can be read only once", quoteName(s.name))
	}
	s.opened = true
	return io.NopCloser(s.r), nil
}
