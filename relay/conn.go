package relay

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/turn/v5"
	"golang.org/x/time/rate"
)

// errNoTCP refuses TCP allocations (RFC 6062): ferry relays UDP only.
var errNoTCP = errors.New("relay: TCP allocations are not supported")

// errLifetime ends an allocation at MaxLifetime.
var errLifetime = errors.New("relay: allocation reached its maximum lifetime (--turn-max-lifetime)")

// generator makes relay sockets in the port range and wraps them in
// relayConn, which enforces the limits and counts the bytes.
type generator struct {
	inner turn.RelayAddressGeneratorPortRange
	srv   *Server
}

func (g *generator) Validate() error { return g.inner.Validate() }

func (g *generator) AllocatePacketConn(conf turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	if err := g.srv.reserve(conf.UserID); err != nil {
		return nil, nil, err
	}
	pc, addr, err := g.inner.AllocatePacketConn(conf)
	if err != nil {
		g.srv.release(conf.UserID)
		return nil, nil, err
	}
	return g.srv.newRelayConn(pc, conf.UserID), addr, nil
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
// packets over the bandwidth limit are dropped, as a congested link would.
type relayConn struct {
	net.PacketConn
	srv     *Server
	user    string
	limit   *rate.Limiter // nil: no limit
	timer   atomic.Pointer[time.Timer]
	expired atomic.Bool
	once    sync.Once
	err     error
}

func (s *Server) newRelayConn(pc net.PacketConn, user string) *relayConn {
	c := &relayConn{PacketConn: pc, srv: s, user: user}
	if bw := s.cfg.Bandwidth; bw > 0 {
		burst := int(max(min(bw/4, 1<<30), 16<<10))
		c.limit = rate.NewLimiter(rate.Limit(bw), burst)
	}
	c.timer.Store(time.AfterFunc(s.cfg.MaxLifetime, func() {
		c.expired.Store(true)
		s.log.Info("relay allocation ended", "user", user, "relay", pc.LocalAddr().String(), "reason", "maximum lifetime (--turn-max-lifetime)", "lifetime", s.cfg.MaxLifetime)
		c.Close() //nolint:errcheck // pion's allocation sees the read fail and deletes itself
	}))
	return c
}

func (c *relayConn) allow(n int) bool {
	if c.limit == nil || c.limit.AllowN(time.Now(), n) {
		return true
	}
	c.srv.dropped.Add(1)
	return false
}

// ReadFrom returns the next packet from a peer within the limits.
func (c *relayConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil {
			if c.expired.Load() {
				err = errLifetime
			}
			return n, addr, err
		}
		if c.allow(n) {
			c.srv.relayed.Add(uint64(n))
			return n, addr, nil
		}
	}
}

// WriteTo sends a client's packet to a peer, unless it is over the limit or
// addressed to the server's own listening port.
func (c *relayConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.srv.isSelf(addr) || !c.allow(len(p)) {
		return len(p), nil
	}
	n, err := c.PacketConn.WriteTo(p, addr)
	c.srv.relayed.Add(uint64(max(n, 0)))
	return n, err
}

// Close releases the socket and the allocation's place in the limits; it
// may be called more than once (by the lifetime timer and by pion).
func (c *relayConn) Close() error {
	c.once.Do(func() {
		if t := c.timer.Load(); t != nil {
			t.Stop()
		}
		c.err = c.PacketConn.Close()
		c.srv.release(c.user)
	})
	return c.err
}

// isSelf reports whether addr is the server's own STUN/TURN port, on its
// public address or a local one: relaying there would loop.
func (s *Server) isSelf(addr net.Addr) bool {
	ua, ok := addr.(*net.UDPAddr)
	if !ok || ua.Port != s.addr.Port {
		return false
	}
	ip, ok := netip.AddrFromSlice(ua.IP)
	if !ok {
		return false
	}
	ip = ip.Unmap()
	return ip == s.cfg.PublicIP || ip.IsLoopback() || ip.IsUnspecified() || (s.addr.IP != nil && ua.IP.Equal(s.addr.IP))
}
