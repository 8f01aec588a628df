package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// upgrader is a lean http.RoundTripper for websocket handshakes only: it
// dials, writes the request and reads the response on the connection
// itself. http.Transport runs two goroutines and a pool per connection,
// which at thousands of new connections a second would make the load
// generator, not the server, the thing measured. The websocket and the
// protocol on top are the real ones (coder/websocket, rendezvousclient.Conn).
type upgrader struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// upgraded is the body of a 101 response: the connection, reading first
// whatever the response reader already buffered.
type upgraded struct {
	io.Reader
	net.Conn
}

func (u upgraded) Read(p []byte) (int, error) { return u.Reader.Read(p) }

func (t *upgrader) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.URL.Scheme != "http" {
		return nil, fmt.Errorf("loadgen: %s: only ws:// (http) targets", req.URL)
	}
	conn, err := t.dial(ctx, "tcp", req.URL.Host)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(conn, 1024)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if !stop() { // ctx ended meanwhile
		conn.Close()
		return nil, ctx.Err()
	}
	_ = conn.SetDeadline(time.Time{})
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return resp, nil // the body reads from conn; closing it closes conn
	}
	resp.Body = upgraded{Reader: br, Conn: conn}
	return resp, nil
}
