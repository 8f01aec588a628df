//go:build js

package peer

import (
	"errors"
	"io"
	"sync"
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
// queued as the browser delivers them (the browser gives the receiver no
// backpressure: the queue holds what Read has not consumed yet), and the
// channel's close event is io.EOF after the last message.
type browserChannel struct {
	dc    *webrtc.DataChannel
	v     js.Value
	funcs []js.Func

	mu     sync.Mutex
	queue  [][]byte
	closed bool          // the close event came: io.EOF once queue is empty
	wake   chan struct{} // (cap 1) queue or closed changed
}

var errClosedChannel = errors.New("the data channel is closed")

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
		c.queue = append(c.queue, msg)
		c.mu.Unlock()
		c.signal()
		return nil
	})
	onClose := js.FuncOf(func(js.Value, []js.Value) any {
		c.mu.Lock()
		c.closed = true
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
		if len(c.queue) > 0 {
			msg := c.queue[0]
			if len(msg) > len(p) {
				c.mu.Unlock()
				return 0, false, io.ErrShortBuffer
			}
			c.queue[0] = nil
			c.queue = c.queue[1:]
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
	var err error
	if isString {
		err = c.dc.SendText(string(p))
	} else {
		err = c.dc.Send(p)
	}
	if err != nil {
		return 0, err
	}
	return len(p), nil
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
