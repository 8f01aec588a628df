package rendezvousclient

import (
	"context"
	"errors"
	"fmt"

	"github.com/coder/websocket"
	"github.com/ferry-dev/ferry/rendezvous"
)

// readLoop reads the server's messages until the connection ends, and
// records the first reason it ended: a server error, peer_left, or the
// connection itself.
func (c *Conn) readLoop(ctx context.Context) {
	defer close(c.done)
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			c.fail(c.readErr(err))
			return
		}
		if typ != websocket.MessageText {
			c.fail(fmt.Errorf("rendezvous: the server at %s sent a binary message: is it a ferry rendezvous server?", c.url))
			_ = c.ws.CloseNow()
			continue // the next Read reports the closed connection
		}
		m, err := rendezvous.DecodeMessage(data)
		if err != nil {
			c.fail(fmt.Errorf("rendezvous: the server at %s sent a message this ferry does not understand (%v): upgrade ferry (or the server)", c.url, err))
			_ = c.ws.CloseNow()
			continue
		}
		c.handle(m)
	}
}

func (c *Conn) handle(m rendezvous.Message) {
	switch m.Type {
	case rendezvous.TypeAllocated:
		select {
		case c.allocated <- m.Slot:
		default: // a second allocated: ignore
		}
	case rendezvous.TypePaired:
		c.mu.Lock()
		if len(m.ICEServers) > 0 && !c.isPair {
			c.ice = m.ICEServers // with TURN credentials for this side
		}
		if !c.isPair {
			c.isPair = true
			close(c.paired)
		}
		c.mu.Unlock()
	case rendezvous.TypeRelay:
		c.mu.Lock()
		full := len(c.queue) >= maxQueued
		if !full {
			c.queue = append(c.queue, m.Body)
		}
		c.mu.Unlock()
		if full {
			c.fail(fmt.Errorf("rendezvous: more than %d unread messages from the other side", maxQueued))
			_ = c.ws.CloseNow()
			return
		}
		select {
		case c.queued <- struct{}{}:
		default:
		}
	case rendezvous.TypePeerLeft:
		c.fail(rendezvous.NewServerError(rendezvous.TypePeerLeft, ""))
	case rendezvous.TypeError:
		c.fail(rendezvous.NewServerError(m.Code, m.Message))
	default:
		c.fail(fmt.Errorf("rendezvous: the server at %s sent an unexpected %s message: upgrade ferry (or the server)", c.url, m.Type))
		_ = c.ws.CloseNow()
	}
}

// fail records err as the reason the connection ends, unless there is one.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

// readErr explains why reading ended without an error message first.
func (c *Conn) readErr(err error) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return errConnClosed
	}
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		switch {
		case ce.Reason != "":
			return rendezvous.NewServerError(ce.Reason, "")
		case ce.Code == websocket.StatusGoingAway:
			return rendezvous.NewServerError(rendezvous.CodeShuttingDown, "")
		}
	}
	return &clientError{
		msg:   fmt.Sprintf("rendezvous: lost the connection to the rendezvous server at %s: %v", c.url, err),
		is:    rendezvous.ErrUnreachable,
		cause: err,
	}
}
