package servercmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/ferry-dev/ferry/internal/buildinfo"
	"github.com/ferry-dev/ferry/internal/rendezvousmetrics"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
	"github.com/ferry-dev/ferry/web"
)

// run serves until ctx ends, then shuts down gracefully.
func run(ctx context.Context, opts *Options) error {
	logger, err := newLogger(opts.Stderr, opts.LogFormat, opts.LogLevel)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", opts.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w: is another server using that port? pick another with --listen", opts.Listen, err)
	}
	relaySrv, err := startTURN(ctx, &opts.TURN, &opts.Config, logger)
	if err != nil {
		_ = ln.Close()
		return err
	}
	if relaySrv != nil {
		defer relaySrv.Close()
	}
	metrics := rendezvousmetrics.New()
	cfg := opts.Config
	cfg.Metrics = metrics
	cfg.WebApp = !opts.NoWebApp
	rz := rendezvousserver.New(logger, cfg)
	if relaySrv != nil {
		if err := metrics.Register(relayCollector{relaySrv}); err != nil {
			_ = ln.Close()
			return err
		}
	}
	limits := httpLimits(opts)
	// Connections are counted and refused on TCP, before any TLS handshake.
	limited, err := rz.LimitListener(ln, "public", limits)
	if err != nil {
		_ = ln.Close()
		return err
	}
	ln = limited
	tlsLn, err := withTLS(ctx, ln, opts, logger)
	if err != nil {
		_ = ln.Close()
		return err
	}
	ln = tlsLn
	stopMetrics, err := serveMetrics(ctx, opts, rz, metrics, logger)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopMetrics()
	var handler http.Handler = rz
	if opts.PublicMetrics {
		handler = metrics.Public(rz)
	}
	if !opts.NoWebApp {
		handler = web.With(handler)
	}
	srv := rendezvousserver.NewHTTPServer(handler, limits, httpErrorLog(logger))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	cfg = rz.Config()
	logger.Info("listening",
		"addr", ln.Addr().String(),
		"endpoint", rendezvous.WSPath,
		"version", buildinfo.String(),
		"max_message_size", cfg.MaxMessageSize,
		"max_messages_per_slot", cfg.MaxMessagesPerSlot,
		"slot_lifetime", cfg.SlotLifetime,
		"handshake_timeout", cfg.HandshakeTimeout,
		"max_slots", cfg.MaxSlots,
		"slots_per_ip", cfg.SlotsPerIPPerMinute,
		"joins_per_ip", cfg.JoinsPerIPPerMinute,
		"idle_timeout", cfg.IdleTimeout,
		"ice_servers", len(cfg.ICEServers),
		"tls", opts.TLSCert != "",
		"trusted_proxies", len(cfg.TrustedProxies),
		"http_timeout", limits.Timeout,
		"http_idle_timeout", limits.IdleTimeout,
		"tcp_conns_per_ip", limits.ConnsPerIP,
		"max_tcp_conns", limits.MaxConns,
		"metrics_public", opts.PublicMetrics,
	)
	if opts.MetricsListen == "" && !opts.PublicMetrics {
		logger.Info("metrics not served: give --metrics-listen ADDR, e.g. 127.0.0.1:9339")
	}

	select {
	case err := <-served:
		_ = rz.Close()
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	timeout := opts.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	logger.Info("shutting down", "timeout", timeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	// Both at once: srv stops listening (websockets are the rendezvous
	// server's), rz tells waiting clients and drains the pairs.
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Shutdown(sctx) }()
	rzErr := rz.Shutdown(sctx)
	httpErr := <-httpDone
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	if err := errors.Join(httpErr, rzErr); err != nil {
		logger.Warn("shutdown was not clean: connections were cut", "err", err)
	}
	logger.Info("stopped")
	return nil
}

// newLogger logs to w in format (text or json) from level up.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	lvl, err := parseLevel(level)
	if err != nil {
		return nil, err
	}
	ho := &slog.HandlerOptions{Level: lvl}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	}
	return slog.New(slog.NewTextHandler(w, ho)), nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, usagef("--log-level %q: use debug, info, warn or error", s)
	}
	return l, nil
}
