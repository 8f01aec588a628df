//go:build js

package peer

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"syscall/js"

	"github.com/pion/datachannel"
	"github.com/pion/webrtc/v4"
)

// remoteMaxMessage is the largest message the browser's SCTP transport may
// send to the peer (RTCSctpTransport.maxMessageSize); 0 when unknown.
func remoteMaxMessage(pc *webrtc.PeerConnection) uint32 {
	sctp := pc.SCTP()
	if sctp == nil {
		return 0
	}
	v := sctp.JSValue().Get("maxMessageSize")
	if v.Type() != js.TypeNumber {
		return 0
	}
	if f := v.Float(); f > 0 && f < 1<<32 {
		return uint32(f)
	}
	return 0
}

// closePC closes pc: the browser has no graceful close to wait for.
func closePC(pc *webrtc.PeerConnection) error {
	return pc.Close()
}

// detach turns an open data channel into a byte-level channel. pion's own
// js Detach is not used: its message handler hands each message to a new
// goroutine, which does not keep their order, and blocks in a JavaScript
// callback. browserChannel copies each message out synchronously, in order.
func detach(dc *webrtc.DataChannel) (datachannel.ReadWriteCloser, error) {
	return newBrowserChannel(dc), nil
}

// browserChannel is an RTCDataChannel as a detached channel: messages are
// queued as the browser delivers them, and the channel's close event is
// io.EOF after the last message.
//
// A browser gives the receiving page no backpressure: RTCDataChannel has no
// way to pause delivery, and the browser's SCTP stack opens its receive
// window again as soon as it handed a message to the page, not when the
// page read it. So the queue holds what Read has not consumed yet, and grows
// while the page's consumer (a disk write) is slower than the network. It
// is bounded by browserQueueLimit: past it the channel fails with
// errQueueFull rather than growing until the tab runs out of memory. A
// consumer faster than the data channel (writing to disk is, by far, at
// the rates a browser's data channel reaches) keeps it near empty;
// BrowserQueue reports how full it got.
type browserChannel struct {
	dc    *webrtc.DataChannel
	v     js.Value
	funcs []js.Func

	mu     sync.Mutex
	queue  [][]byte
	queued int           // bytes in queue
	err    error         // errQueueFull once the queue overflowed
	closed bool          // the close event came: io.EOF once queue is empty
	wake   chan struct{} // (cap 1) queue or closed changed

	wmu  sync.Mutex
	wbuf js.Value // a Uint8Array that Write copies each message into
}

// browserQueueLimit bounds the bytes a browserChannel holds unread.
const browserQueueLimit = 128 << 20

var (
	errClosedChannel = errors.New("the data channel is closed")
	errQueueFull     = fmt.Errorf("this page cannot write the data as fast as it arrives (over %d MiB waiting)", browserQueueLimit>>20)
)

// queuedNow and queuedMax count the bytes every browserChannel holds
// unread, now and at most since the page loaded.
var queuedNow, queuedMax atomic.Int64

// BrowserQueue returns the bytes the browser's data channels delivered that
// were not read yet, now and at most since the page loaded.
func BrowserQueue() (now, most int64) { return queuedNow.Load(), queuedMax.Load() }

func countQueued(n int) {
	v := queuedNow.Add(int64(n))
	for {
		m := queuedMax.Load()
		if v <= m || queuedMax.CompareAndSwap(m, v) {
			return
		}
	}
}

