package rendezvousserver_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ferry-dev/ferry/internal/rendezvousmetrics"
	"github.com/ferry-dev/ferry/internal/testcert"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// limitedServer serves rz with limits on a loopback port, as
// ferry-rendezvous does, optionally with TLS, and returns its address.
func limitedServer(t *testing.T, rz *rendezvousserver.Server, limits rendezvousserver.HTTPLimits, tlsCfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lln, err := rz.LimitListener(ln, "public", limits)
	if err != nil {
		t.Fatal(err)
	}
	if tlsCfg != nil {
		lln = tls.NewListener(lln, tlsCfg)
	}
	hs := rendezvousserver.NewHTTPServer(rz, limits, nil)
	go func() { _ = hs.Serve(lln) }()
	t.Cleanup(func() { _ = rz.Close(); _ = hs.Close() })
	return ln.Addr().String()
}

// tcpFrom opens a TCP connection to addr from the loopback address src.
func tcpFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, src, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// healthz asks for /healthz on c and keeps it alive; it returns the status
// code, or an error when the server closed c without answering.
func healthz(c net.Conn, br *bufio.Reader) (int, error) {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// metricsOf is m's metrics text.
func metricsOf(m *rendezvousmetrics.Metrics) string {
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// wantMetric polls m until it holds line.
func wantMetric(t *testing.T, m *rendezvousmetrics.Metrics, line string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(metricsOf(m), line+"\n") {
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed %q:\n%s", line, metricsOf(m))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestConnsPerAddress: one address holds at most ConnsPerIP connections;
// the next is closed unanswered, and counted, while another address is
// served; a closed connection frees its place.
func TestConnsPerAddress(t *testing.T) {
	rz, m := newServer(t, rendezvousserver.Config{})
	addr := limitedServer(t, rz, rendezvousserver.HTTPLimits{ConnsPerIP: 3}, nil)
	var held []net.Conn
	for i := range 3 {
		c := tcpFrom(t, "127.0.0.3", addr)
		if code, err := healthz(c, bufio.NewReader(c)); code != 200 {
			t.Fatalf("connection %d: /healthz %d, %v", i+1, code, err)
		}
		held = append(held, c)
	}
	over := tcpFrom(t, "127.0.0.3", addr)
	if code, err := healthz(over, bufio.NewReader(over)); err == nil {
		t.Fatalf("a 4th connection from one address got /healthz %d; want it closed unanswered", code)
	}
	other := tcpFrom(t, "127.0.0.4", addr)
	if code, err := healthz(other, bufio.NewReader(other)); code != 200 {
		t.Fatalf("another address: /healthz %d, %v", code, err)
	}
	wantMetric(t, m, `ferry_rendezvous_tcp_connections_refused_total{listener="public",reason="per_ip"} 1`)
	wantMetric(t, m, `ferry_rendezvous_tcp_connections_open{listener="public"} 4`)

	_ = held[0].Close()
	wantMetric(t, m, `ferry_rendezvous_tcp_connections_open{listener="public"} 3`)
	again := tcpFrom(t, "127.0.0.3", addr)
	if code, err := healthz(again, bufio.NewReader(again)); code != 200 {
		t.Fatalf("after one closed: /healthz %d, %v", code, err)
	}
}

// TestConnsTotal: at most MaxConns connections in all, whatever the address.
func TestConnsTotal(t *testing.T) {
	rz, m := newServer(t, rendezvousserver.Config{})
	addr := limitedServer(t, rz, rendezvousserver.HTTPLimits{ConnsPerIP: 10, MaxConns: 3}, nil)
	for i := range 3 {
		c := tcpFrom(t, fmt.Sprintf("127.0.1.%d", i+1), addr)
		if code, err := healthz(c, bufio.NewReader(c)); code != 200 {
			t.Fatalf("connection %d: /healthz %d, %v", i+1, code, err)
		}
	}
	over := tcpFrom(t, "127.0.1.9", addr)
	if code, err := healthz(over, bufio.NewReader(over)); err == nil {
		t.Fatalf("a connection over MaxConns got /healthz %d", code)
	}
	wantMetric(t, m, `ferry_rendezvous_tcp_connections_refused_total{listener="public",reason="total"} 1`)
}

// TestConnsFromTrustedProxyNotCapped: a reverse proxy carries many clients.
func TestConnsFromTrustedProxyNotCapped(t *testing.T) {
	rz, _ := newServer(t, rendezvousserver.Config{
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.2.1/32")},
	})
	addr := limitedServer(t, rz, rendezvousserver.HTTPLimits{ConnsPerIP: 2}, nil)
	for i := range 5 {
		c := tcpFrom(t, "127.0.2.1", addr)
		if code, err := healthz(c, bufio.NewReader(c)); code != 200 {
			t.Fatalf("connection %d from the proxy: /healthz %d, %v", i+1, code, err)
		}
	}
}

// closedWithin waits until the server closes c (a read ends) and fails if
// that takes longer than limit.
func closedWithin(t *testing.T, what string, c net.Conn, limit time.Duration) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(limit))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("%s: still open after %s", what, limit)
	}
}

// TestHTTPTimeoutsCutQuietConnections: a kept-alive connection that went
// quiet, one that promised a body and sent none, one that sent half a
// header and one that never spoke are all cut, with plain HTTP and TLS.
func TestHTTPTimeoutsCutQuietConnections(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "tls"}[useTLS], func(t *testing.T) {
			t.Parallel()
			var tlsCfg *tls.Config
			if useTLS {
				_, certFile, keyFile := testcert.Write(t, t.TempDir(), "listener test")
				cert, err := tls.LoadX509KeyPair(certFile, keyFile)
				if err != nil {
					t.Fatal(err)
				}
				tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}}
			}
			rz, m := newServer(t, rendezvousserver.Config{})
			limits := rendezvousserver.HTTPLimits{Timeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond}
			addr := limitedServer(t, rz, limits, tlsCfg)
			dial := func() net.Conn {
				c := tcpFrom(t, "127.0.0.1", addr)
				if useTLS {
					tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
					if err := tc.Handshake(); err != nil {
						t.Fatal(err)
					}
					return tc
				}
				return c
			}
			keepAlive := dial()
			if code, err := healthz(keepAlive, bufio.NewReader(keepAlive)); code != 200 {
				t.Fatalf("/healthz %d, %v", code, err)
			}
			noBody := dial()
			if _, err := io.WriteString(noBody, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			halfHeader := dial()
			if _, err := io.WriteString(halfHeader, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil {
				t.Fatal(err)
			}
			silent := tcpFrom(t, "127.0.0.1", addr) // not even a TLS handshake
			wantMetric(t, m, `ferry_rendezvous_tcp_connections_open{listener="public"} 4`)
			for what, c := range map[string]net.Conn{"keep-alive": keepAlive, "no body": noBody, "half a header": halfHeader, "silent": silent} {
				closedWithin(t, what, c, 5*time.Second)
			}
			wantMetric(t, m, `ferry_rendezvous_tcp_connections_open{listener="public"} 0`)
		})
	}
}

