package rendezvousclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/ferry-dev/ferry/rendezvous"
)

// dialTimeout bounds Dial (connecting and reading the welcome) when the
// caller's context has no earlier deadline, so that a server that never
// answers cannot hang a client.
const dialTimeout = 30 * time.Second

// clientReadLimit bounds one message from the server.
const clientReadLimit = 1 << 20

// Dial connects to the rendezvous server at serverURL and reads its welcome.
// serverURL may use ws://, wss://, http:// (as ws://) or https:// (as wss://);
// without a scheme ws:// is assumed. Its path, if any, is the prefix under
// which the server is mounted ("https://example.com/ferry"); the versioned
// endpoint (WSPath) is appended unless the URL already ends with one.
//
// A server that cannot be reached gives an error matching ErrUnreachable;
// one that speaks another protocol version, ErrVersion.
func Dial(ctx context.Context, serverURL string) (*Conn, error) {
	return dial(ctx, serverURL, rendezvous.Version)
}

// dial is Dial speaking protocol version (tests pretend to be other versions).
func dial(ctx context.Context, serverURL string, version int) (*Conn, error) {
	return dialWith(ctx, serverURL, version, DialOptions{})
}

func dialWith(ctx context.Context, serverURL string, version int, opts DialOptions) (*Conn, error) {
	u, err := endpointURL(serverURL, version)
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	ws, resp, err := wsDial(dctx, u, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("rendezvous: dial %s: %w", u, ctx.Err())
		}
		return nil, dialError(u, version, resp, err)
	}
	ws.SetReadLimit(clientReadLimit)
	welcome, err := readWelcome(dctx, ws, u, version)
	if err != nil {
		_ = ws.CloseNow()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("rendezvous: dial %s: %w", u, ctx.Err())
		}
		return nil, err
	}
	return newConn(ws, u, welcome), nil
}

// endpointURL turns what a user gave as the server into the websocket URL.
func endpointURL(serverURL string, version int) (string, error) {
	raw := strings.TrimSpace(serverURL)
	if raw == "" {
		return "", errors.New("rendezvous: no server URL: give one like ws://host:7339 (--server)")
	}
	if !strings.Contains(raw, "://") {
		raw = "ws://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("rendezvous: server URL %s: %w: give one like ws://host:7339 (--server)", strconv.Quote(serverURL), err)
	}
	switch strings.ToLower(u.Scheme) {
	case "ws", "http":
		u.Scheme = "ws"
	case "wss", "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("rendezvous: server URL %s: scheme %s is not one of ws, wss, http, https (--server)", strconv.Quote(serverURL), strconv.Quote(u.Scheme))
	}
	if u.Host == "" {
		return "", fmt.Errorf("rendezvous: server URL %s has no host: give one like ws://host:7339 (--server)", strconv.Quote(serverURL))
	}
	p := strings.TrimSuffix(u.Path, "/")
	if i := strings.LastIndex(p, "/v"); i >= 0 {
		if _, ok := rendezvous.ParseWSPath(p[i:]); ok {
			p = p[:i]
		}
	}
	u.Path = p + rendezvous.WSPathFor(version)
	u.RawPath = ""
	u.Fragment = ""
	return u.String(), nil
}