func newBrowserChannel(dc *webrtc.DataChannel) *browserChannel {
	c := &browserChannel{dc: dc, v: dc.JSValue(), wake: make(chan struct{}, 1)}
	c.v.Set("binaryType", "arraybuffer")
	onMessage := js.FuncOf(func(_ js.Value, args []js.Value) any {
		data := args[0].Get("data")
		var msg []byte
		if data.Type() == js.TypeString {
			msg = []byte(data.String())
		} else {
			u8 := js.Global().Get("Uint8Array").New(data)
			msg = make([]byte, u8.Length())
			js.CopyBytesToGo(msg, u8)
		}
		c.mu.Lock()
		switch {
		case c.err != nil:
		case c.queued+len(msg) > browserQueueLimit:
			c.err = errQueueFull
			c.dropQueue()
			go c.dc.Close() //nolint:errcheck // the reader reports errQueueFull
		default:
			c.queue = append(c.queue, msg)
			c.queued += len(msg)
			countQueued(len(msg))
		}
		c.mu.Unlock()
		c.signal()
		return nil
	})
	onClose := js.FuncOf(func(js.Value, []js.Value) any {
		c.mu.Lock()
		c.closed = true
		if c.err != nil {
			c.dropQueue()
		}
		c.mu.Unlock()
		c.signal()
		for _, f := range c.funcs { // no message comes after the close event
			f.Release()
		}
		return nil
	})
	c.funcs = []js.Func{onMessage, onClose}
	// Listeners, not the onmessage and onclose properties, which pion's
	// DataChannel.Close replaces.
	c.v.Call("addEventListener", "message", onMessage)
	c.v.Call("addEventListener", "close", onClose)
	return c
}

// dropQueue empties the queue; c.mu is held.
func (c *browserChannel) dropQueue() {
	countQueued(-c.queued)
	c.queue, c.queued = nil, 0
}

func (c *browserChannel) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *browserChannel) Read(p []byte) (int, error) {
	n, _, err := c.ReadDataChannel(p)
	return n, err
}

// ReadDataChannel returns the next message whole, io.ErrShortBuffer if it
// does not fit in p, and io.EOF once the channel closed and every message
// was read.
func (c *browserChannel) ReadDataChannel(p []byte) (int, bool, error) {
	for {
		c.mu.Lock()
		if c.err != nil {
			err := c.err
			c.mu.Unlock()
			return 0, false, err
		}
		if len(c.queue) > 0 {
			msg := c.queue[0]
			if len(msg) > len(p) {
				c.mu.Unlock()
				return 0, false, io.ErrShortBuffer
			}
			c.queue[0] = nil
			c.queue = c.queue[1:]
			c.queued -= len(msg)
			countQueued(-len(msg))
			c.mu.Unlock()
			return copy(p, msg), false, nil
		}
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return 0, false, io.EOF
		}
		<-c.wake
	}
}

func (c *browserChannel) Write(p []byte) (int, error) {
	return c.WriteDataChannel(p, false)
}

func (c *browserChannel) WriteDataChannel(p []byte, isString bool) (int, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return 0, errClosedChannel
	}
	if isString {
		if err := c.dc.SendText(string(p)); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if err := c.send(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// send sends p as a binary message through one reused Uint8Array (the
// browser copies a message on send): pion's DataChannel.Send allocates a
// new one per message, garbage that the page's heap piles up faster than
// its collector frees it.
func (c *browserChannel) send(p []byte) (err error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	defer func() {
		if e := recover(); e != nil { // a js.Error from send(), as pion's Send recovers
			err = fmt.Errorf("data channel send: %v", e)
		}
	}()
	if c.wbuf.IsUndefined() || c.wbuf.Length() < len(p) {
		c.wbuf = js.Global().Get("Uint8Array").New(max(len(p), 64<<10))
	}
	js.CopyBytesToJS(c.wbuf, p)
	c.v.Call("send", c.wbuf.Call("subarray", 0, len(p)))
	return nil
}

// Close closes the channel; the browser fires its close event (io.EOF for
// Read) once the peer closed its side too.
func (c *browserChannel) Close() error {
	return c.dc.Close()
}

func (c *browserChannel) BufferedAmount() uint64 { return c.dc.BufferedAmount() }

func (c *browserChannel) SetBufferedAmountLowThreshold(th uint64) {
	c.dc.SetBufferedAmountLowThreshold(th)
}

func (c *browserChannel) OnBufferedAmountLow(f func()) { c.dc.OnBufferedAmountLow(f) }
