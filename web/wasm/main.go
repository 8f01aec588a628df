//go:build js && wasm

// Command wasm is ferry in a browser: the same packages as the ferry command
// (rendezvous client, CPace, sealed session, transfer protocol), built for
// GOOS=js GOARCH=wasm, with pion driving the browser's RTCPeerConnection.
//
// It sets globalThis.ferry to a small API for web/app.js:
//
//	ferry.receive({server, code, event(ev), accept(offer), openEntry(path, size)}) -> {cancel()}
//	ferry.send({server, code, files, paths, event(ev)})   -> {cancel()}
//
// server is the rendezvous server's URL (ws:// or wss://, the page's own
// origin); code is the full code to receive with, and for sending a chosen
// code or "" for a new one. files is an array of File objects, paths
// (optional) the path each is offered under, such as a folder's relative
// paths ("photos/2024/a.jpg"). event gets
// plain objects: {type: "code"|"waiting"|"offer"|"connected"|"progress"|
// "file"|"done"|"error", ...} (see events.go). openEntry is called as each
// received file begins, with its path ("dir/sub/a.txt", checked by package
// transfer) and size (-1: unknown), and returns (a Promise of) a writer
// {write(bytes), close(), abort(reason)}: write gets each CRC-checked chunk
// as a new Uint8Array and may return a Promise, which the next chunk waits
// for (a WritableStream's backpressure); close (awaited) means the file's
// SHA-256 matched, abort that the file failed. accept, when
// given, gets the offer ({entries, total}) before anything is written and
// returns a Promise: resolved accepts, rejected declines with its reason
// (the page asks the user, and opens the place the file goes to, there).
// ferry.stats() returns {queued, queuedMax}: the bytes the data channel
// delivered that the client has not read yet, now and at most.
package main

import (
	"context"
	"syscall/js"

	"github.com/ferry-dev/ferry"
	"github.com/ferry-dev/ferry/internal/buildinfo"
	"github.com/ferry-dev/ferry/peer"
)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("receive", js.FuncOf(receive))
	api.Set("send", js.FuncOf(send))
	api.Set("stats", js.FuncOf(stats))
	api.Set("version", buildinfo.String())
	js.Global().Set("ferry", api)
	select {} // serve calls from JavaScript for as long as the page lives
}

// Why the browser receives through ReceiveConfig.OpenEntry: ferry.Receive
// writes files under a directory through os.Root, which has no file system
// in a browser, while OpenEntry hands each file of the offer, one file or a
// whole tree, to a writer that the page opens as the file begins (a file in
// the folder the user chose, a download, or a Blob), each chunk CRC-checked
// as it arrives. The writer is closed only once the file's SHA-256 matched,
// and aborted otherwise: the browser's equivalent of the command's
// .ferry-part file and rename (web/sink.js).

// receive runs ferry.Receive for the options object args[0].
func receive(_ js.Value, args []js.Value) any {
	opts := args[0]
	ctx, cancel := context.WithCancel(context.Background())
	ev := newEvents(opts.Get("event"))
	open := openEntryFunc(opts.Get("openEntry"))
	go func() {
		defer cancel()
		_, err := ferry.Receive(ctx, ferry.ReceiveConfig{
			Config: ferry.Config{
				Server:  opts.Get("server").String(),
				Code:    opts.Get("code").String(),
				Events:  ev,
				Network: ferry.Network{Parallel: 1},
			},
			OpenEntry: open,
			Text:      &textWriter{ev: ev},
			Accept:    acceptFunc(opts.Get("accept")),
		})
		ev.finish(ctx, err)
	}()
	return handle(cancel)
}

// stats returns {queued, queuedMax} (see peer.BrowserQueue).
func stats(js.Value, []js.Value) any {
	now, most := peer.BrowserQueue()
	o := js.Global().Get("Object").New()
	o.Set("queued", now)
	o.Set("queuedMax", most)
	return o
}

// send runs ferry.Send for the options object args[0].
func send(_ js.Value, args []js.Value) any {
	opts := args[0]
	ctx, cancel := context.WithCancel(context.Background())
	ev := newEvents(opts.Get("event"))
	src, err := newFileSource(opts.Get("files"), opts.Get("paths"))
	if err != nil {
		go ev.finish(ctx, err)
		return handle(cancel)
	}
	code := ""
	if c := opts.Get("code"); c.Type() == js.TypeString {
		code = c.String()
	}
	go func() {
		defer cancel()
		_, err := ferry.Send(ctx, src, ferry.SendConfig{
			Config: ferry.Config{
				Server:  opts.Get("server").String(),
				Code:    code,
				Events:  ev,
				Network: ferry.Network{Parallel: 1},
			},
		})
		ev.finish(ctx, err)
	}()
	return handle(cancel)
}

// handle is what receive and send return: {cancel()}.
func handle(cancel context.CancelFunc) js.Value {
	h := js.Global().Get("Object").New()
	h.Set("cancel", js.FuncOf(func(js.Value, []js.Value) any {
		cancel()
		return nil
	}))
	return h
}
