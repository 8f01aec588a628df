package transfer

import (
	"context"
	"io"
	"testing"
)

func TestScratchMessages(t *testing.T) {
	data := randomBytes(t, 300_000)
	sent, got := pair(t, testContext(t), (&memSource{}).add("f.bin", data), SendOptions{}, ReceiveOptions{
		Dir:        t.TempDir(),
		wrapWriter: func(w io.Writer) io.Writer { return &fullDisk{w: w, left: 100_000} },
	})
	t.Logf("disk:\n  %v\n  %v", sent.err, got.err)
	ctx, cancel := context.WithCancel(testContext(t))
	progress := newReached(100000)
	go func() { <-progress.ch; cancel() }()
	sent, got = pairCtx(t, ctx, testContext(t), (&memSource{}).add("f.bin", data).add("g", nil), SendOptions{Progress: progress}, ReceiveOptions{Dir: t.TempDir()})
	t.Logf("cancel:\n  %v\n  %v", sent.err, got.err)
	got = receiveFrom(t, testContext(t), ReceiveOptions{Dir: t.TempDir()}, func(p *rawPeer) {
		p.offer(fileEntry("f.bin", 10000))
		p.answer()
		p.begin(0, 0)
		p.data(0, 0, data[:1000])
		p.data(0, 5, data[:1000])
		t.Log(p.expectError())
	})
	t.Logf("proto:\n  %v", got.err)
	got = receiveFrom(t, testContext(t), ReceiveOptions{Dir: t.TempDir()}, func(p *rawPeer) {
		p.offer(fileEntry("f.bin", 10000))
		p.answer()
		p.begin(0, 0)
		p.data(0, 0, data[:1000])
		p.send(frameError, appendErrorFrame(nil, kindFailed, "cannot read \"f.bin\": \x1b[31mboom"))
	})
	t.Logf("remote:\n  %v", got.err)
}
