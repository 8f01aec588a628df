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

// jsEntry is a file of the offer being written by the page: the writer
// {write, close, abort} its openEntry function returned.
type jsEntry struct{ w js.Value }

// openEntryFunc is ReceiveConfig.OpenEntry through the page's openEntry.
func openEntryFunc(fn js.Value) func(string, int64) (ferry.EntryWriter, error) {
	return func(path string, size int64) (ferry.EntryWriter, error) {
		if fn.Type() != js.TypeFunction {
			return nil, errors.New("the page takes no files")
		}
		w, err := callPage(func() js.Value { return fn.Invoke(path, size) })
		if err != nil {
			return nil, fmt.Errorf("the page could not open it: %w", err)
		}
		if w.Type() != js.TypeObject {
			return nil, errors.New("the page could not open it")
		}
		return &jsEntry{w: w}, nil
	}
}

// Write hands p to the page as a new Uint8Array (the page keeps it), and
// waits for the Promise write may return.
func (e *jsEntry) Write(p []byte) (int, error) {
	u8 := js.Global().Get("Uint8Array").New(len(p))
	js.CopyBytesToJS(u8, p)
	if _, err := callPage(func() js.Value { return e.w.Call("write", u8) }); err != nil {
		return 0, fmt.Errorf("the page could not store the data: %w", err)
	}
	return len(p), nil
}

// Close tells the page that the file was verified, and waits for it to be
// in place.
func (e *jsEntry) Close() error {
	if _, err := callPage(func() js.Value { return e.w.Call("close") }); err != nil {
		return fmt.Errorf("the page could not finish the file: %w", err)
	}
	return nil
}

// Abort tells the page that the file failed, and waits for the Promise
// abort may return (the page removing what it wrote), so that the page has
// cleaned up before the failure is reported.
func (e *jsEntry) Abort(reason error) {
	_, _ = callPage(func() js.Value { return e.w.Call("abort", reason.Error()) })
}

// acceptFunc is ReceiveConfig.Accept through the page's accept function:
// it gets the offer and returns a Promise, whose rejection declines the
// offer with its reason. Without a function, every offer is accepted.
func acceptFunc(fn js.Value) func(context.Context, ferry.Manifest) error {
	if fn.Type() != js.TypeFunction {
		return nil
	}
	return func(ctx context.Context, m ferry.Manifest) error {
		if _, err := callPage(func() js.Value { return fn.Invoke(offerObject(m)) }); err != nil {
			if errors.Is(err, ferry.ErrExists) || errors.Is(err, ferry.ErrNoSpace) {
				return err // files in the way, or too much to hold: as the command says
			}
			// As the command's prompt answered no: the sender reads "the
			// receiver declined".
			return ferry.Decline(err.Error(), "")
		}
		return ctx.Err()
	}
}

// textWriter shows a text message (ferry send --text) as a "text" event.
type textWriter struct{ ev *events }

func (w *textWriter) Write(p []byte) (int, error) {
	w.ev.emit("text", map[string]any{"text": string(p)})
	return len(p), nil
}

// callPage runs call, a call into the page's code, and waits for the
// Promise it may return (a thenable): its rejection, or a synchronous
// throw, is the error (jsError), never a panic that would end the client.
// It must not run on a JavaScript callback's goroutine.
func callPage(call func() js.Value) (v js.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			je, ok := p.(js.Error)
			if !ok {
				panic(p)
			}
			v, err = js.Undefined(), jsError(je.Value)
		}
	}()
	return awaitResult(call())
}

// readChunk is how much of a File one read asks the browser for.
const readChunk = 1 << 20

// fileSource offers the browser's File objects, each under its path (its
// name, or a folder's file's relative path).
type fileSource struct {
	files []js.Value
	m     ferry.Manifest
}

