package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// makeFile writes a file of size bytes under the work directory, with
// content from fill, and returns its path.
func (r *runner) makeFile(name string, size int64, fill func(io.Writer, int64) error) (string, error) {
	p := filepath.Join(r.work, fmt.Sprintf("%s-%s.bin", name, strings.ReplaceAll(humanSize(size), " ", "")))
	f, err := os.Create(p)
	if err != nil {
		return "", fmt.Errorf("creating the test file: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = fill(w, size)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p)
		return "", fmt.Errorf("writing the test file %s: %w", p, err)
	}
	return p, nil
}

// randomFile writes incompressible bytes.
func randomFile(w io.Writer, size int64) error {
	var seed [32]byte
	_, err := io.CopyN(w, rand.NewChaCha8(seed), size)
	return err
}

// defaultCorpus is the source tree of the Go toolchain on this machine, as
// `go env GOROOT` names it, or "" without one.
func defaultCorpus() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if g := strings.TrimSpace(string(out)); err == nil && g != "" {
		return filepath.Join(g, "src")
	}
	return ""
}

// textCorpus returns a filler that writes real text: the .go files under
// root (the Go sources: about 100 MB, more than any compressor's window),
// over and over.
func textCorpus(root string) func(io.Writer, int64) error {
	return func(w io.Writer, size int64) error { return writeCorpus(w, size, root) }
}

func writeCorpus(w io.Writer, size int64, root string) error {
	if root == "" {
		return errors.New("no text corpus: pass -corpus DIR, a directory of .go files such as $(go env GOROOT)/src")
	}
	if _, err := os.Stat(root); err != nil {
		return fmt.Errorf("the text corpus: %w", err)
	}
	var left = size
	errFull := errors.New("full")
	for left > 0 {
		before := left
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return nil
			}
			defer f.Close()
			n, err := io.Copy(w, io.LimitReader(f, left))
			left -= n
			if err != nil {
				return err
			}
			if left == 0 {
				return errFull
			}
			return nil
		})
		if err != nil && !errors.Is(err, errFull) {
			return err
		}
		if left == before {
			return fmt.Errorf("no Go sources under %s", root)
		}
	}
	return nil
}
