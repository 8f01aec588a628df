package relay

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/turn/v5"
	"golang.org/x/time/rate"
)

// errNoTCP refuses TCP allocations (RFC 6062): ferry relays UDP only.
var errNoTCP = errors.New("relay: TCP allocations are not supported")

// Errors that end an allocation: relayConn's read fails with them, and
// pion's allocation, seeing its read fail, deletes itself.
var (
	errLifetime = errors.New("relay: allocation reached its maximum lifetime (--turn-max-lifetime)")
	errIdle     = errors.New("relay: allocation relayed nothing for --turn-idle-timeout")
)

// generator makes relay sockets in the port range and wraps them in
// relayConn, which enforces the limits and counts the bytes.
type generator struct {
	inner turn.RelayAddressGeneratorPortRange
	srv   *Server
}

func (g *generator) Validate() error { return g.inner.Validate() }

func (g *generator) AllocatePacketConn(conf turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	key, so, err := g.srv.reserve(conf.UserID)
	if err != nil {
		return nil, nil, err
	}
	pc, addr, err := g.inner.AllocatePacketConn(conf)
	if err != nil {
		g.srv.release(conf.UserID, key)
		g.srv.refuse(ReasonPorts, "relay refused allocation", "client", key, "user", conf.UserID,
			"reason", "no free relay port (widen --turn-ports)", "error", err.Error())
		return nil, nil, err
	}
	return g.srv.newRelayConn(pc, conf.UserID, key, so), addr, nil
}

func (g *generator) AllocateListener(turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errNoTCP
}

func (g *generator) AllocateConn(turn.AllocateConnConfig) (net.Conn, error) {
	return nil, errNoTCP
}

// relayConn is the relay socket of one allocation. pion's allocation reads
// from it (peer -> client) in a goroutine of its own, and writes to it
// (client -> peer) from the server's read loop, so a write must never wait:
// packets over a bandwidth limit are dropped, as a congested link would.
type relayConn struct {
	net.PacketConn
	srv    *Server
	user   string
	key    string        // the client's source key
	limit  *rate.Limiter // this allocation's; nil: no limit
	shared *rate.Limiter // all allocations of the client address; nil: no limit
	born   time.Time
	last   atomic.Int64 // nanoseconds since born of the last packet relayed

	mu       sync.Mutex // guards the timers and closed
	lifetime *time.Timer
	idle     *time.Timer // nil: no idle timeout
	closed   bool
	ended    atomic.Pointer[error] // why the relay ended it (lifetime, idle)
	once     sync.Once
	err      error
}

func (s *Server) newRelayConn(pc net.PacketConn, user, key string, so *source) *relayConn {
	c := &relayConn{PacketConn: pc, srv: s, user: user, key: key, shared: so.limit, born: time.Now()}
	if bw := s.cfg.Bandwidth; bw > 0 {
		c.limit = newLimiter(bw)
	}
	c.mu.Lock() // the timers' functions wait for their fields
	defer c.mu.Unlock()
	c.lifetime = time.AfterFunc(s.cfg.MaxLifetime, func() {
		c.end(errLifetime, &s.count.lifetime, "maximum lifetime (--turn-max-lifetime)", "lifetime", s.cfg.MaxLifetime)
	})
	if s.cfg.IdleTimeout > 0 {
		c.idle = time.AfterFunc(s.cfg.IdleTimeout, c.checkIdle)
	}
	return c
}

// checkIdle ends the allocation if it relayed nothing for IdleTimeout, or
// looks again when that time would be up.
func (c *relayConn) checkIdle() {
	idle := c.srv.cfg.IdleTimeout
	quiet := time.Since(c.born) - time.Duration(c.last.Load())
	if quiet < idle {
		c.mu.Lock()
		if !c.closed {
			c.idle.Reset(idle - quiet)
		}
		c.mu.Unlock()
		return
	}
	c.end(errIdle, &c.srv.count.idle, "relayed nothing (--turn-idle-timeout)", "idle_timeout", idle)
}

// end closes the allocation for cause: pion's allocation sees the read
// fail and deletes itself.
func (c *relayConn) end(cause error, counter *atomic.Uint64, why string, args ...any) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed || !c.ended.CompareAndSwap(nil, &cause) {
		return
	}
	counter.Add(1)
	c.srv.logs.Info("allocation ended: "+why, "relay allocation ended",
		append([]any{"client", c.key, "user", c.user, "relay", c.LocalAddr().String(), "reason", why}, args...)...)
	c.Close() //nolint:errcheck // nothing to report: the socket is ours
}

// allow takes n bytes from the limits, or counts a dropped packet.
func (c *relayConn) allow(n int) bool {
	now := time.Now()
	if (c.limit == nil || c.limit.AllowN(now, n)) && (c.shared == nil || c.shared.AllowN(now, n)) {
		c.last.Store(int64(now.Sub(c.born)))
		return true
	}
	c.srv.count.dropped.Add(1)
	return false
}

// ReadFrom returns the next packet from a peer within the limits.
func (c *relayConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil {
			if cause := c.ended.Load(); cause != nil {
				err = *cause
			}
			return n, addr, err
		}
		if c.allow(n) {
			c.srv.count.relayed.Add(uint64(n))
			return n, addr, nil
		}
	}
}

// WriteTo sends a client's packet to a peer, unless it is addressed to the
// relay's own listening port (on any address of its host: whatever the
// permissions, which pion grants per IP) or over a limit. Dropped packets
// look sent: a write error would only make pion log.
func (c *relayConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.srv.isSelf(addr) {
		c.srv.refuse(ReasonOwnPort, "relay dropped a packet to its own port", "client", c.key, "user", c.user, "peer", addrString(addr),
			"reason", "the relay's own listening port is never a peer")
		return len(p), nil
	}
	if !c.allow(len(p)) {
		return len(p), nil
	}
	// Counted before the write: once the peer has the packet (and may
	// answer through ReadFrom, which counts before pion forwards), the
	// counter already holds it. A short or failed write takes back what
	// was not sent.
	c.srv.count.relayed.Add(uint64(len(p)))
	n, err := c.PacketConn.WriteTo(p, addr)
	if unsent := len(p) - max(n, 0); unsent > 0 {
		c.srv.count.relayed.Add(^uint64(unsent - 1)) // subtracts unsent
	}
	return n, err
}

// Close releases the socket and the allocation's place in the limits; it
// may be called more than once (by the timers and by pion).
func (c *relayConn) Close() error {
	c.once.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.lifetime.Stop()
		if c.idle != nil {
			c.idle.Stop()
		}
		c.mu.Unlock()
		c.err = c.PacketConn.Close()
		c.srv.release(c.user, c.key)
	})
	return c.err
}
