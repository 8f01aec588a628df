package servercmd

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ferry-dev/ferry/internal/rendezvousmetrics"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// withTLS wraps ln in TLS when --tls-cert is set, and reloads the
// certificate on SIGHUP until ctx ends.
func withTLS(ctx context.Context, ln net.Listener, opts *Options, logger *slog.Logger) (net.Listener, error) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	if opts.TLSCert == "" {
		go func() {
			defer signal.Stop(hup)
			for {
				select {
				case <-ctx.Done():
					return
				case <-hup:
					logger.Info("SIGHUP: nothing to reload (no --tls-cert)")
				}
			}
		}()
		return ln, nil
	}
	certs, err := newCertStore(opts.TLSCert, opts.TLSKey)
	if err != nil {
		signal.Stop(hup)
		return nil, err
	}
	logCert(logger, "tls certificate loaded", certs.cert.Load().Leaf)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			}
			leaf, err := certs.reload()
			if err != nil {
				logger.Error("tls certificate reload failed; still serving the previous one", "err", err)
				continue
			}
			logCert(logger, "tls certificate reloaded", leaf)
		}
	}()
	return tls.NewListener(ln, certs.tlsConfig()), nil
}

// serveMetrics serves the metrics on --metrics-listen (if set) until the
// returned stop is called, with the same timeouts and per-address limit as
// the public listener and at most metricsMaxConns connections.
func serveMetrics(ctx context.Context, opts *Options, rz *rendezvousserver.Server, metrics *rendezvousmetrics.Metrics, logger *slog.Logger) (stop func(), err error) {
	if opts.MetricsListen == "" {
		return func() {}, nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", opts.MetricsListen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s for metrics: %w: pick another --metrics-listen", opts.MetricsListen, err)
	}
	limits := opts.HTTP
	limits.MaxConns = metricsMaxConns
	lln, err := rz.LimitListener(ln, "metrics", limits)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler())
	srv := rendezvousserver.NewHTTPServer(mux, limits, httpErrorLog(logger))
	go func() { _ = srv.Serve(lln) }()
	logger.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	return func() { _ = srv.Close() }, nil
}

// httpLimits are the public listener's limits from the flags. Without
// --max-tcp-conns, the open-file limit less a reserve bounds the connections,
// leaving files for the TURN relay's allocations and the metrics listener.
func httpLimits(opts *Options) rendezvousserver.HTTPLimits {
	l := opts.HTTP
	if l.MaxConns == 0 {
		reserve := 0
		if opts.TURN.Listen != "" {
			reserve += opts.TURN.MaxAllocs
		}
		if opts.MetricsListen != "" {
			reserve += metricsMaxConns
		}
		l.MaxConns = rendezvousserver.MaxConnsForFileLimit(reserve)
	}
	return l
}

// httpErrorLog is net/http's error log for the servers: failed TLS
// handshakes (scanners, clients that do not trust the certificate, plain
// ws:// to a TLS port) are everyday noise on a public port and go to debug;
// anything else net/http reports is a warning.
func httpErrorLog(logger *slog.Logger) *log.Logger {
	return log.New(httpLogWriter{logger}, "", 0)
}

type httpLogWriter struct{ logger *slog.Logger }

func (w httpLogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelWarn
	if strings.Contains(msg, "TLS handshake error") {
		level = slog.LevelDebug
	}
	w.logger.Log(context.Background(), level, msg)
	return len(p), nil
}