// dialError explains a failed websocket handshake.
func dialError(u string, version int, resp *http.Response, err error) error {
	if why, ok := tlsReason(err); ok && resp == nil {
		return &clientError{msg: fmt.Sprintf("could not reach the rendezvous server at %s: %s", u, why), is: rendezvous.ErrUnreachable, cause: err}
	}
	if resp == nil {
		return &clientError{
			msg:   fmt.Sprintf("could not reach the rendezvous server at %s: %s: is the server running? check --server", u, netReason(err)),
			is:    rendezvous.ErrUnreachable,
			cause: err,
		}
	}
	switch resp.StatusCode {
	case http.StatusUpgradeRequired:
		theirs, convErr := strconv.Atoi(resp.Header.Get(rendezvous.VersionHeader))
		if convErr != nil {
			return &clientError{
				msg: fmt.Sprintf("the rendezvous server at %s speaks another protocol version (%s: %s), this ferry speaks v%d: upgrade ferry (or the server)",
					u, resp.Status, responseText(resp), version),
				is: rendezvous.ErrVersion,
			}
		}
		return versionError(theirs, version)
	case http.StatusNotFound:
		return &clientError{
			msg: fmt.Sprintf("the server at %s has no protocol v%d endpoint (HTTP 404): it is an older ferry rendezvous server, or not one at all: upgrade the server, or check --server",
				u, version),
			is: rendezvous.ErrVersion,
		}
	}
	if resp.StatusCode == http.StatusBadRequest && strings.Contains(responseText(resp), "HTTPS server") {
		return &clientError{
			msg: fmt.Sprintf("could not reach the rendezvous server at %s: it speaks TLS on that port: use wss:// (or https://) in --server", u),
			is:  rendezvous.ErrUnreachable,
		}
	}
	return &clientError{
		msg: fmt.Sprintf("could not reach the rendezvous server at %s: it answered %s instead of opening a websocket: is that a ferry rendezvous server? check --server",
			u, strings.TrimSpace(resp.Status)),
		is:    rendezvous.ErrUnreachable,
		cause: err,
	}
}

// versionError says which side is older.
func versionError(theirs, ours int) error {
	advice := "upgrade ferry (or the server)"
	if theirs < ours {
		advice = "upgrade the server (or use an older ferry)"
	}
	return &clientError{
		msg: fmt.Sprintf("the rendezvous server speaks protocol v%d, this ferry speaks v%d: %s", theirs, ours, advice),
		is:  rendezvous.ErrVersion,
	}
}

// netReason picks the telling part of a failed dial: "connection refused",
// "no such host" or a timeout, instead of the whole chain.
func netReason(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within %s", dialTimeout)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Error()
	}
	return err.Error()
}

// responseText is the start of a response body, on one line, printable.
func responseText(resp *http.Response) string {
	if resp.Body == nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	return rendezvous.Printable(strings.Join(strings.Fields(string(b)), " "))
}

// readWelcome reads the server's first message.
func readWelcome(ctx context.Context, ws *websocket.Conn, u string, version int) (rendezvous.Message, error) {
	notFerry := func(why string) error {
		return &clientError{
			msg: fmt.Sprintf("the server at %s does not greet like a ferry rendezvous server (%s): check --server, or upgrade ferry", u, why),
			is:  rendezvous.ErrVersion,
		}
	}
	typ, data, err := ws.Read(ctx)
	if err != nil {
		if ce := (websocket.CloseError{}); errors.As(err, &ce) && ce.Reason != "" {
			return rendezvous.Message{}, rendezvous.NewServerError(ce.Reason, "")
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return rendezvous.Message{}, notFerry(fmt.Sprintf("no welcome within %s", dialTimeout))
		}
		return rendezvous.Message{}, &clientError{
			msg:   fmt.Sprintf("could not reach the rendezvous server at %s: the connection ended before its welcome: %v", u, err),
			is:    rendezvous.ErrUnreachable,
			cause: err,
		}
	}
	if typ != websocket.MessageText {
		return rendezvous.Message{}, notFerry("a binary first message")
	}
	m, err := rendezvous.DecodeMessage(data)
	if err != nil {
		return rendezvous.Message{}, notFerry(err.Error())
	}
	switch {
	case m.Type == rendezvous.TypeError:
		return rendezvous.Message{}, rendezvous.NewServerError(m.Code, m.Message)
	case m.Type != rendezvous.TypeWelcome:
		return rendezvous.Message{}, notFerry("its first message is " + strconv.Quote(m.Type))
	case m.Version != version:
		return rendezvous.Message{}, versionError(m.Version, version)
	}
	return m, nil
}
