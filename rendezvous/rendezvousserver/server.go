package rendezvousserver

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferry-dev/ferry/internal/logsample"
	"github.com/ferry-dev/ferry/rendezvous"
)

// Server pairs clients under slots and relays their messages. It is an
// http.Handler serving the websocket endpoint (WSPath), GET /healthz, and 404
// elsewhere: metrics are counted through Config.Metrics, and served by whoever
// provides them (ferry-rendezvous on --metrics-listen). Mount it at the
// root of an http.Server from NewHTTPServer, on a listener from LimitListener.
type Server struct {
	logger *slog.Logger
	// logs samples the lines that clients can cause at will (rejections,
	// refused connections): per reason, a burst per interval, then a count.
	logs    *logsample.Sampler
	cfg     Config
	version int // the protocol version served: Version, another one only in tests

	// pingInterval is how often the server pings each client, so that
	// reverse proxies keep quiet connections open and dead ones are found.
	pingInterval time.Duration

	nextID  atomic.Uint64
	wg      sync.WaitGroup // running connection handlers and their helpers
	metrics Metrics

	mu       sync.Mutex
	closed   bool // Shutdown began: no new connections or codes
	cutting  bool // Shutdown's deadline passed: pairs still running are cut
	conns    map[*serverConn]struct{}
	slots    map[string]*slot
	slotNums slotNumbers // draws the slot of a new code (slotnums.go)
	slotRate *perMinute
	joinRate *perMinute
	lim      addrLimits // the other per-address limits (addrlimits.go)
}

// Timeouts of the server's own writes and closes.
const (
	writeTimeout = 10 * time.Second
	// closeGrace bounds a close handshake; after it the TCP connection is cut.
	closeGrace  = 7 * time.Second
	pingTimeout = 30 * time.Second
)

// New returns a Server with cfg (zero fields take their defaults) that
// logs slot events to logger (nil: discard).
func New(logger *slog.Logger, cfg Config) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	metrics := cfg.Metrics
	if metrics == nil {
		metrics = nopMetrics{}
	}
	return &Server{
		logger:       logger,
		logs:         logsample.New(logger, logsample.Options{}),
		cfg:          cfg,
		version:      rendezvous.Version,
		pingInterval: 25 * time.Second,
		metrics:      metrics,
		conns:        make(map[*serverConn]struct{}),
		slots:        make(map[string]*slot),
		slotNums:     slotNumbers{min: uint64(max(cfg.MinSlotSpace, 0))},
		slotRate:     newPerMinute(cfg.SlotsPerIPPerMinute),
		joinRate:     newPerMinute(cfg.JoinsPerIPPerMinute),
		lim:          newAddrLimits(cfg),
	}
}

// Config returns the configuration in effect, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/healthz":
		s.serveHealth(w, r)
		return
	}
	v, ok := rendezvous.ParseWSPath(r.URL.Path)
	switch {
	case !ok:
		http.Error(w, fmt.Sprintf("not found: the ferry rendezvous websocket is at %s", rendezvous.WSPathFor(s.version)), http.StatusNotFound)
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
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if closed { // a load balancer should send new clients elsewhere
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("shutting down\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// serveWrongVersion answers a client of another protocol version with 426
// and the version this server speaks, so that it can say who must upgrade.
func (s *Server) serveWrongVersion(w http.ResponseWriter, r *http.Request, v int) {
	s.logs.Info("rejected version", "rejected", "reason", "version", "client_version", v, "ip", s.clientIP(r))
	w.Header().Set(rendezvous.VersionHeader, strconv.Itoa(s.version))
	advice, client := "upgrade the server (or use an older ferry)", ClientNewer
	if v < s.version {
		advice, client = "upgrade ferry (or use an older server)", ClientOlder
	}
	s.metrics.VersionMismatch(client)
	http.Error(w, fmt.Sprintf("this rendezvous server speaks protocol v%d, the client speaks v%d: %s", s.version, v, advice), http.StatusUpgradeRequired)
}

// Shutdown stops the server gently, as for a restart. New connections are
// refused at once, and so are new codes. Clients that wait for their other
// side, or have no code yet, are told at once that the server is restarting
// and that they should run the same command again. Pairs that already met
// may finish their handshake until ctx ends; then they are told the same and
// cut after a moment. Shutdown returns nil when every connection ended
// before ctx did, else an error wrapping ctx's.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	var waiting []*serverConn
	for c := range s.conns {
		if c.slot == nil || c.slot.receiver == nil {
			waiting = append(waiting, c)
		}
	}
	s.mu.Unlock()
	for _, c := range waiting {
		s.shut(c, errShuttingDown)
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		s.logs.Close() // its summaries of suppressed lines, and its ticker
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}

	s.mu.Lock()
	s.cutting = true
	rest := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		rest = append(rest, c)
	}
	s.mu.Unlock()
	if len(rest) == 0 {
		<-done
		return nil
	}
	for _, c := range rest {
		s.shut(c, errShuttingDown)
	}
	last := time.NewTimer(lastWordGrace)
	defer last.Stop()
	select {
	case <-done:
	case <-last.C:
		for _, c := range rest {
			c.forceClose()
		}
		<-done
	}
	return fmt.Errorf("rendezvous server shutdown: %d connections still in a handshake were cut: %w", len(rest), ctx.Err())
}

// lastWordGrace is how long Shutdown gives the pairs it cuts to hear why.
const lastWordGrace = time.Second

var errShuttingDown = &rendezvous.ProtocolError{Code: rendezvous.CodeShuttingDown, Message: rendezvous.RestartingMessage}

// Close closes all connections at once, giving clients a moment (about a
// second) to hear why; pairs in a handshake are not waited for.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
	return nil
}

// hijackRecorder keeps the net.Conn that websocket.Accept hijacks, so that
// the server can always cut a connection whose close handshake stalls.
//
// It also trades net/http's 4 KiB read and write buffers, which the
// websocket keeps for the life of the connection, for smaller ones: ferry's
// messages are small, larger ones bypass a buffer anyway, and a waiting
// sender then holds 6 KiB less (60 MB at 10,000 waiting senders).
type hijackRecorder struct {
	http.ResponseWriter
	conn net.Conn
}

// wsBufferSize is the read and the write buffer of each websocket.
const wsBufferSize = 1024

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	h.conn = c
	if err == nil {
		// The upgrade response is out. From here the websocket lives by the
		// server's own timeouts (idle, pings, writeTimeout), not by the
		// http.Server's ReadTimeout and WriteTimeout (net/http clears them
		// on hijack today; this keeps it so whatever net/http does).
		_ = c.SetDeadline(time.Time{})
	}
	if err == nil && rw.Reader.Buffered() == 0 && rw.Writer.Buffered() == 0 {
		rw = bufio.NewReadWriter(bufio.NewReaderSize(c, wsBufferSize), bufio.NewWriterSize(c, wsBufferSize))
	}
	return c, rw, err
}

func (h *hijackRecorder) Unwrap() http.ResponseWriter { return h.ResponseWriter }
