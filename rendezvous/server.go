package rendezvous

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server pairs clients under slots and relays their messages. It is an
// http.Handler serving the websocket endpoint (WSPath), GET /healthz, and 404
// elsewhere. Mount it at the root of an http.Server.
type Server struct {
	logger  *slog.Logger
	cfg     Config
	version int // the protocol version served: Version, another one only in tests

	// pingInterval is how often the server pings each client, so that
	// reverse proxies keep quiet connections open and dead ones are found.
	pingInterval time.Duration

	nextID atomic.Uint64
	wg     sync.WaitGroup // running connection handlers and their helpers

	mu       sync.Mutex
	closed   bool
	conns    map[*serverConn]struct{}
	slots    map[string]*slot
	slotRate *perMinute
	joinRate *perMinute
}

// Timeouts of the server's own writes and closes.
const (
	writeTimeout = 10 * time.Second
	// closeGrace bounds a close handshake; after it the TCP connection is cut.
	closeGrace  = 7 * time.Second
	pingTimeout = 30 * time.Second
)

// NewServer returns a Server with cfg (zero fields take their defaults) that
// logs slot events to logger (nil: discard).
func NewServer(logger *slog.Logger, cfg Config) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	return &Server{
		logger:       logger,
		cfg:          cfg,
		version:      Version,
		pingInterval: 25 * time.Second,
		conns:        make(map[*serverConn]struct{}),
		slots:        make(map[string]*slot),
		slotRate:     newPerMinute(cfg.SlotsPerIPPerMinute),
		joinRate:     newPerMinute(cfg.JoinsPerIPPerMinute),
	}
}

// Config returns the configuration in effect, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		s.serveHealth(w, r)
		return
	}
	v, ok := parseWSPath(r.URL.Path)
	switch {
	case !ok:
		http.Error(w, fmt.Sprintf("not found: the ferry rendezvous websocket is at %s", wsPath(s.version)), http.StatusNotFound)
	case v != s.version:
		s.serveWrongVersion(w, r, v)
	default:
		s.serveWS(w, r)
	}
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: use GET", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// serveWrongVersion answers a client of another protocol version with 426
// and the version this server speaks, so that it can say who must upgrade.
func (s *Server) serveWrongVersion(w http.ResponseWriter, r *http.Request, v int) {
	s.logger.Info("rejected", "reason", "version", "client_version", v, "ip", remoteIP(r))
	w.Header().Set(VersionHeader, strconv.Itoa(s.version))
	advice := "upgrade the server (or use an older ferry)"
	if v < s.version {
		advice = "upgrade ferry (or use an older server)"
	}
	http.Error(w, fmt.Sprintf("this rendezvous server speaks protocol v%d, the client speaks v%d: %s", s.version, v, advice), http.StatusUpgradeRequired)
}

// parseWSPath reads N from "/vN/ws".
func parseWSPath(p string) (int, bool) {
	rest, ok := strings.CutPrefix(p, "/v")
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(rest, "/ws")
	if !ok || len(digits) == 0 || len(digits) > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || strconv.Itoa(n) != digits {
		return 0, false
	}
	return n, true
}

// remoteIP is the address limits are counted against: the TCP peer.
// (X-Forwarded-For from a trusted reverse proxy is not looked at yet.)
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Shutdown tells every connected client that the server is going away, closes
// their connections and waits for them to end. New connections are refused.
// When ctx ends first, the remaining connections are cut and ctx's error returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	for _, c := range conns {
		s.shut(c, errShuttingDown)
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	for _, c := range conns {
		c.forceClose()
	}
	<-done
	return fmt.Errorf("rendezvous server shutdown: %w", ctx.Err())
}

var errShuttingDown = &protoError{code: codeShuttingDown, msg: "the rendezvous server is shutting down; try again in a moment"}

// Close closes all connections, giving clients a moment to hear why.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.Shutdown(ctx)
	return nil
}

// hijackRecorder keeps the net.Conn that websocket.Accept hijacks, so that
// the server can always cut a connection whose close handshake stalls.
type hijackRecorder struct {
	http.ResponseWriter
	conn net.Conn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	h.conn = c
	return c, rw, err
}

func (h *hijackRecorder) Unwrap() http.ResponseWriter { return h.ResponseWriter }
