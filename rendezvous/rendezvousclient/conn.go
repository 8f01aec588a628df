package rendezvousclient

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/ferry-dev/ferry/rendezvous"
)

// maxQueued bounds relay messages received and not yet taken by Recv.
const maxQueued = 4096

// closeTimeout bounds Close's handshake with the server.
const closeTimeout = 2 * time.Second

// errConnClosed is what calls return after Close.
var errConnClosed = errors.New("rendezvous: connection closed")

// Conn is a client's connection to the rendezvous server.
//
// A sender calls Allocate (or Claim) and then WaitPeer; a receiver calls
// Join. Once paired, both Send and Recv opaque messages, in order. Allocate,
// Claim, Join, WaitPeer and Recv are meant to be called one at a time; Send
// may be called from any number of goroutines, also while another Recvs.
// After an error from the server the connection is closed: Dial again to
// retry. Every call honours its ctx; a Send whose ctx ends mid-write closes
// the connection, since half a message cannot be taken back.
type Conn struct {
	ws         *websocket.Conn
	url        string
	maxMessage int
	webApp     bool // the welcome said the browser app is served at the root

	stopRead  context.CancelFunc
	done      chan struct{} // closed when the read loop ended; err says why
	allocated chan string   // the slot, once
	paired    chan struct{} // closed when paired
	queued    chan struct{} // a relay message was queued (capacity 1)
	closeOnce sync.Once

	mu     sync.Mutex
	err    error    // why the connection ended; set before done is closed
	queue  [][]byte // relay bodies not yet taken by Recv
	asked  bool     // allocate, claim or join was sent
	isPair bool
	closed bool                   // Close was called
	ice    []rendezvous.ICEServer // from the welcome, then from "paired"
}

func newConn(ws *websocket.Conn, u string, welcome rendezvous.Message) *Conn {
	ctx, cancel := context.WithCancel(context.Background())
	maxMessage := welcome.MaxMessageSize
	if maxMessage <= 0 { // not announced: let the server judge
		maxMessage = math.MaxInt
	}
	c := &Conn{
		ws:         ws,
		url:        u,
		ice:        welcome.ICEServers,
		webApp:     welcome.WebApp,
		maxMessage: maxMessage,
		stopRead:   cancel,
		done:       make(chan struct{}),
		allocated:  make(chan string, 1),
		paired:     make(chan struct{}),
		queued:     make(chan struct{}, 1),
	}
	go c.readLoop(ctx)
	return c
}

// WebApp says whether the server's welcome said that it serves the browser
// app at its root (PageURL).
func (c *Conn) WebApp() bool { return c.webApp }

// ICEServers returns the STUN and TURN servers the rendezvous server offered:
// before pairing, those of its welcome (STUN); once paired, those that came
// with "paired", TURN credentials included. Call it after WaitPeer or Join.
func (c *Conn) ICEServers() []rendezvous.ICEServer {
	c.mu.Lock()
	ice := c.ice
	c.mu.Unlock()
	out := make([]rendezvous.ICEServer, len(ice))
	for i, s := range ice {
		out[i] = rendezvous.ICEServer{URLs: slices.Clone(s.URLs), Username: s.Username, Credential: s.Credential}
	}
	return out
}

// Allocate asks for a free slot (the server draws it at random) and returns it. The sender then
// waits for its receiver with WaitPeer.
func (c *Conn) Allocate(ctx context.Context) (string, error) {
	if err := c.ask(ctx, rendezvous.Message{Type: rendezvous.TypeAllocate}); err != nil {
		return "", err
	}
	return c.waitAllocated(ctx)
}

// Claim asks for a chosen slot (a code given with --code). It fails with an
// error matching ErrSlotTaken when a sender already waits there.
func (c *Conn) Claim(ctx context.Context, slot string) error {
	if !rendezvous.ValidSlot(slot) {
		return fmt.Errorf("rendezvous: claim %s: a slot is 1 to %d digits", strconv.Quote(slot), rendezvous.MaxSlotLen)
	}
	if err := c.ask(ctx, rendezvous.Message{Type: rendezvous.TypeClaim, Slot: slot}); err != nil {
		return err
	}
	_, err := c.waitAllocated(ctx)
	return err
}

// Join pairs this receiver with the sender waiting at slot. It fails at once
// with an error matching ErrNoSuchSlot when nobody waits there, and with one
// matching ErrSlotUsed (and ErrSlotTaken) when someone else joined first.
func (c *Conn) Join(ctx context.Context, slot string) error {
	if !rendezvous.ValidSlot(slot) {
		return fmt.Errorf("rendezvous: join %s: a slot is 1 to %d digits", strconv.Quote(slot), rendezvous.MaxSlotLen)
	}
	if err := c.ask(ctx, rendezvous.Message{Type: rendezvous.TypeJoin, Slot: slot}); err != nil {
		return err
	}
	return c.WaitPeer(ctx)
}

