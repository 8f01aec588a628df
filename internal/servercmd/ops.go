package servercmd

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// DefaultShutdownTimeout is how long a shutdown lets pairs finish their
// handshake (--shutdown-timeout).
const DefaultShutdownTimeout = 15 * time.Second

// addOpsFlags registers the flags for running the server in production:
// TLS, reverse proxies, metrics and graceful restarts.
func addOpsFlags(cmd *cobra.Command, o *Options) {
	f := cmd.Flags()
	f.StringVar(&o.MetricsListen, "metrics-listen", "", "serve GET /metrics on `ADDR` only (host:port, e.g. 127.0.0.1:9339) instead of on --listen")
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
	o.Config.TrustedProxies = nil
	for _, s := range o.TrustedProxies {
		p, err := parseProxy(s)
		if err != nil {
			return usagef("--trusted-proxy %q: give an address or a CIDR range, e.g. 10.0.0.0/8 or 127.0.0.1", s)
		}
		o.Config.TrustedProxies = append(o.Config.TrustedProxies, p)
	}
	o.Config.PrivateMetrics = o.MetricsListen != ""
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
