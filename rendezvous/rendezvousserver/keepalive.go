package rendezvousserver

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// pinger pings one connection every pingInterval from a timer, so that a
// client costs no goroutine of its own between pings: at 10,000 waiting
// senders that is 10,000 goroutine stacks (about 80 MB) fewer than a ticker
// loop per connection.
type pinger struct {
	mu      sync.Mutex
	t       *time.Timer
	stopped bool // the connection's handler is returning
}

// keepAlive starts pinging c; a client that does not answer is cut. The
// handler calls c.stopPing before it returns.
func (s *Server) keepAlive(c *serverConn) {
	p := &c.pinger
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped {
		p.t = time.AfterFunc(s.pingInterval, func() { s.ping(c) })
	}
}

// ping sends one ping and, if it was answered, schedules the next.
func (s *Server) ping(c *serverConn) {
	p := &c.pinger
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	// The handler has not reached stopPing, so it still holds its own
	// place in s.wg: adding to it here cannot race with Shutdown's Wait.
	s.wg.Add(1)
	p.mu.Unlock()
	defer s.wg.Done()

	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	err := c.ws.Ping(ctx)
	cancel()
	if err != nil {
		if !errors.Is(err, net.ErrClosed) {
			s.logger.Debug("ping failed", "conn", c.id, "ip", c.ip, "err", err)
		}
		c.forceClose()
		return
	}
	s.keepAlive(c)
}

// stopPing stops c's pings; one under way finishes on its own.
func (c *serverConn) stopPing() {
	p := &c.pinger
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	if p.t != nil {
		p.t.Stop()
	}
}