// WaitPeer waits until a receiver joined this sender's slot (for a receiver,
// it returns at once after a successful Join).
func (c *Conn) WaitPeer(ctx context.Context) error {
	select {
	case <-c.paired:
		return nil
	default:
	}
	select {
	case <-c.paired:
		return nil
	case <-c.done:
		return c.doneErr()
	case <-ctx.Done():
		return fmt.Errorf("rendezvous: wait for the other side: %w", ctx.Err())
	}
}

// Send relays msg to the other side. The two sides must be paired.
func (c *Conn) Send(ctx context.Context, msg []byte) error {
	select {
	case <-c.done:
		return c.doneErr()
	default:
	}
	c.mu.Lock()
	paired := c.isPair
	c.mu.Unlock()
	if !paired {
		return errors.New("rendezvous: send before the other side joined")
	}
	data := rendezvous.EncodeMessage(rendezvous.Message{Type: rendezvous.TypeRelay, Body: msg})
	if len(data) > c.maxMessage {
		return &clientError{
			msg: fmt.Sprintf("rendezvous: a signaling message of %d bytes (%d encoded) is larger than the server accepts: at most %d bytes (server flag --max-message-size)",
				len(msg), len(data), c.maxMessage),
			is: rendezvous.ErrLimit,
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rendezvous: send: %w", err)
	}
	if err := c.ws.Write(ctx, websocket.MessageText, data); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("rendezvous: send: %w", ctx.Err())
		}
		return c.lostErr("send", err)
	}
	return nil
}

// Recv returns the next message from the other side. When the other side
// has left it returns an error matching ErrPeerGone (after any messages it
// sent before leaving).
func (c *Conn) Recv(ctx context.Context) ([]byte, error) {
	for {
		if b, ok := c.pop(); ok {
			return b, nil
		}
		select {
		case <-c.queued:
		case <-c.done:
			if b, ok := c.pop(); ok {
				return b, nil
			}
			return nil, c.doneErr()
		case <-ctx.Done():
			return nil, fmt.Errorf("rendezvous: receive: %w", ctx.Err())
		}
	}
}

// Close leaves the rendezvous: the server frees the slot, and a paired
// peer hears that this side left.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		cut := time.AfterFunc(closeTimeout, c.stopRead)
		_ = c.ws.Close(websocket.StatusNormalClosure, "")
		cut.Stop()
		c.stopRead()
		<-c.done
	})
	return nil
}

// ask sends the one allocate, claim or join of this connection.
func (c *Conn) ask(ctx context.Context, m rendezvous.Message) error {
	c.mu.Lock()
	if c.asked {
		c.mu.Unlock()
		return fmt.Errorf("rendezvous: %s: this connection already has a code; Dial again for another", m.Type)
	}
	c.asked = true
	c.mu.Unlock()
	select {
	case <-c.done:
		return c.doneErr()
	default:
	}
	if err := c.ws.Write(ctx, websocket.MessageText, rendezvous.EncodeMessage(m)); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("rendezvous: %s: %w", m.Type, ctx.Err())
		}
		return c.lostErr(m.Type, err)
	}
	return nil
}

func (c *Conn) waitAllocated(ctx context.Context) (string, error) {
	select {
	case slot := <-c.allocated:
		return slot, nil
	case <-c.done:
		select {
		case slot := <-c.allocated:
			return slot, nil
		default:
		}
		return "", c.doneErr()
	case <-ctx.Done():
		return "", fmt.Errorf("rendezvous: wait for a code: %w", ctx.Err())
	}
}

func (c *Conn) pop() ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return nil, false
	}
	b := c.queue[0]
	c.queue[0] = nil
	c.queue = c.queue[1:]
	return b, true
}

// doneErr is why the connection ended; call it after done is closed.
func (c *Conn) doneErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// lostErr explains a failed write: the reason the connection ended if the
// read loop knows it, else the write's error.
func (c *Conn) lostErr(op string, err error) error {
	select {
	case <-c.done:
		return c.doneErr()
	case <-time.After(time.Second): // the read loop usually learns why at once
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return errConnClosed
	}
	return &clientError{
		msg:   fmt.Sprintf("rendezvous: %s: lost the connection to the rendezvous server at %s: %v", op, c.url, err),
		is:    rendezvous.ErrUnreachable,
		cause: err,
	}
}
