// Package loadgen drives a real ferry rendezvous server over loopback with
// real websocket clients (rendezvousclient.Conn) speaking the real protocol, and
// measures the server: resident memory, goroutines and open file
// descriptors (from its own /metrics), and the latency of pairings.
//
// Three runs (see Hold, Pairings and Churn):
//
//	hold   N senders wait under N codes at once
//	pair   pairings at a fixed rate (open loop: latency counts from when a
//	       pairing was due, so a server that falls behind shows it)
//	churn  pairings, senders that give up, wrong codes, used codes and idle
//	       connections together for a set time; then everything must be
//	       back where it started: nothing leaks
//
// It only ever targets loopback. Clients connect from source addresses
// spread over 127.1.0.0/19 (all loopback on Linux) so that thousands of
// connections a second neither run out of ephemeral ports nor trip the
// server's per-IP limits, as the many users of a real server would not.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// Target is the server under load.
type Target struct {
	URL        string // ws://127.0.0.1:PORT: loopback only
	MetricsURL string // http://127.0.0.1:PORT/metrics: the server's own metrics
}

// CheckLoopback refuses any target that is not on this machine's loopback.
func CheckLoopback(rawURL string) (netip.Addr, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("loadgen: target %q: %w", rawURL, err)
	}
	host := u.Hostname()
	if host == "localhost" {
		host = "127.0.0.1"
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Unmap().IsLoopback() {
		return netip.Addr{}, fmt.Errorf("loadgen: target %q is not a loopback address: this tool only loads a server on 127.0.0.1 or ::1", rawURL)
	}
	return a.Unmap(), nil
}

// clients dials rendezvous connections to one target from rotating source
// addresses.
type clients struct {
	url     string
	hc      *http.Client
	next    atomic.Uint32
	rotate  bool // the target is IPv4 loopback: spread source addresses
	dialErr atomic.Int64
}

func newClients(t Target) (*clients, error) {
	a, err := CheckLoopback(t.URL)
	if err != nil {
		return nil, err
	}
	c := &clients{url: t.URL, rotate: a.Is4()}
	c.hc = &http.Client{Transport: &upgrader{dial: c.dialContext}}
	return c, nil
}

// sourceAddrs is how many source addresses the clients rotate through
// (127.1.0.0/19): enough that at 2,000 connections a second each address
// stays far below the server's default per-IP limits and has few ports in
// TIME_WAIT, few enough that the server's per-IP state reaches its steady
// size within seconds.
const sourceAddrs = 1 << 13

func (c *clients) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	if c.rotate {
		n := c.next.Add(1) % sourceAddrs
		d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 1, byte(n>>8), byte(n))}
	}
	return d.DialContext(ctx, network, addr)
}

// hcFrom is an HTTP client like c's whose connections all come from one
// source address (the attackers of Burn).
func (c *clients) hcFrom(from net.IP) *http.Client {
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: from}}
	return &http.Client{Transport: &upgrader{dial: d.DialContext}}
}

// dial opens one client connection.
func (c *clients) dial(ctx context.Context) (*rendezvousclient.Conn, error) {
	conn, err := rendezvousclient.DialWith(ctx, c.url, rendezvousclient.DialOptions{HTTPClient: c.hc})
	if err != nil {
		c.dialErr.Add(1)
	}
	return conn, err
}

// errKind names an error for the report: the server's code, or a short class.
func errKind(err error) string {
	var se *rendezvous.ServerError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		return se.Code
	case strings.Contains(err.Error(), "too many open files"):
		return "too_many_open_files"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection_refused"
	case strings.Contains(err.Error(), "context deadline exceeded"), strings.Contains(err.Error(), "timeout"):
		return "timeout"
	case strings.Contains(err.Error(), "context canceled"):
		return "canceled"
	default:
		return "other"
	}
}
