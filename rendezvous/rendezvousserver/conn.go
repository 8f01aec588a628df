package rendezvousserver

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/ferry-dev/ferry/rendezvous"
)

// role is what a connection does with its slot.
type role int

const (
	roleNone     role = iota // connected, has not allocated, claimed or joined
	roleSender               // allocated or claimed a slot
	roleReceiver             // joined a slot
)

// serverConn is one client's websocket on the server.
type serverConn struct {
	id  uint64
	ip  string // the client's address (clientip.go), for logs and TURN credentials
	key string // addrKey(ip): what per-address limits count (IPv6 per /64)
	ws  *websocket.Conn
	nc  net.Conn // the hijacked TCP connection, to cut a stalled close

	cancel   context.CancelFunc // ends reads; part of forceClose
	shutOnce sync.Once
	done     chan struct{} // closed when the handler returns

	// writeMu orders this connection's outgoing messages: whoever makes a
	// message due (under Server.mu) takes writeMu before releasing Server.mu,
	// so that "allocated" precedes "paired" and "paired" precedes any relay.
	writeMu sync.Mutex

	// Guarded by Server.mu.
	role role
	slot *slot
	idle *time.Timer

	pinger pinger // see keepalive.go
}

// write sends m; the caller holds c.writeMu. A write that cannot finish
// within writeTimeout cuts the connection.
func (c *serverConn) write(m rendezvous.Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, rendezvous.EncodeMessage(m))
}

// forceClose cuts the connection without a close handshake.
func (c *serverConn) forceClose() {
	c.cancel()
	if c.nc != nil {
		_ = c.nc.Close()
		return
	}
	_ = c.ws.CloseNow()
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	hr := &hijackRecorder{ResponseWriter: w}
	ws, err := websocket.Accept(hr, r, nil)
	if err != nil {
		// Accept has answered with an HTTP error already.
		s.logger.Debug("websocket handshake failed", "ip", s.clientIP(r), "err", err)
		return
	}
	ws.SetReadLimit(-1) // readMessage enforces cfg.MaxMessageSize itself, to answer with too_large
	ctx, cancel := context.WithCancel(context.Background())
	ip := s.clientIP(r)
	c := &serverConn{
		id:     s.nextID.Add(1),
		ip:     ip,
		key:    addrKey(ip),
		ws:     ws,
		nc:     hr.conn,
		cancel: cancel,
		done:   make(chan struct{}),
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cancel()
		_ = ws.Close(websocket.StatusGoingAway, rendezvous.CodeShuttingDown)
		return
	}
	if s.lim.conns[c.key] >= s.cfg.ConnsPerIP {
		s.mu.Unlock()
		perr := s.hitLimit(rendezvous.CodeLimitConnsPerIP)
		s.logs.Info("rejected "+perr.Code, "rejected", "conn", c.id, "ip", c.ip, "code", perr.Code, "reason", perr.Message)
		s.shut(c, perr) // in place of the welcome: the client reads it as the server's answer
		return
	}
	s.lim.conns.inc(c.key)
	s.wg.Add(1)
	s.conns[c] = struct{}{}
	s.metrics.ConnOpened()
	// The idle clock starts once the welcome is on its way (and no message
	// from c can have been handled before it).
	c.writeMu.Lock()
	c.idle = time.AfterFunc(s.cfg.IdleTimeout, func() { s.expireIdle(c) })
	s.mu.Unlock()
	// The welcome offers the static ICE servers (STUN) only: TURN
	// credentials come with "paired", so a connection that never pairs
	// cannot take relay allocations (issue 11, item 11).
	err = c.write(rendezvous.Message{Type: rendezvous.TypeWelcome, Version: s.version, ICEServers: s.cfg.ICEServers, MaxMessageSize: s.cfg.MaxMessageSize, WebApp: s.cfg.WebApp})
	c.writeMu.Unlock()
	s.logger.Debug("connection opened", "conn", c.id, "ip", c.ip)

	s.keepAlive(c)
	// The rest runs on a goroutine of its own, so that this handler returns
	// and net/http frees the request, the response and their buffers (about
	// 10 KiB that a hijacked connection no longer needs, per waiting client).
	go s.runConn(ctx, c, err == nil)
}

