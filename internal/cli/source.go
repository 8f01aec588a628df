package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ferry-dev/ferry/transfer"
)

// source builds what `ferry send` offers from its arguments: files and
// directories, paths listed in --files-from, standard input ("-"), or a text
// message (--text).
func source(opts *SendOptions) (transfer.Source, []transfer.Skipped, error) {
	if opts.TextSet {
		if len(opts.Paths) > 0 || opts.FilesFrom != "" {
			return nil, nil, usageError{errors.New("--text sends a message on its own: leave out the paths")}
		}
		text := []byte(opts.Text)
		if opts.Text == "-" {
			var err error
			if text, err = io.ReadAll(io.LimitReader(opts.IO.In, transfer.MaxTextSize+1)); err != nil {
				return nil, nil, fmt.Errorf("read the text from standard input: %w", err)
			}
			if len(text) > transfer.MaxTextSize {
				// Only the first byte past the limit was read: the size is unknown.
				return nil, nil, fmt.Errorf("the text on standard input is longer than the limit of %s: send it as a file instead (ferry send --name NAME - < FILE)",
					transfer.HumanBytes(transfer.MaxTextSize))
			}
		}
		src, err := transfer.NewTextSource(text)
		return src, nil, err
	}
	paths := opts.Paths
	if opts.FilesFrom != "" {
		listed, err := readPathList(opts.FilesFrom, opts.IO.In)
		if err != nil {
			return nil, nil, err
		}
		paths = append(paths, listed...)
	}
	for _, p := range paths {
		if p != "-" {
			continue
		}
		if len(paths) > 1 || opts.FilesFrom == "-" {
			return nil, nil, usageError{errors.New("- (standard input) must be the only thing to send")}
		}
		src, err := transfer.NewReaderSource(opts.Name, opts.IO.In)
		if err != nil {
			return nil, nil, usageError{fmt.Errorf("--name: %w", err)}
		}
		return src, nil, nil
	}
	if len(paths) == 0 {
		return nil, nil, usageError{errors.New("nothing to send: name at least one file, e.g. ferry send report.pdf")}
	}
	src, err := transfer.NewFileSource(paths...)
	if err != nil {
		return nil, nil, err
	}
	return src, src.Skipped(), nil
}

// readPathList reads one path per line from name ("-" is standard input).
// Empty lines are ignored; a trailing carriage return is dropped.
func readPathList(name string, stdin io.Reader) ([]string, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("--files-from: %w", err)
		}
		defer f.Close()
		r = f
	}
	var paths []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line := strings.TrimSuffix(sc.Text(), "\r"); line != "" {
			paths = append(paths, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--files-from %s: %w", name, err)
	}
	if len(paths) == 0 {
		return nil, usageError{fmt.Errorf("--files-from %s lists no paths", name)}
	}
	return paths, nil
}
