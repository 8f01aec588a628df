package rendezvous

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
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
func (c *serverConn) write(m message) error {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, encodeMessage(m))
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
		_ = ws.Close(websocket.StatusGoingAway, codeShuttingDown)
		return
	}
	if s.lim.conns[c.key] >= s.cfg.ConnsPerIP {
		s.mu.Unlock()
		perr := s.hitLimit(codeLimitConnsPerIP)
		s.logs.Info("rejected "+perr.code, "rejected", "conn", c.id, "ip", c.ip, "code", perr.code, "reason", perr.msg)
		s.shut(c, perr) // in place of the welcome: the client reads it as the server's answer
		return
	}
	s.lim.conns.inc(c.key)
	s.wg.Add(1)
	s.conns[c] = struct{}{}
	s.metrics.connsOpen.Inc()
	s.metrics.connsTotal.Inc()
	// The idle clock starts once the welcome is on its way (and no message
	// from c can have been handled before it).
	c.writeMu.Lock()
	c.idle = time.AfterFunc(s.cfg.IdleTimeout, func() { s.expireIdle(c) })
	s.mu.Unlock()
	// The welcome offers the static ICE servers (STUN) only: TURN
	// credentials come with "paired", so a connection that never pairs
	// cannot take relay allocations (issue 11, item 11).
	err = c.write(message{Type: typeWelcome, Version: s.version, ICEServers: s.cfg.ICEServers, MaxMessageSize: s.cfg.MaxMessageSize})
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
			s.logs.Info("rejected "+perr.code, "rejected", "conn", c.id, "ip", c.ip, "code", perr.code, "reason", perr.msg)
			s.shut(c, perr)
		}
	}
	s.leave(c)
	s.shut(c, nil)
	s.logger.Debug("connection closed", "conn", c.id, "ip", c.ip)
}

// readLoop handles c's messages until the connection ends (nil) or c breaks
// the protocol or hits a limit (the error to send it).
func (s *Server) readLoop(ctx context.Context, c *serverConn) *protoError {
	for {
		data, perr, err := s.readMessage(ctx, c.ws)
		if err != nil {
			return nil
		}
		if perr != nil {
			return perr
		}
		m, err := decodeMessage(data)
		if err != nil {
			return err.(*protoError)
		}
		if perr := s.handle(c, m); perr != nil {
			return perr
		}
	}
}

// readMessage reads one text message of at most cfg.MaxMessageSize bytes.
// It returns a protocol error for a binary or oversized message, and err
// when the connection ended.
func (s *Server) readMessage(ctx context.Context, ws *websocket.Conn) ([]byte, *protoError, error) {
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
		return nil, s.hitLimit(codeTooLarge), nil
	}
	if typ != websocket.MessageText {
		return nil, badMessage("binary websocket messages are not part of the protocol: send JSON text"), nil
	}
	return data, nil, nil
}

// handle dispatches one message from c.
func (s *Server) handle(c *serverConn, m message) *protoError {
	switch m.Type {
	case typeAllocate:
		return s.openSlot(c, "")
	case typeClaim:
		return s.openSlot(c, m.Slot)
	case typeJoin:
		return s.join(c, m.Slot)
	case typeRelay:
		return s.relay(c, m.Body)
	default:
		return &protoError{code: codeUnknownType, msg: "message type " + m.Type + " is sent by servers, not clients"}
	}
}

// shut ends c: it sends perr (if any) as an error message, then closes the
// websocket with perr's code as the reason.
func (s *Server) shut(c *serverConn, perr *protoError) {
	if perr == nil {
		s.closeConn(c, nil, websocket.StatusNormalClosure, "")
		return
	}
	m := message{Type: typeError, Code: perr.code, Message: perr.msg}
	s.closeConn(c, &m, closeStatus(perr.code), perr.code)
}

// shutPeerLeft tells c that its peer left, then closes it.
func (s *Server) shutPeerLeft(c *serverConn) {
	s.closeConn(c, &message{Type: typePeerLeft}, websocket.StatusNormalClosure, typePeerLeft)
}

// closeConn sends last (if any), then closes c's websocket. Only the first
// call for a connection counts. It does not wait: a close handshake that
// stalls is cut after closeGrace.
func (s *Server) closeConn(c *serverConn, last *message, status websocket.StatusCode, reason string) {
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
	case codeTooLarge:
		return websocket.StatusMessageTooBig
	case codeBadMessage, codeUnknownType, codeUnexpected:
		return websocket.StatusPolicyViolation
	case codeShuttingDown:
		return websocket.StatusGoingAway
	case codeSlotTaken, codeNoSuchSlot, codeSlotUsed:
		return websocket.StatusNormalClosure
	default: // limits
		return websocket.StatusTryAgainLater
	}
}