// runConn handles c's messages until the connection ends, then detaches it
// from the server. welcomed is false when the welcome could not be sent.
func (s *Server) runConn(ctx context.Context, c *serverConn, welcomed bool) {
	defer s.wg.Done()
	defer close(c.done)
	defer c.cancel()
	defer c.stopPing()
	if welcomed {
		if perr := s.readLoop(ctx, c); perr != nil {
			s.logs.Info("rejected "+perr.Code, "rejected", "conn", c.id, "ip", c.ip, "code", perr.Code, "reason", perr.Message)
			s.shut(c, perr)
		}
	}
	s.leave(c)
	s.shut(c, nil)
	s.logger.Debug("connection closed", "conn", c.id, "ip", c.ip)
}

// readLoop handles c's messages until the connection ends (nil) or c breaks
// the protocol or hits a limit (the error to send it).
func (s *Server) readLoop(ctx context.Context, c *serverConn) *rendezvous.ProtocolError {
	for {
		data, perr, err := s.readMessage(ctx, c.ws)
		if err != nil {
			return nil
		}
		if perr != nil {
			return perr
		}
		m, err := rendezvous.DecodeMessage(data)
		if err != nil {
			return err.(*rendezvous.ProtocolError)
		}
		if perr := s.handle(c, m); perr != nil {
			return perr
		}
	}
}

// readMessage reads one text message of at most cfg.MaxMessageSize bytes.
// It returns a protocol error for a binary or oversized message, and err
// when the connection ended.
func (s *Server) readMessage(ctx context.Context, ws *websocket.Conn) ([]byte, *rendezvous.ProtocolError, error) {
	typ, r, err := ws.Reader(ctx)
	if err != nil {
		return nil, nil, err
	}
	limit := s.cfg.MaxMessageSize
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > limit {
		return nil, s.hitLimit(rendezvous.CodeTooLarge), nil
	}
	if typ != websocket.MessageText {
		return nil, rendezvous.BadMessage("binary websocket messages are not part of the protocol: send JSON text"), nil
	}
	return data, nil, nil
}

// handle dispatches one message from c.
func (s *Server) handle(c *serverConn, m rendezvous.Message) *rendezvous.ProtocolError {
	switch m.Type {
	case rendezvous.TypeAllocate:
		return s.openSlot(c, "")
	case rendezvous.TypeClaim:
		return s.openSlot(c, m.Slot)
	case rendezvous.TypeJoin:
		return s.join(c, m.Slot)
	case rendezvous.TypeRelay:
		return s.relay(c, m.Body)
	default:
		return &rendezvous.ProtocolError{Code: rendezvous.CodeUnknownType, Message: "message type " + m.Type + " is sent by servers, not clients"}
	}
}

// shut ends c: it sends perr (if any) as an error message, then closes the
// websocket with perr's code as the reason.
func (s *Server) shut(c *serverConn, perr *rendezvous.ProtocolError) {
	if perr == nil {
		s.closeConn(c, nil, websocket.StatusNormalClosure, "")
		return
	}
	m := rendezvous.Message{Type: rendezvous.TypeError, Code: perr.Code, Message: perr.Message}
	s.closeConn(c, &m, closeStatus(perr.Code), perr.Code)
}

// shutPeerLeft tells c that its peer left, then closes it.
func (s *Server) shutPeerLeft(c *serverConn) {
	s.closeConn(c, &rendezvous.Message{Type: rendezvous.TypePeerLeft}, websocket.StatusNormalClosure, rendezvous.TypePeerLeft)
}

// closeConn sends last (if any), then closes c's websocket. Only the first
// call for a connection counts. It does not wait: a close handshake that
// stalls is cut after closeGrace.
func (s *Server) closeConn(c *serverConn, last *rendezvous.Message, status websocket.StatusCode, reason string) {
	c.shutOnce.Do(func() {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			cut := time.AfterFunc(closeGrace, c.forceClose)
			defer cut.Stop()
			if last != nil {
				c.writeMu.Lock()
				_ = c.write(*last)
				c.writeMu.Unlock()
			}
			_ = c.ws.Close(status, reason)
			c.forceClose()
		}()
	})
}

// closeStatus is the websocket close status for an error code.
func closeStatus(code string) websocket.StatusCode {
	switch code {
	case rendezvous.CodeTooLarge:
		return websocket.StatusMessageTooBig
	case rendezvous.CodeBadMessage, rendezvous.CodeUnknownType, rendezvous.CodeUnexpected:
		return websocket.StatusPolicyViolation
	case rendezvous.CodeShuttingDown:
		return websocket.StatusGoingAway
	case rendezvous.CodeSlotTaken, rendezvous.CodeNoSuchSlot, rendezvous.CodeSlotUsed:
		return websocket.StatusNormalClosure
	default: // limits
		return websocket.StatusTryAgainLater
	}
}
