package rendezvousserver_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// rawDial opens a websocket to the server without the Client and reads the welcome.
func rawDial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(testCtx(t), url+rendezvous.WSPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	ws.SetReadLimit(1 << 20)
	var m struct {
		Type           string
		Version        int
		MaxMessageSize int `json:"max_message_size"`
	}
	readJSON(t, ws, &m)
	if m.Type != "welcome" || m.Version != rendezvous.Version || m.MaxMessageSize == 0 {
		t.Fatalf("first message = %+v, want a welcome", m)
	}
	return ws
}

func readJSON(t *testing.T, ws *websocket.Conn, v any) {
	t.Helper()
	typ, data, err := ws.Read(testCtx(t))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("server sent a %v message", typ)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("server sent %q: %v", data, err)
	}
}

func TestBadMessagesCloseOnlyThatConnection(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{MaxMessageSize: 4096})
	sender, receiver, _ := pair(t, srv.URL)

	tests := []struct {
		name    string
		typ     websocket.MessageType
		data    []byte
		code    string
		message string
	}{
		{"not json", websocket.MessageText, []byte("hello"), "bad_message", "not a JSON object"},
		{"json array", websocket.MessageText, []byte(`["allocate"]`), "bad_message", "not a JSON object"},
		{"no type", websocket.MessageText, []byte(`{"slot":"1"}`), "bad_message", `no "type"`},
		{"bad slot", websocket.MessageText, []byte(`{"type":"join","slot":"1; drop"}`), "bad_message", "slot must be 1 to 10 digits"},
		{"bad base64", websocket.MessageText, []byte(`{"type":"relay","body":"***"}`), "bad_message", "not a JSON object"},
		{"binary", websocket.MessageBinary, []byte(`{"type":"allocate"}`), "bad_message", "binary websocket messages"},
		{"unknown type", websocket.MessageText, []byte(`{"type":"teleport"}`), "unknown_type", `unknown message type "teleport"`},
		{"server type", websocket.MessageText, []byte(`{"type":"peer_left"}`), "unknown_type", "sent by servers"},
		{"relay unpaired", websocket.MessageText, []byte(`{"type":"relay","body":"aGk="}`), "unexpected", "before the two sides were paired"},
		{"too large", websocket.MessageText, bytes.Repeat([]byte("x"), 5000), "too_large", "at most 4096 bytes (server flag --max-message-size)"},
		{"too large binary", websocket.MessageBinary, bytes.Repeat([]byte{0}, 100000), "too_large", "--max-message-size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := rawDial(t, srv.URL)
			if err := ws.Write(testCtx(t), tt.typ, tt.data); err != nil {
				t.Fatal(err)
			}
			var m struct{ Type, Code, Message string }
			readJSON(t, ws, &m)
			if m.Type != "error" || m.Code != tt.code || !strings.Contains(m.Message, tt.message) {
				t.Errorf("got %+v, want error %s saying %q", m, tt.code, tt.message)
			}
			_, _, err := ws.Read(testCtx(t))
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Reason != tt.code {
				t.Errorf("after the error: %v, want a close with reason %s", err, tt.code)
			}
		})
	}
	// The server and the other pair are fine.
	exchange(t, sender, receiver)
	if _, _, slot := pair(t, srv.URL); slot == "" {
		t.Fatal("no slot")
	}
}

func TestHealthzAndNotFound(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.HTTPURL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz = %d %q, want 200 ok", code, body)
	}
	for _, p := range []string{"/", "/v1", "/v1/ws/x", "/vx/ws", "/metricz"} {
		if code, body := get(p); code != 404 || !strings.Contains(body, "/v1/ws") {
			t.Errorf("%s = %d %q, want 404 naming the endpoint", p, code, body)
		}
	}
	// A plain GET of the endpoint is not a websocket handshake.
	if code, _ := get("/v1/ws"); code != http.StatusBadRequest && code != http.StatusUpgradeRequired {
		t.Errorf("plain GET /v1/ws = %d, want 400 or 426", code)
	}
}

func TestDialURLForms(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
	host := strings.TrimPrefix(srv.URL, "ws://")
	for _, u := range []string{
		srv.URL, srv.URL + "/", srv.HTTPURL, srv.HTTPURL + "/", host,
		srv.URL + "/v1/ws", srv.HTTPURL + "/v1/ws/", "WS://" + host,
	} {
		c, err := rendezvousclient.Dial(testCtx(t), u)
		if err != nil {
			t.Errorf("Dial(%s): %v", u, err)
			continue
		}
		_ = c.Close()
	}
	for _, u := range []string{"ftp://" + host, "ws://", "", "ws://[::1"} {
		if c, err := rendezvousclient.Dial(testCtx(t), u); err == nil {
			_ = c.Close()
			t.Errorf("Dial(%q) succeeded", u)
		} else if !strings.Contains(err.Error(), "--server") {
			t.Errorf("Dial(%q): %v, want advice about --server", u, err)
		}
	}
}

func TestDialUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	_, err = rendezvousclient.Dial(testCtx(t), url)
	wantErr(t, err, rendezvous.ErrUnreachable, "could not reach the rendezvous server at "+url, "connection refused", "is the server running? check --server")
}
