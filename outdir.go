package ferry

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// makeOutDir creates dir and the parents it lacks, before Receive connects,
// so that a directory that cannot be made fails before the sender is
// bothered. The returned undo removes what it created, deepest first, as far
// as it is still empty: after a receive that failed (a wrong code, a server
// that refused, a sender that left) no empty directory is left behind, and
// whatever the transfer wrote there (a .ferry-part kept for resuming) keeps
// its directory, since os.Remove removes no directory that holds anything.
func makeOutDir(dir string) (undo func(), err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	var created []string // deepest first
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); !errors.Is(err, fs.ErrNotExist) {
			break
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return func() {
		for _, d := range created {
			if os.Remove(d) != nil {
				return // not empty (or not ours to remove): neither are its parents
			}
		}
	}, nil
}
