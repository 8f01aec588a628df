//go:build js && wasm

package main

import (
	"context"
	"syscall/js"
	"time"

	"github.com/ferry-dev/ferry"
	"github.com/ferry-dev/ferry/internal/errkind"
)

// progressEvery is the least time between two progress events to the page
// (the engine reports every 64 KiB); the last one always goes.
const progressEvery = 100 * time.Millisecond

// events forwards ferry's events to the page's event function as plain
// objects. Calls come from the goroutine that runs Send or Receive, never
// from a JavaScript callback, so calling into JavaScript here is safe.
type events struct {
	fn       js.Value
	lastProg time.Time
}

var _ ferry.Events = (*events)(nil)

func newEvents(fn js.Value) *events { return &events{fn: fn} }

func (e *events) emit(typ string, fields map[string]any) {
	o := js.Global().Get("Object").New()
	o.Set("type", typ)
	for k, v := range fields {
		o.Set(k, v)
	}
	if e.fn.Type() == js.TypeFunction {
		e.fn.Invoke(o)
	}
}

func (e *events) Code(c ferry.CodeInfo) {
	e.emit("code", map[string]any{"code": c.Code, "server": c.Server})
}

func (e *events) Waiting(slot string, wait time.Duration) {
	e.emit("waiting", map[string]any{"slot": slot, "seconds": wait.Seconds()})
}

func (e *events) Connected(c ferry.Connection) {
	route := "relay"
	if c.Route.Direct {
		route = "direct"
	}
	e.emit("connected", map[string]any{"route": route, "local": c.Route.Local, "remote": c.Route.Remote})
}

func (e *events) Offer(m ferry.Manifest) {
	o := offerObject(m)
	e.emit("offer", map[string]any{"entries": o.Get("entries"), "total": o.Get("total")})
}

// offerObject is the offer as the page sees it: {entries: [{path, size,
// dir, text}], total}.
func offerObject(m ferry.Manifest) js.Value {
	entries := make([]any, len(m.Entries))
	for i, en := range m.Entries {
		entries[i] = map[string]any{"path": en.Path, "size": en.Size, "dir": en.Mode.IsDir(), "text": en.Text}
	}
	return js.ValueOf(map[string]any{"entries": entries, "total": m.TotalBytes})
}

func (e *events) Progress(done, total int64) {
	now := time.Now()
	if done < total && now.Sub(e.lastProg) < progressEvery {
		return
	}
	e.lastProg = now
	e.emit("progress", map[string]any{"done": done, "total": total})
}

func (e *events) Resumed(path string, offset int64, whole bool) {
	e.emit("resumed", map[string]any{"path": path, "offset": offset, "whole": whole})
}

func (e *events) Discarded(path string, held int64) {
	e.emit("discarded", map[string]any{"path": path, "held": held})
}

func (e *events) File(f ferry.FileResult) {
	e.emit("file", map[string]any{"path": f.Path, "size": f.Size, "sha256": f.SHA256})
}

func (e *events) Done(r ferry.Result) {
	e.emit("done", map[string]any{"files": r.Files, "bytes": r.Bytes, "seconds": r.Duration.Seconds()})
}

// finish reports how Send or Receive ended, when it failed: the message as
// the ferry command prints it, and the kind of its JSON error event.
func (e *events) finish(ctx context.Context, err error) {
	if err == nil {
		return
	}
	kind := errkind.Of(ctx, err)
	e.emit("error", map[string]any{"message": "ferry: " + errkind.Message(kind, err), "kind": kind})
}
