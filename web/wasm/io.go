//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall/js"

	"github.com/ferry-dev/ferry"
)

// jsWriter hands each chunk to the page's data function as a new Uint8Array
// (the page keeps it), and waits for the Promise it may return.
type jsWriter struct{ fn js.Value }

func (w *jsWriter) Write(p []byte) (int, error) {
	if w.fn.Type() != js.TypeFunction {
		return 0, errors.New("the page takes no data")
	}
	u8 := js.Global().Get("Uint8Array").New(len(p))
	js.CopyBytesToJS(u8, p)
	if err := await(w.fn.Invoke(u8)); err != nil {
		return 0, fmt.Errorf("the page could not store the data: %w", err)
	}
	return len(p), nil
}

// textWriter shows a text message (ferry send --text) as a "text" event.
type textWriter struct{ ev *events }

func (w *textWriter) Write(p []byte) (int, error) {
	w.ev.emit("text", map[string]any{"text": string(p)})
	return len(p), nil
}

// await waits for v if it is a Promise (a thenable); its rejection is the
// error. It must not run on a JavaScript callback's goroutine.
func await(v js.Value) error {
	if v.Type() != js.TypeObject || v.Get("then").Type() != js.TypeFunction {
		return nil
	}
	_, err := awaitValue(v)
	return err
}

// readChunk is how much of a File one read asks the browser for.
const readChunk = 1 << 20

// fileSource offers the browser's File objects, each under its name, read
// in chunks through File.slice().arrayBuffer().
type fileSource struct {
	files []js.Value
	m     ferry.Manifest
}

func newFileSource(list js.Value) (*fileSource, error) {
	n := list.Length()
	if n == 0 {
		return nil, errors.New("no file chosen")
	}
	s := &fileSource{}
	for i := range n {
		f := list.Index(i)
		size := int64(f.Get("size").Float())
		s.files = append(s.files, f)
		s.m.Entries = append(s.m.Entries, ferry.Entry{Path: f.Get("name").String(), Size: size, Mode: 0o644})
		s.m.TotalBytes += size
	}
	return s, nil
}

func (s *fileSource) Manifest() ferry.Manifest { return s.m }

func (s *fileSource) Open(_ context.Context, i int) (io.ReadCloser, error) {
	if i < 0 || i >= len(s.files) {
		return nil, fmt.Errorf("browser files: entry %d does not exist", i)
	}
	return &fileReader{f: s.files[i], size: s.m.Entries[i].Size}, nil
}

// fileReader reads a File from its start.
type fileReader struct {
	f    js.Value
	size int64
	off  int64
}

func (r *fileReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), int64(readChunk), r.size-r.off)
	buf, err := awaitValue(r.f.Call("slice", r.off, r.off+n).Call("arrayBuffer"))
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", r.f.Get("name").String(), err)
	}
	u8 := js.Global().Get("Uint8Array").New(buf)
	got := js.CopyBytesToGo(p, u8)
	if got == 0 {
		return 0, io.ErrUnexpectedEOF // the file shrank
	}
	r.off += int64(got)
	return got, nil
}

func (r *fileReader) Close() error { return nil }

// awaitValue waits for the Promise p and returns what it resolved to.
func awaitValue(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	done := make(chan result, 1)
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{v: args[0]}
		return nil
	})
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{err: errors.New(js.Global().Get("String").Invoke(args[0]).String())}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	p.Call("then", ok, fail)
	r := <-done
	return r.v, r.err
}
