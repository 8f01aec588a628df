package rendezvousserver

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/internal/logsample"
)

// HTTPLimits bound the HTTP side of a listener: how long a plain request may
// take, how long a kept-alive connection may sit idle, and how many TCP
// connections one address, and all addresses together, may hold open. A
// zero field takes its default (DefaultHTTPLimits). Each is a flag of
// ferry-rendezvous, named in its comment; the embedded server of
// `ferry send` uses the defaults.
//
// Without them a connection that made one request and went quiet, or sent
// "Content-Length: 1000" and no body, stayed open for good, and enough of
// them from one address used up the process's open files.
type HTTPLimits struct {
	// Timeout bounds reading one plain HTTP request, headers and body, the
	// TLS handshake included, and writing its response (--http-timeout).
	// A websocket is not bound by it once upgraded: the server's own idle
	// timeout and pings look after those (keepalive.go).
	Timeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its next
	// request (--http-idle-timeout).
	IdleTimeout time.Duration
	// ConnsPerIP bounds the TCP connections open at once from one address,
	// an IPv6 address counted by its /64 (--tcp-conns-per-ip). Connections
	// from a trusted proxy (Config.TrustedProxies) are not counted: a proxy
	// carries many clients, and its X-Forwarded-For is read only later.
	ConnsPerIP int
	// MaxConns bounds the TCP connections open at once in all
	// (--max-tcp-conns). Zero: the process's open-file limit less a reserve
	// (MaxConnsForFileLimit), so that the process never runs out of files.
	MaxConns int
}

// DefaultHTTPLimits returns the defaults that a zero HTTPLimits field stands for.
func DefaultHTTPLimits() HTTPLimits {
	return HTTPLimits{
		Timeout:     30 * time.Second,
		IdleTimeout: 30 * time.Second,
		ConnsPerIP:  64,
	}
}

// Fixed parts of every HTTP server: headers must come quickly and be small
// (a websocket upgrade needs well under 1 KiB; proxies add a few lines).
const (
	maxReadHeaderTimeout = 10 * time.Second
	maxHeaderBytes       = 16 << 10
)

func (l HTTPLimits) withDefaults() HTTPLimits {
	d := DefaultHTTPLimits()
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	if l.ConnsPerIP <= 0 {
		l.ConnsPerIP = d.ConnsPerIP
	}
	if l.MaxConns <= 0 {
		l.MaxConns = MaxConnsForFileLimit(0)
	}
	return l
}

// NewHTTPServer returns the http.Server that every ferry listener runs h
// with (ferry-rendezvous's public and metrics listeners, the embedded server
// of ferry send): the limits' timeouts (zero fields: defaults) and small
// headers. errorLog may be nil. Serve it on a listener from LimitListener.
func NewHTTPServer(h http.Handler, l HTTPLimits, errorLog *log.Logger) *http.Server {
	l = l.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(maxReadHeaderTimeout, l.Timeout),
		ReadTimeout:       l.Timeout, // the TLS handshake and the body too
		WriteTimeout:      l.Timeout, // cleared when a websocket is hijacked
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          errorLog,
	}
}

// fileReserve is the part of the open-file limit that MaxConnsForFileLimit
// leaves for everything that is not an HTTP connection: logs, the listeners,
// the TURN relay's sockets (passed as extra), and the headroom for the
// kernel's accept queue to drain.
func fileReserve(limit, extra int) int {
	return 64 + limit/8 + extra
}

// MaxConnsForFileLimit is the default of HTTPLimits.MaxConns: the process's
// open-file limit (RLIMIT_NOFILE, which Go raises to the hard limit at
// start) less 64, an eighth of it, and reserve more files (e.g. the TURN
// relay's allocations); at least 16.
func MaxConnsForFileLimit(reserve int) int {
	limit, ok := openFileLimit()
	if !ok {
		return 4096
	}
	return max(16, limit-fileReserve(limit, reserve))
}

// LimitListener wraps ln (a TCP listener; put TLS on top of it) so that it
// admits at most l.ConnsPerIP connections per address and l.MaxConns in all:
// a connection over either is closed at once, before anything is read from
// it, counted and logged (a warning naming the flag, sampled: see
// Server.logs). name names the listener in its counters (Metrics.Listener):
// "public", "metrics".
func (s *Server) LimitListener(ln net.Listener, name string, l HTTPLimits) (net.Listener, error) {
	l = l.withDefaults()
	m, err := s.metrics.Listener(name)
	if err != nil {
		return nil, fmt.Errorf("listener %s: %w", name, err)
	}
	cl := &connLimiter{
		Listener: ln,
		perIP:    l.ConnsPerIP,
		total:    l.MaxConns,
		exempt:   s.trustedProxy,
		logs:     s.logs,
		name:     name,
		byKey:    make(map[string]int),
		metrics:  m,
	}
	return cl, nil
}

// The reasons of ListenerMetrics.ConnRefused.
const (
	RefusedPerIP = "per_ip" // over HTTPLimits.ConnsPerIP (--tcp-conns-per-ip)
	RefusedTotal = "total"  // over HTTPLimits.MaxConns (--max-tcp-conns)
)

type connLimiter struct {
	net.Listener
	perIP, total int
	exempt       func(netip.Addr) bool
	logs         *logsample.Sampler
	name         string
	metrics      ListenerMetrics

	mu    sync.Mutex
	open  int
	byKey map[string]int
}

// Accept returns the next connection within the limits; those over them are
// closed here and never reach the server.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if lc := l.admit(c); lc != nil {
			return lc, nil
		}
		_ = c.Close()
	}
}

// admit counts c in, or returns nil when c is over a limit.
func (l *connLimiter) admit(c net.Conn) net.Conn {
	ip, ok := parseIP(c.RemoteAddr().String())
	key := ""
	if ok && !l.exempt(ip) {
		key = addrKey(ip.String())
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.open >= l.total:
		l.refuse(RefusedTotal, ip, fmt.Sprintf("%d TCP connections open on this listener, the most allowed (server flag --max-tcp-conns; the default follows the open-file limit, ulimit -n)", l.open))
		return nil
	case key != "" && l.byKey[key] >= l.perIP:
		l.refuse(RefusedPerIP, ip, fmt.Sprintf("%d TCP connections open from %s, the most allowed per address (server flag --tcp-conns-per-ip)", l.byKey[key], key))
		return nil
	}
	l.open++
	if key != "" {
		l.byKey[key]++
	}
	l.metrics.ConnOpened()
	return &limitedConn{Conn: c, l: l, key: key}
}

// refuse counts a refused connection and warns (sampled per reason); the
// caller holds l.mu.
func (l *connLimiter) refuse(reason string, ip netip.Addr, why string) {
	l.metrics.ConnRefused(reason)
	l.logs.Log(context.Background(), slog.LevelWarn, "tcp "+l.name+" "+reason, "refused TCP connection", "listener", l.name, "reason", reason, "ip", ip.String(), "why", why)
}

func (l *connLimiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if key != "" {
		if n := l.byKey[key] - 1; n > 0 {
			l.byKey[key] = n
		} else {
			delete(l.byKey, key)
		}
	}
	l.metrics.ConnClosed()
}

// limitedConn is an admitted connection; closing it frees its place.
type limitedConn struct {
	net.Conn
	l    *connLimiter
	key  string
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.key) })
	return err
}

// CloseWrite lets net/http half-close a plain connection, as it does a
// *net.TCPConn, so that a client reads the whole of an error response.
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