// TestWebsocketOutlivesHTTPTimeouts: an upgraded websocket is not cut by the
// HTTP read and write timeouts; it lives by the server's pings and idle
// timeout. It stays up for many times the HTTP timeout and still works.
func TestWebsocketOutlivesHTTPTimeouts(t *testing.T) {
	rz, m := newServer(t, rendezvousserver.Config{})
	rendezvousserver.SetPingInterval(rz, 50*time.Millisecond)
	limits := rendezvousserver.HTTPLimits{Timeout: 100 * time.Millisecond, IdleTimeout: 100 * time.Millisecond}
	addr := limitedServer(t, rz, limits, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	pings := make(chan struct{}, 100)
	ws, _, err := websocket.Dial(ctx, "ws://"+addr+rendezvous.WSPath, &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool { pings <- struct{}{}; return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"allocate"}`)); err != nil {
		t.Fatal(err)
	}
	msgs := make(chan string, 10)
	go func() { // reading is what answers pings
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(b)
		}
	}()
	start := time.Now()
	for n := 0; n < 20 || time.Since(start) < 10*limits.Timeout; n++ {
		select {
		case <-pings:
		case _, ok := <-msgs:
			if !ok {
				t.Fatalf("websocket closed after %s (HTTP timeout %s)", time.Since(start), limits.Timeout)
			}
			n--
		case <-ctx.Done():
			t.Fatalf("only %d pings", n)
		}
	}
	wantMetric(t, m, `ferry_rendezvous_connections_open 1`)
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"allocate"}`)); err != nil {
		t.Fatalf("write after %s: %v", time.Since(start), err)
	}
}
