package cli

import (
	"fmt"

	"github.com/ferry-dev/ferry"
	"github.com/ferry-dev/ferry/transfer"
)

// senderEvents is what `ferry send` shows of ferry.Send's events.
type senderEvents struct {
	*ui
	skipped []transfer.Skipped // what the source left out, reported with the code
	qr      bool               // --qr: draw the web page's address as a QR code
}

// Offer comes just before the code: the skipped entries and what is sent.
func (e senderEvents) Offer(m ferry.Manifest) {
	e.sizes(m)
	if e.json == nil {
		e.reportSkipped()
	}
	e.infof("Sending %s (%s).", describe(m), sizeText(m))
}

// Code shows the code; with --json its event comes first of all.
// With --qr, the QR code goes to stderr below the code's lines, or, with
// --json, before the code event (which then says it is drawn).
func (e senderEvents) Code(c ferry.CodeInfo) {
	if e.json == nil {
		e.code(c)
		e.drawQR(c)
		return
	}
	e.drawQR(c)
	e.code(c)
	e.reportSkipped()
}

func (e senderEvents) drawQR(c ferry.CodeInfo) {
	if !e.qr {
		return
	}
	if c.WebURL == "" {
		e.warnf("--qr: the server %s does not say that it serves the browser page (ferry-rendezvous --no-web-app, or an older one): no QR code to draw", c.Server)
		return
	}
	fmt.Fprintln(e.ios.ErrOut, "Scan to receive in a browser:")
	if err := writeQR(e.ios.ErrOut, c.WebURL); err != nil {
		e.warnf("%v", err)
	}
}

func (e senderEvents) reportSkipped() {
	for _, s := range e.skipped {
		e.ui.skipped(s)
	}
}

func (e senderEvents) Done(r ferry.Result) { e.done("Sent", r) }

// Resumed: the receiver holds the first offset bytes of path already.
func (e senderEvents) Resumed(path string, offset int64, whole bool) {
	if e.json != nil {
		e.ui.Resumed(path, offset, whole)
		return
	}
	if whole {
		e.note("Skipping %s: the receiver already holds all of it.", displayName(path))
		return
	}
	e.note("Resuming %s from %s: the receiver holds the rest from an earlier transfer.", displayName(path), transfer.HumanBytes(offset))
}

// receiverEvents is what `ferry receive` shows of ferry.Receive's events.
type receiverEvents struct{ *ui }

// Code never comes to a receiver.
func (receiverEvents) Code(ferry.CodeInfo) {}

// Offer shows the offer (--json) before the accept prompt.
func (e receiverEvents) Offer(m ferry.Manifest) {
	e.offer(m)
	e.sizes(m)
}

func (e receiverEvents) Done(r ferry.Result) { e.done("Received", r) }

var (
	_ ferry.Events = senderEvents{}
	_ ferry.Events = receiverEvents{}
)