// newFileSource offers the Files of list, under the strings of paths where
// given (else their names); the receiver creates a path's directories.
func newFileSource(list, paths js.Value) (*fileSource, error) {
	n := list.Length()
	if n == 0 {
		return nil, errors.New("no file chosen")
	}
	s := &fileSource{}
	seen := map[string]bool{}
	for i := range n {
		f := list.Index(i)
		name := f.Get("name").String()
		if paths.Type() == js.TypeObject && i < paths.Length() && paths.Index(i).Type() == js.TypeString {
			name = paths.Index(i).String()
		}
		if seen[name] {
			return nil, fmt.Errorf("two of the chosen files are named %q: send them in separate transfers", name)
		}
		seen[name] = true
		size := int64(f.Get("size").Float())
		s.files = append(s.files, f)
		s.m.Entries = append(s.m.Entries, ferry.Entry{Path: name, Size: size, Mode: 0o644})
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

// fileReader reads a File from its start, through a BYOB reader of
// File.stream() that fills one reused buffer where the browser has it
// (File.slice().arrayBuffer() otherwise, a new buffer per read).
type fileReader struct {
	f    js.Value
	size int64
	off  int64

	byob js.Value // the stream's BYOB reader, once made; null if none
	buf  js.Value // the Uint8Array it fills, handed back after each read
}

func (r *fileReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), int64(readChunk), r.size-r.off)
	u8, err := r.next(n)
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", r.f.Get("name").String(), err)
	}
	got := js.CopyBytesToGo(p, u8)
	if got == 0 {
		return 0, io.ErrUnexpectedEOF // the file shrank
	}
	r.off += int64(got)
	return got, nil
}

// next returns the next at most n bytes of the file.
func (r *fileReader) next(n int64) (js.Value, error) {
	if r.byob.IsUndefined() {
		r.byob = js.Null()
		func() {
			defer func() { recover() }() //nolint:errcheck // no BYOB reader: slices below
			r.byob = r.f.Call("stream").Call("getReader", map[string]any{"mode": "byob"})
			r.buf = js.Global().Get("Uint8Array").New(readChunk)
		}()
	}
	if r.byob.IsNull() {
		buf, err := awaitValue(r.f.Call("slice", r.off, r.off+n).Call("arrayBuffer"))
		if err != nil {
			return js.Value{}, err
		}
		return js.Global().Get("Uint8Array").New(buf), nil
	}
	res, err := awaitValue(r.byob.Call("read", js.Global().Get("Uint8Array").New(r.buf.Get("buffer"), 0, n)))
	if err != nil {
		return js.Value{}, err
	}
	if res.Get("done").Bool() {
		return js.Global().Get("Uint8Array").New(0), nil
	}
	v := res.Get("value")
	r.buf = js.Global().Get("Uint8Array").New(v.Get("buffer")) // the read took the old one
	return v, nil
}

func (r *fileReader) Close() error {
	if !r.byob.IsUndefined() && !r.byob.IsNull() {
		r.byob.Call("cancel") // a Promise; nothing waits for it
	}
	return nil
}

// awaitResult is awaitValue for a value that may or may not be a Promise.
func awaitResult(v js.Value) (js.Value, error) {
	if v.Type() != js.TypeObject || v.Get("then").Type() != js.TypeFunction {
		return v, nil
	}
	return awaitValue(v)
}

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
		done <- result{err: jsError(args[0])}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	p.Call("then", ok, fail)
	r := <-done
	return r.v, r.err
}

// jsError is a Promise's rejection reason as an error: an Error's message,
// else the value as a string. The error's name gives its class (pageError).
func jsError(v js.Value) error {
	if v.Type() == js.TypeObject && v.Get("message").Type() == js.TypeString {
		name := ""
		if n := v.Get("name"); n.Type() == js.TypeString {
			name = n.String()
		}
		return &pageError{name: name, msg: v.Get("message").String()}
	}
	return errors.New(js.Global().Get("String").Invoke(v).String())
}

// pageError is an Error from the page, classed by its name as the command
// classes its own: the browser's QuotaExceededError (storage refused, or
// more than the page holds in memory) is [ferry.ErrNoSpace]; the page's
// ExistsError (a file in the way in the chosen folder) is [ferry.ErrExists].
type pageError struct{ name, msg string }

func (e *pageError) Error() string {
	if s := e.Unwrap(); s != nil {
		return s.Error() + ": " + e.msg
	}
	return e.msg
}

func (e *pageError) Unwrap() error {
	switch e.name {
	case "QuotaExceededError":
		return ferry.ErrNoSpace
	case "ExistsError":
		return ferry.ErrExists
	}
	return nil
}
