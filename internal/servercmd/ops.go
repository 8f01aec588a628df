package servercmd

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
	"github.com/spf13/cobra"
)

// metricsMaxConns bounds the TCP connections of --metrics-listen (a
// scraper needs one); the public listener's default --max-tcp-conns leaves
// room for them.
const metricsMaxConns = 64

// DefaultShutdownTimeout is how long a shutdown lets pairs finish their
// handshake (--shutdown-timeout).
const DefaultShutdownTimeout = 15 * time.Second

// addOpsFlags registers the flags for running the server in production:
// TLS, reverse proxies, metrics and graceful restarts.
func addOpsFlags(cmd *cobra.Command, o *Options) {
	f := cmd.Flags()
	f.StringVar(&o.MetricsListen, "metrics-listen", "", "serve GET /metrics on `ADDR` (host:port, e.g. 127.0.0.1:9339; at most "+fmt.Sprint(metricsMaxConns)+" connections); without it (or --metrics-public) there are no metrics")
	f.BoolVar(&o.PublicMetrics, "metrics-public", false, "also serve GET /metrics on --listen: only where a firewall or proxy keeps that path from the internet")
	f.BoolVar(&o.NoWebApp, "no-web-app", false, "do not serve the browser app at / (the page that sends and receives with a code)")
	d := rendezvousserver.DefaultHTTPLimits()
	f.DurationVar(&o.HTTP.Timeout, "http-timeout", d.Timeout, "most time to read a plain HTTP request (headers, body, TLS handshake) and to write its response; websockets are not bound by it")
	f.DurationVar(&o.HTTP.IdleTimeout, "http-idle-timeout", d.IdleTimeout, "how long a kept-alive HTTP connection may wait for its next request")
	f.IntVar(&o.HTTP.ConnsPerIP, "tcp-conns-per-ip", d.ConnsPerIP, "most TCP connections open at once from one IP address (IPv6: one /64); a --trusted-proxy is exempt")
	f.IntVar(&o.HTTP.MaxConns, "max-tcp-conns", 0, "most TCP connections open at once in all; 0: the open-file limit (ulimit -n) less a reserve")
	f.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", DefaultShutdownTimeout, "on SIGTERM, how long pairs already connecting may take to finish before they are cut (waiting clients are told to retry at once)")
	f.StringVar(&o.TLSCert, "tls-cert", "", "serve TLS (wss://) with the PEM certificate chain in `FILE`; reloaded on SIGHUP")
	f.StringVar(&o.TLSKey, "tls-key", "", "the PEM private key of --tls-cert, in `FILE`; reloaded on SIGHUP")
	f.StringArrayVar(&o.TrustedProxies, "trusted-proxy", nil, "`CIDR` (or address) of a reverse proxy whose X-Forwarded-For header names the client, for per-IP limits and logs (repeatable); from other peers the header is ignored")
}

// validateOps checks those flags and puts the trusted proxies into the config.
func (o *Options) validateOps() error {
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return usagef("--tls-cert and --tls-key go together: give both (a PEM certificate and its key), or neither for plain ws://")
	}
	if o.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(o.MetricsListen); err != nil {
			return usagef("--metrics-listen %q: give host:port, e.g. 127.0.0.1:9339", o.MetricsListen)
		}
	}
	if o.ShutdownTimeout <= 0 {
		return usagef("--shutdown-timeout must be positive")
	}
	for _, l := range []struct {
		name string
		ok   bool
	}{
		{"http-timeout", o.HTTP.Timeout > 0},
		{"http-idle-timeout", o.HTTP.IdleTimeout > 0},
		{"tcp-conns-per-ip", o.HTTP.ConnsPerIP > 0},
		{"max-tcp-conns", o.HTTP.MaxConns >= 0},
	} {
		if !l.ok {
			return usagef("--%s must be positive", l.name)
		}
	}
	o.Config.TrustedProxies = nil
	for _, s := range o.TrustedProxies {
		p, err := parseProxy(s)
		if err != nil {
			return usagef("--trusted-proxy %q: give an address or a CIDR range, e.g. 10.0.0.0/8 or 127.0.0.1", s)
		}
		o.Config.TrustedProxies = append(o.Config.TrustedProxies, p)
	}
	return nil
}

// parseProxy reads "10.0.0.0/8", "192.0.2.7" or "::1"; IPv4-mapped IPv6 as IPv4.
func parseProxy(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, errors.New("an IPv4-mapped range needs at least 96 bits")
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}
